"""An approving body's sheet of approved titles (.xlsx, .xls or .csv), read and checked whole.

Header row, by these names (any order; docs/titles.md): 姓名, 证件号码, 系列级别代码, 评审年度,
核准日期, 批准文号 (all required), and 专业, 工作单位, 评审组织, 基层 (是/否), 证书形式 (电子/纸质).
A sheet with any mistake is refused as a whole, and every mistake found is listed with its row,
column and field, so the clerk fixes them in one go; nothing is recorded from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import (
    IdNumber,
    IdType,
    detect_id_type,
    parse_id_number,
)
from ecert.core.rules.kinds import CredentialForm
from ecert.core.spreadsheets.error_workbook import cell_text
from ecert.core.spreadsheets.passlist import column_letter
from ecert.core.spreadsheets.reader import Cell, ReadLimits, read_rows
from ecert.core.spreadsheets.spreadsheet_errors import SPREADSHEET_CODES

MAX_ROWS = 5_000
MAX_PROBLEMS = 50  # listed; the count says how many more

# field -> (header names accepted, required)
COLUMNS: dict[str, tuple[tuple[str, ...], bool]] = {
    "name": (("姓名",), True),
    "id_number": (("证件号码", "身份证号码", "身份证号"), True),
    "series_code": (("系列级别代码", "系列级别识别代码"), True),
    "review_year": (("评审年度",), True),
    "approval_date": (("核准日期", "核准公布日期"), True),
    "approval_document": (("批准文号", "核准文号"), True),
    "specialty": (("专业",), False),
    "work_unit": (("工作单位",), False),
    "review_body": (("评审组织", "评审委员会"), False),
    "grassroots": (("基层",), False),
    "form": (("证书形式",), False),
}
LABELS = {field: names[0] for field, (names, _required) in COLUMNS.items()}
_YES = {
    "是": True,
    "Y": True,
    "YES": True,
    "1": True,
    "否": False,
    "N": False,
    "NO": False,
    "0": False,
}
_FORMS = {"电子": CredentialForm.ELECTRONIC, "电子证书": CredentialForm.ELECTRONIC}
_FORMS |= {"纸质": CredentialForm.PAPER, "纸质证书": CredentialForm.PAPER}
_DATE = re.compile(r"(\d{4})(?:[-/.年])(\d{1,2})(?:[-/.月])(\d{1,2})日?|(\d{4})(\d{2})(\d{2})")


# What a sheet is refused with, by code: its own refusals and the reader's. The file is the
# error's ``file``; "sheet_mistakes" lists every mistake, one a line in each text.
SHEET_REFUSALS = SPREADSHEET_CODES | {
    "empty_file",
    "missing_columns",
    "too_many_rows",
    "sheet_mistakes",
    "no_data_rows",
}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str  # spreadsheet letter
    field: str
    zh: str
    en: str

    def texts(self) -> tuple[str, str]:
        """('第 3 行 C 列（系列级别代码）：…', 'row 3, column C (series_code): …')."""
        return (
            f"第 {self.row} 行 {self.column} 列（{LABELS.get(self.field, self.field)}）：{self.zh}",
            f"row {self.row}, column {self.column} ({self.field}): {self.en}",
        )


def _mistakes(display_name: str, problems: Sequence[Problem], total: int) -> EcertError:
    """The sheet refused for its mistakes: one a line in each text, then how many more."""
    lines = [problem.texts() for problem in problems]
    more = total - len(problems)
    if more > 0:
        lines.append((f"另有 {more} 处错误", f"{more} more problems"))
    return EcertError(
        "sheet_mistakes",
        "\n".join(zh for zh, _ in lines),
        "\n".join(en for _, en in lines),
        file=display_name,
    )


def refusal_lines(error: EcertError) -> list[str]:
    """A refused sheet as a page lists it: where, then each line, Chinese / English."""
    where_zh, where_en = error.where.texts()
    pairs = zip(error.zh.split("\n"), error.en.split("\n"), strict=True)
    return [f"{where_zh} / {where_en}:", *(f"{zh} / {en}" for zh, en in pairs)]


@dataclass(frozen=True)
class SheetRow:
    row: int
    name: str
    id_number: IdNumber
    series_code: str
    review_year: int
    approval_date: date
    approval_document: str
    specialty: str
    work_unit: str
    review_body: str
    grassroots: bool
    form: CredentialForm


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def _date(cell: Cell) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    found = _DATE.fullmatch(_key(cell_text(cell)))
    if found is None:
        return None
    parts = [int(p) for p in found.groups() if p is not None]
    try:
        return date(parts[0], parts[1], parts[2])
    except ValueError:
        return None


def read_title_sheet(
    path: Path, *, display_name: str, limits: ReadLimits | None = None
) -> list[SheetRow]:
    """Every row of the sheet, checked; raises EcertError (SHEET_REFUSALS) saying what is wrong
    and where: every mistake of the rows at once, or what is wrong with the file."""
    rows = iter(read_rows(path, display_name=display_name, max_rows=MAX_ROWS + 1, limits=limits))
    first = next(rows, None)
    if first is None:
        raise EcertError("empty_file", "文件是空的", "the file is empty", file=display_name)
    header_row, header = first
    by_name = {_key(n): field for field, (names, _) in COLUMNS.items() for n in names}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        field = by_name.get(_key(cell_text(cell)))
        if field is not None and field not in columns:
            columns[field] = index
    missing = [LABELS[f] for f, (_, required) in COLUMNS.items() if required and f not in columns]
    if missing:
        names = "、".join(missing)
        raise EcertError(
            "missing_columns",
            f"表头缺少列：{names}",
            f"the header lacks the columns {names}",
            file=display_name,
            row=header_row,
        )
    problems: list[Problem] = []
    found: list[SheetRow] = []
    for read, (number, cells) in enumerate(rows, 1):
        if read > MAX_ROWS:
            raise EcertError(
                "too_many_rows",
                f"超过 {MAX_ROWS} 行，请拆分",
                f"more than {MAX_ROWS} rows; split it",
                file=display_name,
                row=number,
            )
        row = _row(number, cells, columns, problems)
        if row is not None:
            found.append(row)
    if problems:
        raise _mistakes(display_name, problems[:MAX_PROBLEMS], len(problems))
    if not found:
        raise EcertError(
            "no_data_rows",
            "没有数据行",
            "no rows under the header",
            file=display_name,
            row=header_row,
        )
    return found


def _row(
    number: int, cells: Sequence[Cell], columns: dict[str, int], problems: list[Problem]
) -> SheetRow | None:
    before = len(problems)

    def cell(field: str) -> Cell:
        index = columns.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    def text(field: str) -> str:
        return cell_text(cell(field)).strip()

    def problem(field: str, zh: str, en: str) -> None:
        problems.append(Problem(number, column_letter(columns[field]), field, zh, en))

    for field, (_names, required) in COLUMNS.items():
        if required and not text(field):
            problem(field, "不能为空", "must not be blank")
    id_number: IdNumber | None = None
    if text("id_number"):
        raw = text("id_number")
        try:
            id_number = parse_id_number(raw, detect_id_type(raw) or IdType.RESIDENT_ID)
        except EcertError as error:
            problem("id_number", error.zh, error.en)
    series_code = _key(text("series_code"))
    if series_code and not re.fullmatch(r"[0-9]{3}", series_code):
        problem("series_code", "应为 3 位数字，如 012", "must be 3 digits, as in 012")
    year_text = _key(text("review_year")).removesuffix("年")
    if year_text and not re.fullmatch(r"20[0-9]{2}", year_text):
        problem("review_year", "应为 4 位年份，如 2025", "must be a 4-digit year, as in 2025")
    approval_date = _date(cell("approval_date")) if text("approval_date") else None
    if text("approval_date") and approval_date is None:
        problem(
            "approval_date",
            "日期无法识别，请写成 2025-12-20",
            "unreadable date; write it as 2025-12-20",
        )
    grassroots = False
    if "grassroots" in columns and text("grassroots"):
        value = _YES.get(_key(text("grassroots")))
        if value is None:
            problem("grassroots", "应填“是”或“否”", "must be 是 (yes) or 否 (no)")
        grassroots = bool(value)
    form = CredentialForm.ELECTRONIC
    if "form" in columns and text("form"):
        chosen = _FORMS.get(_key(text("form")))
        if chosen is None:
            problem("form", "应填“电子”或“纸质”", "must be 电子 (electronic) or 纸质 (paper)")
        form = chosen or form
    if len(problems) > before or id_number is None or approval_date is None:
        return None
    return SheetRow(
        row=number,
        name=text("name")[:50],
        id_number=id_number,
        series_code=series_code,
        review_year=int(year_text),
        approval_date=approval_date,
        approval_document=text("approval_document")[:50],
        specialty=text("specialty")[:100],
        work_unit=text("work_unit")[:100],
        review_body=text("review_body")[:100],
        grassroots=grassroots,
        form=form,
    )
