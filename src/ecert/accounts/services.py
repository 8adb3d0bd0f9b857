"""Writes to users and role assignments, each with its audit event."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone

from ecert.accounts.models import ApiToken, RoleAssignment, User
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


TOKEN_PREFIX = "ecert_"  # noqa: S105 - the readable start of every token, not a secret
TOKEN_SHOWN = len(TOKEN_PREFIX) + 8  # the prefix and 8 random characters identify a token
LAST_USED_STEP = timedelta(minutes=5)  # last_used_at is refreshed at most this often


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`; the token itself is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken.objects.create(
        name=name.strip()[:100],
        user=user,
        key_prefix=token[:TOKEN_SHOWN],
        key_hash=_token_hash(token),
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        object_type="api_token",
        object_id=api_token.pk,
        data={"username": user.username, "name": api_token.name, "prefix": api_token.key_prefix},
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, actor: User | None, api_token: ApiToken) -> ApiToken:
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            object_type="api_token",
            object_id=api_token.pk,
            data={"username": api_token.user.username, "prefix": api_token.key_prefix},
        )
    return api_token


def api_token_authenticate(*, token: str, now: datetime | None = None) -> User | None:
    """The active user a presented token belongs to, or None for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    presented = _token_hash(token)
    candidates = ApiToken.objects.filter(
        key_prefix=token[:TOKEN_SHOWN], revoked_at__isnull=True
    ).select_related("user")
    for api_token in candidates:
        if hmac.compare_digest(api_token.key_hash, presented):
            if not api_token.user.is_active:
                return None
            _touch(api_token, now or timezone.now())
            return api_token.user
    return None


def _touch(api_token: ApiToken, now: datetime) -> None:
    """Note when the token was last used; a bookkeeping write that must never fail a request (on
    SQLite a running import holds the write lock)."""
    if api_token.last_used_at is not None and now - api_token.last_used_at < LAST_USED_STEP:
        return
    try:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    except DatabaseError:
        return
