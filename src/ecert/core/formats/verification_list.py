"""An employer's list of certificates to verify, and the result sheet it gets back.

The list is a spreadsheet (.xlsx, .xls or .csv) with a header row naming, in Chinese or by the
pinyin codes of seed 001, the holder's name (KSXM), ID number (ZJHM) and the certificate's
management or certificate number (ZSGLH); a title certificate may be given by its verification
code (YZM) alone. Each row is answered on its own: a row with too little to go on is answered
"incomplete", it does not refuse the file. A file that cannot be read, has no such columns or
has too many rows is refused as a whole, with where and why.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.error_workbook import cell_text, neutralise_formula
from ecert.core.spreadsheets.reader import ReadLimits, read_rows

MAX_ROWS = 2_000


class Column(StrEnum):
    NAME = "KSXM"
    ID_NUMBER = "ZJHM"
    NUMBER = "ZSGLH"
    CODE = "YZM"


_HEADERS: dict[str, Column] = {
    **{column.value: column for column in Column},
    "姓名": Column.NAME,
    "持证人姓名": Column.NAME,
    "证件号码": Column.ID_NUMBER,
    "证件号": Column.ID_NUMBER,
    "身份证号码": Column.ID_NUMBER,
    "身份证号": Column.ID_NUMBER,
    "管理号": Column.NUMBER,
    "证书管理号": Column.NUMBER,
    "证书编号": Column.NUMBER,
    "编号": Column.NUMBER,
    "验证码": Column.CODE,
}


@dataclass(frozen=True)
class ListRow:
    row: int  # as the spreadsheet numbers it
    name: str
    id_number: str
    number: str
    code: str

    @property
    def by_code(self) -> bool:
        return bool(self.code) and not (self.name and self.id_number and self.number)

    @property
    def complete(self) -> bool:
        return self.by_code or bool(self.name and self.id_number and self.number)


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def read_verification_list(
    path: Path, *, display_name: str, limits: ReadLimits | None = None
) -> list[ListRow]:
    """Every non-blank row under the header; raise EcertError for a file that cannot be used. The
    texts name the file; a file the reader cannot read names it as ``file`` (``error.texts()``)."""
    rows = iter(read_rows(path, display_name=display_name, max_rows=MAX_ROWS + 1, limits=limits))
    first = next(rows, None)
    if first is None:
        raise EcertError(
            "empty_file", f"文件 {display_name} 是空的", f"file {display_name} is empty"
        )
    header_row, header = first
    columns: dict[Column, int] = {}
    for index, cell in enumerate(header):
        column = _HEADERS.get(_header_key(cell_text(cell)))
        if column is not None and column not in columns:
            columns[column] = index
    has_triple = {Column.NAME, Column.ID_NUMBER, Column.NUMBER} <= columns.keys()
    if not has_triple and Column.CODE not in columns:
        raise EcertError(
            "missing_columns",
            f"文件 {display_name} 第 {header_row} 行（表头）须有“姓名”“证件号码”“证书编号”三列"
            "（或“验证码”列）",
            f"file {display_name}, row {header_row} (the header) needs the columns 姓名 (KSXM), "
            "证件号码 (ZJHM) and 证书编号 (ZSGLH), or 验证码 (YZM)",
        )
    found = [_list_row(number, cells, columns) for number, cells in rows]
    if len(found) > MAX_ROWS:
        raise EcertError(
            "too_many_rows",
            f"文件 {display_name} 超过 {MAX_ROWS} 行，请拆分后分批核验",
            f"file {display_name} has more than {MAX_ROWS} rows; split it",
        )
    return found


def _list_row(number: int, cells: Sequence[object], columns: dict[Column, int]) -> ListRow:
    def value(column: Column) -> str:
        index = columns.get(column)
        if index is None or index >= len(cells):
            return ""
        return cell_text(cells[index]).strip()  # type: ignore[arg-type]

    return ListRow(
        number,
        value(Column.NAME)[:50],
        value(Column.ID_NUMBER)[:40],
        value(Column.NUMBER)[:40],
        value(Column.CODE)[:20],
    )


@dataclass(frozen=True)
class ResultLine:
    """One answered row of the result sheet; texts as they will be written."""

    row: ListRow
    verdict_zh: str
    verdict_en: str
    qualification: str = ""
    level: str = ""
    issuer: str = ""
    approval_date: str = ""
    replaced_by: str = ""


RESULT_HEADERS = (
    "原行号 Row",
    "姓名 Name",
    "证件号码 ID number",
    "证书编号 Number",
    "验证码 Code",
    "核验结论",
    "Verdict",
    "资格/职称 Qualification",
    "级别 Level",
    "发证机构 Issuer",
    "批准日期 Approval date",
    "换发后编号 Replaced by",
)
_WIDTHS = (8, 10, 20, 20, 10, 24, 32, 24, 10, 28, 14, 20)


def write_result_sheet(
    target: BinaryIO, lines: Iterable[ResultLine], *, checked_at: str, organisation: str
) -> None:
    """The result sheet: each row as given, with its verdict; every cell text, none a formula."""
    workbook = xlsxwriter.Workbook(target, {"in_memory": True})
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"num_format": "@", "bold": True, "bg_color": "#F2F2F2"})
    sheet = workbook.add_worksheet("核验结果 Results")
    sheet.freeze_panes(1, 0)
    for column, width in enumerate(_WIDTHS):
        sheet.set_column(column, column, width, text)
    _write(sheet, 0, RESULT_HEADERS, bold)
    count = 0
    for count, line in enumerate(_lines(lines), start=1):
        _write(sheet, count, line, text)
    about = workbook.add_worksheet("说明 About")
    about.set_column(0, 1, 40, text)
    _write(about, 0, ("核验单位 Organisation", organisation), text)
    _write(about, 1, ("核验时间 Checked at", checked_at), text)
    _write(about, 2, ("行数 Rows", str(count)), text)
    workbook.close()


def _lines(lines: Iterable[ResultLine]) -> Iterator[tuple[str, ...]]:
    for line in lines:
        row = line.row
        yield (
            str(row.row),
            row.name,
            row.id_number,
            row.number,
            row.code,
            line.verdict_zh,
            line.verdict_en,
            line.qualification,
            line.level,
            line.issuer,
            line.approval_date,
            line.replaced_by,
        )


def _write(
    sheet: xlsxwriter.worksheet.Worksheet, line: int, texts: Sequence[str], fmt: object
) -> None:
    for column, value in enumerate(texts):
        if value:
            sheet.write_string(line, column, neutralise_formula(value), fmt)
