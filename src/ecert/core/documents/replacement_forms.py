"""The two paper forms of a replacement package (seed 001 附件 二.5 and 三), drawn from the same
``ExamPackage`` data as the Excel files, so the paper and the data cannot disagree:

- 《专业技术人员职业资格证书补发(更换)申请表》, one per exam: its rows in ``ExamPackage.ordered``
  order (by approval date), every cell as the workbook has it, 第X页/共X页 on every page;
- 《证书补发(更换)统计汇总表》 of a unit's month: per exam its code, name and the number of people
  and photos, and the totals.

Layouts ``replacement-application`` and ``replacement-summary`` in src/ecert/data/faces, rendered
by the one ``Renderer`` with the project's fonts. A character no font draws is refused naming the
exam, the workbook row and the column, before anything is compiled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ecert.core.documents.faces import document_page
from ecert.core.documents.render import Page, Renderer, uncovered_error
from ecert.core.spreadsheets.replacement_package import (
    EXTENSION,
    ExamPackage,
    cell_error,
    package_base_name,
    package_check,
    packages_check,
)

APPLICATION = "replacement-application"
SUMMARY = "replacement-summary"


def cn_year_month(month: str) -> str:
    """``2020年05月`` from a package month ``202005``."""
    return f"{month[:4]}年{month[4:]}月"


def application_page(package: ExamPackage) -> Page:
    """The 申请表 of one exam as a page description (the layout breaks it into pages)."""
    package_check(package)
    rows = [
        {
            "index": str(index),
            "zsglh": row.zsglh,
            "ksxm": row.ksxm,
            "zjlb": row.zjlb,
            "zjhm": row.zjhm,
            "xb": row.xb,
            "bkjb": row.bkjb,
            "bkzy": row.bkzy,
            "csny": row.csny,
            "pzrq": row.pzrq,
            "zp": "有" if row.zp else "无",
            "bms": row.bms,
        }
        for index, row in enumerate(package.ordered, start=1)
    ]
    fields = {
        "unit": package.unit,
        "month": cn_year_month(package.month),
        "exam_code": package.exam_code,
        "exam_name": package.exam_name,
        "count": str(len(package.rows)),
    }
    return document_page(APPLICATION, fields, rows=rows)


def summary_page(packages: Sequence[ExamPackage]) -> Page:
    """The 统计汇总表 of one unit's month, exams by code."""
    packages_check(packages)
    ordered = sorted(packages, key=lambda p: p.exam_code)
    rows = [
        {
            "index": str(index),
            "exam_code": package.exam_code,
            "exam_name": package.exam_name,
            "count": str(len(package.rows)),
            "photos": str(package.photo_count),
        }
        for index, package in enumerate(ordered, start=1)
    ]
    fields = {
        "unit": ordered[0].unit,
        "month": cn_year_month(ordered[0].month),
        "total": str(sum(len(package.rows) for package in ordered)),
        "photos": str(sum(package.photo_count for package in ordered)),
    }
    return document_page(SUMMARY, fields, rows=rows)


def application_form_pdf(package: ExamPackage, renderer: Renderer, *, created: datetime) -> bytes:
    """The 申请表 of ``package`` as a PDF (``created`` is its date: the same data and date give
    the same file)."""
    page = application_page(package)
    _fonts_check(renderer, package, page)
    return renderer.document([page], created=created)


def summary_form_pdf(
    packages: Sequence[ExamPackage], renderer: Renderer, *, created: datetime
) -> bytes:
    """The 统计汇总表 of ``packages`` (one unit, one month) as a PDF."""
    page = summary_page(packages)
    for package in packages:
        _fonts_check(renderer, package, None)
    return renderer.document([page], created=created)


def _fonts_check(renderer: Renderer, package: ExamPackage, page: Page | None) -> None:
    """Refuse a character no font draws, saying in which exam, workbook row and column it is."""
    file = package_base_name(package) + EXTENSION
    for key, value in (("exam_name", package.exam_name), ("unit", package.unit)):
        if missing := renderer.fonts.missing(value):
            raise uncovered_error(key, missing).located(file=file)
    if page is None:
        return
    for row_number, row in enumerate(page.rows, start=2):  # the workbook's row: 1 is the header
        for key, value in row.items():
            if missing := renderer.fonts.missing(value):
                raise cell_error(uncovered_error(key, missing), file=file, row=row_number)
