"""The workbook handed back to a clerk after a pass-list import: every bad row, as given, with why.

The clerk fixes the rows in this workbook and imports it again, so each original cell is written
back as the text the clerk typed (an 18-digit ID number must not come back as 3.7E+17), every cell
carries Excel's text format, and nothing in it can run as a formula when opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ecert.core.spreadsheets.cells import Cell

ERRORS_SHEET = "错误行 Errors"
SUMMARY_SHEET = "汇总 Summary"
ROW_HEADER = "原行号 Row"
REASON_HEADERS = ("错误原因", "Reason")

# A leading = + - @ makes Excel (or LibreOffice) read the text as a formula; tab and CR do the
# same in some importers. An apostrophe in front keeps the text inert and visibly changed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_ROW_WIDTH = 10
_CELL_WIDTH = 20  # an 18-digit ID number or a date with room to spare
_REASON_WIDTH = 60
_SUMMARY_WIDTHS = (24, 32, 40)


@dataclass(frozen=True)
class ErrorRow:
    """One rejected row: its number as the spreadsheet shows it, its cells, and (zh, en) reasons.

    Each reason already names the column and field, e.g. RowProblem.text split in two.
    """

    row: int
    cells: Sequence[Cell]
    reasons: Sequence[tuple[str, str]]


def cell_text(cell: Cell) -> str:
    """The text a clerk typed for `cell`: dates as 2024-06-30, numbers by their digits, blank as ''.

    An integral float shows all its digits (370102199001011264, not 3.7010219900101126e+17) so
    a clerk can see that an ID number stored as a number has lost its last digits.
    """
    match cell:
        case None:
            return ""
        case bool():
            return "TRUE" if cell else "FALSE"
        case int():
            return str(cell)
        case float():
            return str(int(cell)) if cell.is_integer() else repr(cell)
        case datetime():
            return cell.isoformat(sep=" ")
        case date() | time():
            return cell.isoformat()
        case timedelta():
            return str(cell)
        case str():
            return cell


def neutralise_formula(text: str) -> str:
    """Prefix an apostrophe to text that a spreadsheet would otherwise read as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_error_workbook(
    target: Path | BinaryIO,
    *,
    headers: Sequence[str],
    rows: Iterable[ErrorRow],
    summary: Sequence[tuple[str, str, str]],
) -> None:
    """Write the bad rows and a (中文, English, value) summary to an .xlsx at `target`.

    constant_memory mode streams each row to disk as it is written, so `rows` may be a generator
    over any number of rows without holding them in memory.
    """
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {"constant_memory": True}
    )
    text = workbook.add_format({"num_format": "@"})
    header = workbook.add_format({"num_format": "@", "bold": True, "bg_color": "#F2F2F2"})

    errors = workbook.add_worksheet(ERRORS_SHEET)
    errors.freeze_panes(1, 0)
    errors.set_column(0, 0, _ROW_WIDTH, text)
    if headers:
        errors.set_column(1, len(headers), _CELL_WIDTH, text)
    errors.set_column(len(headers) + 1, len(headers) + 2, _REASON_WIDTH, text)
    _write_line(errors, 0, [ROW_HEADER, *headers, *REASON_HEADERS], header)
    for line, error in enumerate(rows, start=1):
        cells = [
            cell_text(error.cells[i]) if i < len(error.cells) else "" for i in range(len(headers))
        ]
        zh = "；".join(reason[0] for reason in error.reasons)
        en = "; ".join(reason[1] for reason in error.reasons)
        _write_line(errors, line, [str(error.row), *cells, zh, en], text)

    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    for column, width in enumerate(_SUMMARY_WIDTHS):
        sheet.set_column(column, column, width, text)
    for line, entry in enumerate(summary):
        _write_line(sheet, line, list(entry), text)
    workbook.close()


def _write_line(sheet: Worksheet, line: int, texts: Sequence[str], cell_format: Format) -> None:
    """Write `texts` as strings (never numbers or formulas) across row `line`."""
    for column, value in enumerate(texts):
        if value:
            sheet.write_string(line, column, neutralise_formula(value), cell_format)
