"""The exchange package of seed 001 附件 二–三, made from applications: one workbook and one photo
folder per exam, the two paper forms, one zip. The files themselves are written by
ecert.core.spreadsheets.replacement_package; this module turns applications into its rows, taking
every value from the certificate database (the record wins, seed 001 二(一)2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecert.catalogue.models import QualificationLevel
from ecert.core.errors import EcertError
from ecert.credentials.models import Credential
from ecert.replacement.models import Application


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
    name = f"{credential.level}{qualification.name}" if credential.level else qualification.name
    if not code:
        raise EcertError(
            "no_exam_code",
            f"“{name}”没有考试代码，无法生成补换数据；请省级管理员在目录中填写考试代码",
            f"{name} has no exam code, so its replacement data cannot be made: the province "
            "administrator sets it in the catalogue",
        )
    return Exam(code, name)


def packages_of(
    applications: Sequence[Application], *, unit_name: str, month: str
) -> dict[Exam, list[Application]]:
    """The applications grouped by exam, in the package's order; EcertError for an exam
    without a code."""
    grouped: dict[Exam, list[Application]] = {}
    for application in applications:
        grouped.setdefault(exam_of(application.credential), []).append(application)
    return grouped
