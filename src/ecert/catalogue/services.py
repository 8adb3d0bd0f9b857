"""Loading the catalogue files into the database.

Rules (docs/catalogue.md): qualifications, levels and specialties are added and updated, never
deleted, so data recorded against them stays valid and a province administrator's additions
survive; an exam code the files leave unknown keeps whatever the administrator set. The lists and
the responsibility table are the notices' text and are replaced whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction

from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.catalogue.models import (
    CatalogueEntry,
    CatalogueList,
    Qualification,
    QualificationLevel,
    ResponsibilityRule,
    Specialty,
)
from ecert.core.errors import EcertError
from ecert.core.rules import catalogue as core

if TYPE_CHECKING:
    from ecert.accounts.models import User


M = TypeVar("M", bound=models.Model)


@dataclass
class CatalogueReport:
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return any(
            k.endswith(("created", "updated", "replaced")) and v for k, v in self.counts.items()
        )

    def summary(self) -> str:
        if not self.changed:
            return "无变化 / no change"
        return ", ".join(f"{k}: {v}" for k, v in sorted(self.counts.items()) if v)


def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, str]:
    row = model._default_manager.filter(**lookup).first()
    if row is None:
        return model._default_manager.create(**lookup, **values), "created"
    return row, _update(row, values)


def _update(row: models.Model, values: dict[str, Any]) -> str:
    """Give ``row`` the ``values`` it lacks; whether that was ``updated`` or ``unchanged``."""
    if all(getattr(row, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=list(values))
    return "updated"


def _authority(authorities: dict[str, Authority], key: str, where: str) -> Authority:
    if key not in authorities:
        raise EcertError(  # the files refer to an authority the database does not have
            "unknown_authority",
            f"{where}：机构 {key} 不存在，请先导入机构文件",
            f"{where}: authority {key} does not exist; load the authority file first",
        )
    return authorities[key]


def _optional_authority(
    authorities: dict[str, Authority], key: str | None, where: str
) -> Authority | None:
    return None if key is None else _authority(authorities, key, where)


@dataclass
class _Stored:
    """The qualifications, levels and specialties the database holds before a load, read in three
    queries; the load then inserts what is new in one statement per table."""

    qualifications: dict[str, Qualification]
    levels: dict[tuple[int, str], QualificationLevel]
    specialties: set[tuple[int, str]]

    @classmethod
    def read(cls) -> _Stored:
        return cls(
            {q.key: q for q in Qualification.objects.all()},
            {(lv.qualification_id, lv.name): lv for lv in QualificationLevel.objects.all()},
            set(Specialty.objects.values_list("qualification_id", "name")),
        )


def _qualification_values(q: core.Qualification, stored: Qualification | None) -> dict[str, Any]:
    return {
        "code": q.code,
        "name": q.name,
        "abolished": q.abolished,
        "replacement_form": q.replacement_form.value,
        "photo_rule": q.photo_rule.value,
        "correction_route": q.correction_route.value,
        "note": q.note,
        "name_en": q.name_en,
        "approved_by": q.approved_by,
        "approved_by_specialty": dict(q.approved_by_specialty),
        "exam_code": q.exam_code or (stored.exam_code if stored else ""),
    }


def _load_qualifications(
    catalogue: core.Catalogue, report: CatalogueReport
) -> dict[str, Qualification]:
    stored = _Stored.read()
    rows: dict[str, Qualification] = {}
    new: list[Qualification] = []
    for key, q in catalogue.qualifications.items():
        row = stored.qualifications.get(key)
        values = _qualification_values(q, row)
        if row is None:
            row, outcome = Qualification(key=key, **values), "created"
            new.append(row)
        else:
            outcome = _update(row, values)
        rows[key] = row
        report.counts[f"qualifications {outcome}"] += 1
    Qualification.objects.bulk_create(new)  # sets the new rows' ids (INSERT … RETURNING)

    levels: list[QualificationLevel] = []
    specialties: list[Specialty] = []
    for key, q in catalogue.qualifications.items():
        row = rows[key]
        for position, level in enumerate(q.levels, start=1):
            current = stored.levels.get((row.pk, level.name))
            values = {
                "position": position,
                "exam_code": level.exam_code or (current.exam_code if current else ""),
            }
            if current is None:
                current, outcome = (
                    QualificationLevel(qualification=row, name=level.name, **values),
                    "created",
                )
                levels.append(current)
                stored.levels[(row.pk, level.name)] = current
            else:
                outcome = _update(current, values) if current.pk else "unchanged"
            report.counts[f"levels {outcome}"] += 1
        for name in q.specialties:
            outcome = "unchanged"
            if (row.pk, name) not in stored.specialties:
                specialties.append(Specialty(qualification=row, name=name))
                stored.specialties.add((row.pk, name))
                outcome = "created"
            report.counts[f"specialties {outcome}"] += 1
    QualificationLevel.objects.bulk_create(levels)
    Specialty.objects.bulk_create(specialties)
    return rows


def _province(authorities: dict[str, Authority], code: str | None, where: str) -> Authority | None:
    """A province letter code (GB/T 2260: sd, ha) names the province node, its HR department `<code>-hrss`."""
    return _optional_authority(authorities, f"{code}-hrss" if code else None, where)


def _entries_of(catalogue_list: CatalogueList) -> list[tuple[Any, ...]]:
    return list(
        catalogue_list.entries.order_by("position").values_list(
            "position", "label", "qualification__key", "levels", "sealed_by__key"
        )
    )


@transaction.atomic
def catalogue_load(*, actor: User | None, catalogue: core.Catalogue) -> CatalogueReport:
    """Bring the database in line with the catalogue files; running it twice changes nothing."""
    report = CatalogueReport()
    authorities = {a.key: a for a in Authority.objects.all()}
    qualifications = _load_qualifications(catalogue, report)
    for key, source in catalogue.lists.items():
        where = f"list {key}"
        values = {
            "title": source.title,
            "source": source.source,
            "kind": source.kind.value,
            "style": source.style,
            "issuer": _optional_authority(authorities, source.issuer, where),
            "province": _province(authorities, source.province, where),
        }
        row, outcome = _upsert(CatalogueList, {"key": key}, values)
        report.counts[f"lists {outcome}"] += 1
        wanted = [
            (e.position, e.label, e.qualification, list(e.levels), e.sealed_by)
            for e in source.entries
        ]
        if _entries_of(row) != wanted:
            row.entries.all().delete()
            CatalogueEntry.objects.bulk_create(
                CatalogueEntry(
                    catalogue_list=row,
                    position=e.position,
                    label=e.label,
                    qualification=qualifications[e.qualification],
                    levels=list(e.levels),
                    sealed_by=_optional_authority(
                        authorities, e.sealed_by, f"{where} #{e.position}"
                    ),
                )
                for e in source.entries
            )
            report.counts["list entries replaced"] += len(source.entries)
    _load_responsibility(catalogue, qualifications, authorities, report)
    if report.changed:
        audit_record(
            actor=actor,
            action="catalogue.loaded",
            object_type="catalogue",
            data=dict(report.counts),
        )
    return report


def _responsibility_values(row: ResponsibilityRule | core.ResponsibilityRow) -> tuple[Any, ...]:
    if isinstance(row, ResponsibilityRule):
        return (
            row.province.key.removesuffix("-hrss"),
            row.position,
            row.label,
            row.qualification.key,
            row.levels,
            row.review_authority.key,
            row.review_levels,
            row.distribution_authority.key if row.distribution_authority else None,
            row.distribution_levels,
            row.electronic_by.key if row.electronic_by else None,
        )
    return (
        row.province,
        row.position,
        row.label,
        row.qualification,
        list(row.levels),
        row.review.authority,
        [str(level) for level in row.review.levels],
        row.distribution.authority if row.distribution else None,
        [str(level) for level in row.distribution.levels] if row.distribution else [],
        row.electronic_by,
    )


def _load_responsibility(
    catalogue: core.Catalogue,
    qualifications: dict[str, Qualification],
    authorities: dict[str, Authority],
    report: CatalogueReport,
) -> None:
    stored = ResponsibilityRule.objects.select_related(
        "province", "qualification", "review_authority", "distribution_authority", "electronic_by"
    ).order_by("province__key", "position", "id")
    wanted = sorted(catalogue.responsibility, key=lambda r: (r.province, r.position))
    if [_responsibility_values(r) for r in stored] == [_responsibility_values(r) for r in wanted]:
        return
    ResponsibilityRule.objects.all().delete()
    rules = []
    for row in wanted:
        where = f"responsibility {row.province} #{row.position}"
        rules.append(
            ResponsibilityRule(
                province=_authority(authorities, f"{row.province}-hrss", where),
                position=row.position,
                label=row.label,
                qualification=qualifications[row.qualification],
                levels=list(row.levels),
                review_authority=_authority(authorities, row.review.authority, where),
                review_levels=[str(level) for level in row.review.levels],
                distribution_authority=_optional_authority(
                    authorities, row.distribution.authority if row.distribution else None, where
                ),
                distribution_levels=[str(level) for level in row.distribution.levels]
                if row.distribution
                else [],
                electronic_by=_optional_authority(authorities, row.electronic_by, where),
            )
        )
    ResponsibilityRule.objects.bulk_create(rules)
    report.counts["responsibility rows replaced"] += len(wanted)
