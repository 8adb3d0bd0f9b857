"""The exchange package of seed 001 附件 二–三, made from applications: one workbook and one photo
folder per exam, the two paper forms, one zip. The files themselves are written by
ecert.core.spreadsheets.replacement_package and ecert.core.documents.replacement_forms; this module
turns applications into their rows, taking every value from the certificate database (the record
wins, seed 001 二(一)2): what the applicant typed is never written.

A unit's batch makes its own package (the (地市) of the file names is the unit: 济南市); the level
above aggregates the submitted batches of a month into one package per exam under its own name
(山东省人事考试中心), which is what it forwards and records in the dispatch.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification, QualificationLevel
from ecert.core.documents.replacement_forms import application_form_pdf, summary_form_pdf
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, Sex
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.spreadsheets.replacement_package import (
    EXTENSION,
    ExamPackage,
    PackageRow,
    package_base_name,
    package_row,
    package_zip,
    packages_check,
)
from ecert.credentials.models import Credential
from ecert.credentials.personal_data import id_number_plain
from ecert.replacement.models import Application, Batch

CITY_BUREAU_SUFFIX = "人力资源和社会保障局"


@dataclass(frozen=True)
class Exam:
    code: str
    name: str  # as the file name prints it: the qualification and its level


def exam_of(credential: Credential) -> Exam:
    """The exam (考试代码, 考试名称) of a record, or EcertError when the catalogue has no code."""
    qualification = credential.qualification
    assert qualification is not None
    code = qualification.exam_code
    if credential.level:
        level = QualificationLevel.objects.filter(
            qualification=qualification, name=credential.level
        ).first()
        code = level.exam_code if level is not None else ""
    return _exam(qualification, credential.level, code)


def _exam(qualification: Qualification, level: str, code: str) -> Exam:
    """The exam of ``qualification`` at ``level`` ("" for none) whose code the catalogue gives as
    ``code`` (the level's when there is a level, else the qualification's)."""
    name = f"{level}{qualification.name}" if level else qualification.name
    if not code:
        raise EcertError(
            "no_exam_code",
            f"“{name}”没有考试代码，无法生成补换数据；请省级管理员在目录中填写考试代码",
            f"{name} has no exam code, so its replacement data cannot be made: the province "
            "administrator sets it in the catalogue",
        )
    return Exam(code, name)


def unit_label(authority: Authority) -> str:
    """How a unit is named in the package (the (地市) of the file names, BMS): a city bureau by
    its city (济南市人力资源和社会保障局 → 济南市, as seed 001 附件 二.4's example), any other
    unit by its own name (山东省人事考试中心, 郑州市财政局)."""
    if authority.kind == AuthorityKind.HR_BUREAU and authority.level == AuthorityLevel.CITY:
        return authority.name.removesuffix(CITY_BUREAU_SUFFIX)
    return authority.name


def _birth_month(text: str) -> tuple[int, int] | None:
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        return int(text[:4]), int(text[5:])
    return None


# What a row takes from the database, read in one query for a whole package: the application,
# its record and the record's holder (never what the applicant typed). The qualifications, levels
# and authorities are few and are read once each (_Catalogue), not joined to every row.
_ROW_VALUES = (
    "reference",
    "unit_id",
    "photo_jpeg",
    "credential__management_number",
    "credential__holder_name",
    "credential__holder_sex",
    "credential__level",
    "credential__specialty",
    "credential__holder_birth_month",
    "credential__approval_date",
    "credential__qualification_id",
    "credential__registration_authority_id",
    "credential__holder__name",
    "credential__holder__id_type",
    "credential__holder__id_number_ciphertext",
)


class _Catalogue:
    """The exams and unit names of a package's rows, each read once: a month's applications
    share a few dozen exams and a few cities."""

    def __init__(self, values: list[tuple[Any, ...]]) -> None:
        qualification_ids = {v[10] for v in values if v[10] is not None}
        authority_ids = {v[1] for v in values} | {v[11] for v in values if v[11] is not None}
        self._qualifications = Qualification.objects.in_bulk(qualification_ids)
        self._level_codes = {
            (qualification, name): code
            for qualification, name, code in QualificationLevel.objects.filter(
                qualification__in=qualification_ids
            ).values_list("qualification_id", "name", "exam_code")
        }
        self._labels = {
            pk: unit_label(authority)
            for pk, authority in Authority.objects.in_bulk(authority_ids).items()
        }
        self._exams: dict[tuple[int, str], Exam] = {}

    def exam(self, qualification_id: int | None, level: str) -> Exam:
        """As exam_of for a record of this qualification and level."""
        assert qualification_id is not None
        key = (qualification_id, level)
        if key not in self._exams:
            qualification = self._qualifications[qualification_id]
            code = self._level_codes.get(key, "") if level else qualification.exam_code
            self._exams[key] = _exam(qualification, level, code)
        return self._exams[key]

    def label(self, authority_id: int) -> str:
        return self._labels[authority_id]


def _row(values: tuple[Any, ...], catalogue: _Catalogue) -> PackageRow:
    """One application's row from its ``_ROW_VALUES``. BMS is the record's registration city; a
    record without one is declared under the city of the unit that received it (docs/
    decisions.md 171)."""
    (
        _reference,
        unit_id,
        photo,
        management_number,
        record_name,
        sex,
        level,
        specialty,
        birth_month,
        approval_date,
        _qualification_id,
        registration_id,
        holder_name,
        id_type,
        ciphertext,
    ) = values
    return package_row(
        management_number=management_number,
        name=record_name or holder_name,
        id_number=id_number_plain(ciphertext, id_type),
        id_type=IdType(id_type),
        sex=Sex(sex) if sex else None,
        level=level,
        specialty=specialty,
        birth_month=_birth_month(birth_month),
        approval_date=approval_date,
        city=catalogue.label(registration_id if registration_id is not None else unit_id),
        photo=bytes(photo) if photo is not None else None,
    )


def packages_of(
    applications: Sequence[Application], *, unit_name: str, month: str
) -> list[ExamPackage]:
    """The applications as the exams of one package (``unit_name``'s ``month``), checked: an
    exam without a code, or a row the province could not use, is refused with its reason and
    the application it comes from."""
    chosen = Application.objects.filter(pk__in=[application.pk for application in applications])
    return _packages(chosen, unit_name=unit_name, month=month)


def _packages(
    applications: QuerySet[Application], *, unit_name: str, month: str
) -> list[ExamPackage]:
    values = list(applications.order_by("pk").values_list(*_ROW_VALUES))
    catalogue = _Catalogue(values)
    grouped: dict[Exam, list[tuple[PackageRow, str]]] = {}
    for row_values in values:
        exam = catalogue.exam(row_values[10], row_values[6])
        try:
            row = _row(row_values, catalogue)
        except (EcertError, ValueError, KeyError) as error:
            raise _of_application(error, row_values[0], row_values[3]) from None
        grouped.setdefault(exam, []).append((row, row_values[0]))
    packages = [
        ExamPackage(month, exam.code, exam.name, unit_name, tuple(row for row, _ in rows))
        for exam, rows in sorted(grouped.items(), key=lambda item: item[0].code)
    ]
    try:
        packages_check(packages)
    except EcertError as error:
        raise _located(error, packages, grouped) from None
    return packages


def _of_application(error: Exception, reference: str, number: str) -> EcertError:
    if isinstance(error, EcertError):
        zh, en, code = error.zh, error.en, error.code
    else:
        zh, en, code = "证书数据库中的记录不完整", "the record is incomplete", "record_incomplete"
    return EcertError(
        code,
        f"申请 {reference}（管理号 {number}）：{zh}",
        f"application {reference} (management number {number}): {en}",
        field=error.field if isinstance(error, EcertError) else "",
    )


def _located(
    error: EcertError,
    packages: list[ExamPackage],
    grouped: dict[Exam, list[tuple[PackageRow, str]]],
) -> EcertError:
    """A row's error also names the application it comes from."""
    if error.row is None or not error.file:
        return error
    for package in packages:
        if package_base_name(package) + EXTENSION != error.file:
            continue
        row = package.ordered[error.row - 2]
        exam = Exam(package.exam_code, package.exam_name)
        reference = next(a for r, a in grouped[exam] if r is row)
        zh, en = error.texts()
        return EcertError(
            error.code,
            f"申请 {reference}：{zh}",
            f"application {reference}: {en}",
            field=error.field,
        )
    return error


def batch_packages(batch: Batch) -> list[ExamPackage]:
    """A unit's batch as its package: the unit's own name and the batch's month."""
    return _packages(batch.applications.all(), unit_name=unit_label(batch.unit), month=batch.month)


def aggregate_packages(
    batches: Sequence[Batch], *, authority: Authority, month: str
) -> list[ExamPackage]:
    """The level above's package of ``month``: per exam the rows of all ``batches`` (each row keeps
    its BMS city), under the aggregating unit's own name."""
    applications = Application.objects.filter(batch__in=[batch.pk for batch in batches])
    return _packages(applications, unit_name=unit_label(authority), month=month)


# ── Files ──────────────────────────────────────────────────────────────────────────────────────


def package_file_name(packages: Sequence[ExamPackage]) -> str:
    """``202611-济南市(证书补换数据).zip``."""
    return f"{packages[0].month}-{packages[0].unit}(证书补换数据).zip"


def forms_file_name(packages: Sequence[ExamPackage]) -> str:
    return f"{packages[0].month}-{packages[0].unit}(证书补换纸质材料).zip"


def forms_created(month: str) -> datetime:
    """The date the forms carry: the first of the package's month, so the same data gives the
    same files (as the zip's entries are dated)."""
    return datetime(int(month[:4]), int(month[4:]), 1, tzinfo=UTC)


def forms_zip(packages: Sequence[ExamPackage]) -> bytes:
    """The two paper forms as PDFs in one zip: 《证书补发(更换)统计汇总表》 and, per exam,
    《专业技术人员职业资格证书补发(更换)申请表》, named after the exam's workbook."""
    from ecert.documents.services import renderer

    draw = renderer()
    created = forms_created(packages[0].month)
    stamp = (int(packages[0].month[:4]), int(packages[0].month[4:]), 1, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        summary = summary_form_pdf(packages, draw, created=created)
        archive.writestr(
            zipfile.ZipInfo(
                f"{packages[0].month}-{packages[0].unit}-证书补发(更换)统计汇总表.pdf", stamp
            ),
            summary,
        )
        for package in sorted(packages, key=lambda p: p.exam_code):
            pdf = application_form_pdf(package, draw, created=created)
            name = f"{package_base_name(package)}-证书补发(更换)申请表.pdf"
            archive.writestr(zipfile.ZipInfo(name, stamp), pdf)
    return buffer.getvalue()


@dataclass(frozen=True)
class PackageFile:
    name: str
    sha256: str
    rows: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "sha256": self.sha256, "rows": self.rows}


def package_files(packages: Sequence[ExamPackage]) -> tuple[bytes, list[PackageFile]]:
    """The package zip and what a dispatch records of it: the zip itself and each exam's
    workbook, by name, SHA-256 and number of rows."""
    data = package_zip(packages)
    files = [
        PackageFile(
            package_file_name(packages),
            hashlib.sha256(data).hexdigest(),
            sum(len(p.rows) for p in packages),
        )
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for package in sorted(packages, key=lambda p: p.exam_code):
            name = package_base_name(package) + EXTENSION
            files.append(
                PackageFile(name, hashlib.sha256(archive.read(name)).hexdigest(), len(package.rows))
            )
    return data, files
