"""Template context for the back office: which menu entries the signed-in user may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ecert.accounts.models import User
from ecert.authorities.selectors import user_has_perm
from ecert.core.rules.roles import ROLE_LABELS, Perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    allowed = {perm.name.lower() for perm in Perm if user_has_perm(user, perm)}
    roles = sorted({ROLE_LABELS[role][0] for role in user.roles()})
    return {"can": allowed, "role_labels": roles}
