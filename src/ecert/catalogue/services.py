"""Loading the catalogue files into the database, and the settings the province administrator
edits in the back office (exam codes).

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

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import user_has_perm
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
from ecert.core.rules.catalogue import ExamCodeSource, exam_code_check
from ecert.core.rules.roles import Perm

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
        **_exam_code_values(q.exam_code, stored),
    }


def _exam_code_values(
    given: str | None, stored: Qualification | QualificationLevel | None
) -> dict[str, str]:
    """The files' code where a notice gives one; otherwise whatever is stored (an administrator's
    code, or nothing), with who gave it."""
    if given:
        return {"exam_code": given, "exam_code_source": ExamCodeSource.CATALOGUE.value}
    if stored is None:
        return {"exam_code": "", "exam_code_source": ""}
    return {"exam_code": stored.exam_code, "exam_code_source": stored.exam_code_source}


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
            level_values: dict[str, Any] = {
                "position": position,
                **_exam_code_values(level.exam_code, current),
            }
            if current is None:
                current, outcome = (
                    QualificationLevel(qualification=row, name=level.name, **level_values),
                    "created",
                )
                levels.append(current)
                stored.levels[(row.pk, level.name)] = current
            else:
                outcome = _update(current, level_values) if current.pk else "unchanged"
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


# ── Edited in the back office ──────────────────────────────────────────────────────────────────


def _exam_name(qualification: Qualification, level: str | None) -> str:
    return f"{level}{qualification.name}" if level else qualification.name


def exam_code_set(
    *, actor: User, qualification: Qualification, level: str | None, code: str
) -> Qualification | QualificationLevel:
    """The province administrator sets the exam code (考试代码) of one exam: a level of
    ``qualification``, or the qualification itself when it has no levels. The replacement
    package names its files with it (seed 001 附件 二.4). A code is one exam's: one already given
    to another exam is refused, naming it; a code a notice gives (the catalogue files) is changed
    in the files, not here. Audited with the old and the new code."""
    if not user_has_perm(actor, Perm.MANAGE_CATALOGUE):
        raise EcertError(
            "not_allowed",
            "只有省级管理员可以修改目录",
            "only a province administrator edits the catalogue",
        )
    code = exam_code_check(code)
    with transaction.atomic():
        # Every exam's code is compared with every other's: lock the qualifications (a small
        # table) so two administrators cannot give one code to two exams at once.
        list(rows_locked(Qualification.objects.order_by("pk")).values_list("pk", flat=True))
        row: Qualification | QualificationLevel
        levels = list(QualificationLevel.objects.filter(qualification=qualification))
        if level:
            found = next((lv for lv in levels if lv.name == level), None)
            if found is None:
                raise EcertError(
                    "unknown_level",
                    f"“{qualification.name}”没有“{level}”这一级别",
                    f"{qualification.name} has no level {level!r}",
                    field="level",
                )
            row = found
        elif levels:
            raise EcertError(
                "level_needed",
                f"“{qualification.name}”分级别设考试代码：请选择级别",
                f"{qualification.name} has levels, each with its own exam code: choose the level",
                field="level",
            )
        else:
            row = Qualification.objects.get(pk=qualification.pk)
        name = _exam_name(qualification, level)
        if row.exam_code_source == ExamCodeSource.CATALOGUE and row.exam_code != code:
            raise EcertError(
                "exam_code_from_notice",
                f"“{name}”的考试代码 {row.exam_code} 由通知给出（目录文件），不能在此修改；"
                "如通知有变，请修改目录文件后重新导入",
                f"the exam code {row.exam_code} of {name} is given by a notice (the catalogue "
                "files) and is not changed here: if the notice changed, edit the files and load "
                "them again",
                field="code",
            )
        _exam_code_unused(code, row)
        old = row.exam_code
        if old == code:
            return row
        row.exam_code = code
        row.exam_code_source = (
            ExamCodeSource.CATALOGUE.value
            if row.exam_code_source == ExamCodeSource.CATALOGUE
            else ExamCodeSource.BACK_OFFICE.value
        )
        row.save(update_fields=["exam_code", "exam_code_source"])
        audit_record(
            actor=actor,
            action="catalogue.exam_code_set",
            object_type="qualification",
            object_id=qualification.key,
            data={"level": level or "", "old": old, "new": code},
        )
    return row


def _exam_code_unused(code: str, row: Qualification | QualificationLevel) -> None:
    """EcertError when another exam already has ``code``."""
    levels = QualificationLevel.objects.select_related("qualification").filter(exam_code=code)
    qualifications = Qualification.objects.filter(exam_code=code)
    if isinstance(row, QualificationLevel):
        levels = levels.exclude(pk=row.pk)
    else:
        qualifications = qualifications.exclude(pk=row.pk)
    other_level = levels.first()
    other_qualification = qualifications.first()
    other = None
    if other_level is not None:
        other = _exam_name(other_level.qualification, other_level.name)
    elif other_qualification is not None:
        other = other_qualification.name
    if other is not None:
        raise EcertError(
            "exam_code_taken",
            f"考试代码 {code} 已是“{other}”的考试代码，一个代码只对应一项考试",
            f"the exam code {code} is already that of {other}: one code names one exam",
            field="code",
        )
