"""Reading users, scoped for the security administrator."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from ecert.accounts.models import RoleAssignment, User
from ecert.authorities.selectors import scope_for
from ecert.core.roles import Perm


def user_list_for(*, user: User) -> QuerySet[User]:
    """Users holding a role at an authority inside the administrator's scope."""
    scope = scope_for(user, Perm.MANAGE_USERS)
    active = RoleAssignment.objects.filter(revoked_at__isnull=True).select_related("authority")
    users = User.objects.prefetch_related(
        Prefetch("role_assignments", queryset=active, to_attr="active_roles")
    )
    if scope.everything:
        return users.order_by("username")
    if scope.is_empty:
        return users.none()
    in_scope = active.filter(scope.q("authority__path")).values("user_id")
    return users.filter(Q(pk__in=in_scope)).order_by("username")
