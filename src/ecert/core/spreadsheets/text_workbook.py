"""A workbook of text for staff to download: every cell Excel's text format and written as a
string (an 18-digit number stays 18 digits), nothing that opens as a formula, and rows streamed
to disk as they come (constant_memory), so a list of any length costs no more memory than a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from ecert.core.spreadsheets.error_workbook import neutralise_formula

_WIDTH = 18


def write_text_workbook(
    target: Path | BinaryIO,
    *,
    sheet: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    widths: Sequence[int] = (),
) -> int:
    """Write ``headers`` then ``rows`` to the .xlsx ``target``; the number of rows written."""
    workbook = xlsxwriter.Workbook(
        str(target) if isinstance(target, Path) else target, {"constant_memory": True}
    )
    text = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"num_format": "@", "bold": True, "bg_color": "#F2F2F2"})
    worksheet = workbook.add_worksheet(sheet[:31])
    worksheet.freeze_panes(1, 0)
    for column in range(len(headers)):
        width = widths[column] if column < len(widths) else _WIDTH
        worksheet.set_column(column, column, width, text)
    for column, value in enumerate(headers):
        worksheet.write_string(0, column, neutralise_formula(value), bold)
    count = 0
    for count, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            worksheet.write_string(count, column, neutralise_formula(str(value)), text)
    workbook.close()
    return count
