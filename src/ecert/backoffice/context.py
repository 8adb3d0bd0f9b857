"""Template context for the back office: which menu entries the signed-in user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ecert.accounts.models import User
from ecert.authorities.selectors import user_has_perm
from ecert.core.rules.kinds import AuthorityLevel
from ecert.core.rules.roles import ROLE_LABELS, ROLE_PERMISSIONS, Perm, Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    allowed = {perm.name.lower() for perm in Perm if user_has_perm(user, perm)}
    roles = sorted({ROLE_LABELS[role][0] for role in user.roles()})
    return {"can": allowed, "role_labels": roles, "gathers_replacements": _gathers(user)}


def _gathers(user: User) -> bool:
    """Whether the user works at a level that receives units' replacement batches (a province's
    exam centre or department, or above): the menu then shows the level above's pages."""
    return any(
        Perm.HANDLE_REPLACEMENT in ROLE_PERMISSIONS[Role(assignment.role)]
        and assignment.authority is not None
        and assignment.authority.level in (AuthorityLevel.PROVINCE, AuthorityLevel.NATIONAL)
        for assignment in user.active_assignments()
    )
