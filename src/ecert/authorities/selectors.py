"""Who may see what: every scoped read in ecert builds its filter here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.roles import ROLE_PERMISSIONS, Perm, Role

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority


@dataclass(frozen=True)
class Scope:
    """Subtree prefixes a user may act in for one permission; `everything` for superusers."""

    paths: tuple[str, ...]
    everything: bool = False
    holder_user_id: int | None = None

    def q(self, *path_fields: str, holder_field: str | None = None) -> Q:
        """A filter matching rows whose authority path (any of `path_fields`) lies in the scope."""
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        for prefix in self.paths:
            for field in path_fields:
                condition |= Q(**{f"{field}__startswith": prefix})
        if holder_field is not None and self.holder_user_id is not None:
            condition |= Q(**{holder_field: self.holder_user_id})
        return condition

    def contains(self, path: str) -> bool:
        """True when the authority with materialised ``path`` lies in the scope."""
        return self.everything or any(path.startswith(prefix) for prefix in self.paths)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.paths or self.holder_user_id is not None)


def scope_for(user: User, perm: Perm) -> Scope:
    """The scope in which `user` holds `perm`, from their active role assignments."""
    if not user.is_authenticated or not user.is_active:
        return Scope(paths=())
    if user.is_superuser:
        return Scope(paths=(), everything=True)
    paths: set[str] = set()
    holder_user_id = None
    for assignment in user.active_assignments():
        role = Role(assignment.role)
        if perm not in ROLE_PERMISSIONS[role]:
            continue
        if assignment.authority is not None:
            paths.add(assignment.authority.path)
        elif role is Role.HOLDER:
            holder_user_id = user.pk
    # Drop prefixes already covered by a shorter one.
    minimal = tuple(sorted(p for p in paths if not any(p != o and p.startswith(o) for o in paths)))
    return Scope(paths=minimal, holder_user_id=holder_user_id)


def user_has_perm(user: User, perm: Perm) -> bool:
    """True when the user holds `perm` anywhere (to decide whether a page exists for them)."""
    return not scope_for(user, perm).is_empty


def bureau_above(authority: Authority, level: AuthorityLevel) -> Authority | None:
    """The HR bureau of ``level`` on ``authority``'s path (itself included), or None: the
    province or city an authority belongs to, in one query."""
    from ecert.authorities.models import Authority

    keys = [key for key in authority.path.split("/") if key]
    return Authority.objects.filter(key__in=keys, level=level, kind=AuthorityKind.HR_BUREAU).first()
