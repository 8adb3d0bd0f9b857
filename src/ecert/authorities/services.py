"""Writes to the authority tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.core.rules.authorities import AuthorityRecord

if TYPE_CHECKING:
    from ecert.accounts.models import User

_FIELDS = (
    "name",
    "short_name",
    "kind",
    "level",
    "division_code",
    "region_department_code",
    "credit_code",
    "sector",
    "note",
)


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _values(record: AuthorityRecord) -> dict[str, str]:
    return {name: getattr(record, name) or "" for name in _FIELDS}


@transaction.atomic
def authorities_load(*, actor: User | None, records: Sequence[AuthorityRecord]) -> LoadReport:
    """Create or update authorities from the data file (parents first); running it twice changes nothing."""
    report = LoadReport()
    by_key = {a.key: a for a in rows_locked(Authority.objects.order_by("pk"))}
    for record in records:
        parent = by_key[record.parent] if record.parent else None
        path = f"{parent.path if parent else '/'}{record.key}/"
        values = _values(record)
        authority = by_key.get(record.key)
        if authority is None:
            authority = Authority(key=record.key, parent=parent, path=path, **values)
            authority.save()
            by_key[record.key] = authority
            report.created.append(record.key)
            continue
        old_path = authority.path
        if (
            all(getattr(authority, name) == value for name, value in values.items())
            and authority.parent_id == (parent.pk if parent else None)
            and old_path == path
        ):
            report.unchanged += 1
            continue
        for name, value in values.items():
            setattr(authority, name, value)
        authority.parent, authority.path = parent, path
        authority.save()
        if old_path != path:
            _move_descendants(old_path, path)
            for other in by_key.values():
                if other.path.startswith(old_path) and other.pk != authority.pk:
                    other.path = path + other.path[len(old_path) :]
        report.updated.append(record.key)
    if report.changed:
        audit_record(
            actor=actor,
            action="authority.loaded",
            object_type="authority_file",
            data={"created": report.created, "updated": report.updated},
        )
    return report


def _move_descendants(old_prefix: str, new_prefix: str) -> None:
    Authority.objects.filter(path__startswith=old_prefix).exclude(path=new_prefix).update(
        path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1))
    )


@transaction.atomic
def authority_create(
    *,
    actor: User | None,
    key: str,
    name: str,
    kind: str,
    level: str,
    parent: Authority,
    division_code: str = "",
    sector: str = "",
) -> Authority:
    """Add one authority below `parent` (a county, an institution, a city's industry department
    with the ``sector`` of its province department) outside the data file."""
    authority = Authority(
        key=key,
        name=name,
        kind=kind,
        level=level,
        parent=parent,
        path=f"{parent.path}{key}/",
        division_code=division_code,
        sector=sector,
    )
    authority.full_clean()
    authority.save()
    audit_record(
        actor=actor,
        action="authority.created",
        authority=parent,
        object_type="authority",
        object_id=key,
        data={"name": name, "kind": kind, "level": level, "sector": sector},
    )
    return authority
