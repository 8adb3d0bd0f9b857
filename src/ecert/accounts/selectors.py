"""The reads of the two guard roles (三员分立), scoped like every other: the users a security
administrator manages, the audit events an auditor reads."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet, Value

from ecert.accounts.models import RoleAssignment, User
from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.rules.roles import Perm, Role


def user_list_for(*, user: User) -> QuerySet[User]:
    """Users holding a role at an authority inside the administrator's scope; ``outside`` counts
    each one's active roles beyond it (such an account is shown, but only an administrator whose
    scope covers all its roles manages it)."""
    scope = scope_for(user, Perm.MANAGE_USERS)
    if scope.is_empty:
        return User.objects.none()
    active = RoleAssignment.objects.filter(revoked_at__isnull=True).select_related("authority")
    if not scope.everything:
        # Only the assignments inside the scope: an administrator of one province must not learn
        # what the same person does in another.
        active = active.filter(scope.q("authority__path"))
    users = User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=active, to_attr="active_roles")
    )
    if scope.everything:
        return users.annotate(outside=Value(0)).order_by("username")
    beyond = Q(role_assignments__revoked_at__isnull=True) & (
        Q(role_assignments__authority__isnull=True) | ~scope.q("role_assignments__authority__path")
    )
    return (
        users.filter(Q(pk__in=active.values("user_id")))
        .annotate(outside=Count("role_assignments", filter=beyond))
        .order_by("username")
    )


def staff_account_in_scope(*, actor: User | None, account: User) -> bool:
    """Whether ``actor`` manages ``account``: every active role of the account lies in the actor's
    scope for managing users (an account with none, or with a role tied to no authority, is managed
    only by a superuser). ``actor`` None is the command line on the server, which manages all."""
    if actor is None:
        return True
    scope = scope_for(actor, Perm.MANAGE_USERS)
    if scope.is_empty or (account.is_superuser and not actor.is_superuser):
        return False
    if scope.everything:
        return True
    assignments = account.role_assignments.filter(revoked_at__isnull=True).select_related(
        "authority"
    )
    paths = [a.authority.path if a.authority is not None else None for a in assignments]
    return bool(paths) and all(path is not None and scope.contains(path) for path in paths)


def staff_account_get_for(*, user: User, username: str) -> User | None:
    """The account ``user`` manages by this name; None when it does not exist or is not theirs
    (the two answer alike)."""
    account = User.objects.filter(username=username).first()
    if account is None or not staff_account_in_scope(actor=user, account=account):
        return None
    return account


def staff_authorities_for(*, user: User) -> QuerySet[Authority]:
    """The authorities where ``user`` may assign roles."""
    return Authority.objects.visible_to(user, Perm.MANAGE_USERS)


def staff_account_home(account: User) -> Authority | None:
    """The authority an account's events are filed under, so that the auditors of that subtree
    read them: the highest of its active roles' authorities (None: no such role)."""
    held = [a.authority for a in account.active_assignments() if a.authority is not None]
    return min(held, key=lambda authority: authority.path) if held else None


def holder_account_for_id_number(raw: str) -> User | None:
    """The active portal account linked to the holder with ID number ``raw``, if any (unscoped:
    for signing in only)."""
    from ecert.credentials.selectors import holders_with_id_number

    return (
        User.objects.filter(
            pk__in=holders_with_id_number(raw).values("user_id"),
            is_active=True,
            role_assignments__role=Role.HOLDER.value,
            role_assignments__revoked_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )


def audit_may_verify(*, user: User) -> bool:
    """The whole chain is re-hashed only for auditors whose scope is national (they read it all)."""
    scope = scope_for(user, Perm.VIEW_AUDIT)
    return scope.everything or any(path.count("/") == 2 for path in scope.paths)


def audit_list_for(*, user: User, action: str = "") -> QuerySet[AuditEvent]:
    """Events an auditor may read: those of authorities in their scope. Events tied to no authority
    (system-wide loads, user accounts, holders) are for auditors whose scope is national."""
    scope = scope_for(user, Perm.VIEW_AUDIT)
    if scope.is_empty:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("authority")
    if not scope.everything:
        national = audit_may_verify(user=user)
        events = events.filter(
            scope.q("authority__path") | (Q(authority__isnull=True) if national else Q(pk__in=[]))
        )
    if action:
        events = events.filter(action__startswith=action)
    return events
