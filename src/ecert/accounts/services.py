"""Writes to users and role assignments, each with its audit event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ecert.accounts.models import RoleAssignment, User
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.core.kinds import AuthorityKind, AuthorityLevel
from ecert.core.roles import Role, check_assignment


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    superuser: bool = False,
) -> User:
    user = User(
        username=username, display_name=display_name, is_superuser=superuser, is_staff=superuser
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.created",
        object_type="user",
        object_id=user.pk,
        data={"username": username, "superuser": superuser},
    )
    return user


@transaction.atomic
def role_assign(
    *, actor: User | None, user: User, role: Role, authority: Authority | None
) -> RoleAssignment:
    """Give `user` a role at `authority`, refusing misplaced roles and 三员分立 conflicts."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    held = frozenset(
        Role(r)
        for r in user.role_assignments.filter(revoked_at__isnull=True).values_list(
            "role", flat=True
        )
    )
    place = (AuthorityKind(authority.kind), AuthorityLevel(authority.level)) if authority else None
    check_assignment(role, place, held - {role})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role.value,
        authority=authority,
        revoked_at=None,
        defaults={
            "granted_by": actor if actor and actor.pk else None,
            "granted_at": timezone.now(),
        },
    )
    if created:
        audit_record(
            actor=actor,
            action="role.assigned",
            authority=authority,
            object_type="user",
            object_id=user.pk,
            data={"username": user.username, "role": role.value},
        )
    user.__dict__.pop("_active_assignments", None)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    assignment.revoked_at = timezone.now()
    assignment.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="role.revoked",
        authority=assignment.authority,
        object_type="user",
        object_id=assignment.user_id,
        data={"role": assignment.role},
    )
    return assignment
