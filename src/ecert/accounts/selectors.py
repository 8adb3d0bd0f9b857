"""The reads of the two guard roles (三员分立), scoped like every other: the users a security
administrator manages, the audit events an auditor reads."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from ecert.accounts.models import RoleAssignment, User
from ecert.audit.models import AuditEvent
from ecert.authorities.selectors import scope_for
from ecert.core.rules.roles import Perm, Role


def user_list_for(*, user: User) -> QuerySet[User]:
    """Users holding a role at an authority inside the administrator's scope."""
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
        return users.order_by("username")
    return users.filter(Q(pk__in=active.values("user_id"))).order_by("username")


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
