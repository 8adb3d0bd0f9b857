"""The management numbers of a delivery of paper certificates, read from a list file (.xlsx, .xls
or .csv): the column headed ZSGLH or 管理号 in the first non-blank row, one number a row below it.
The 11-column records file of seed 001 (附件 二 2) has that column too, so it is read the same way.

A file with any mistake is refused whole, every mistake listed with its row and column (up to
``MAX_PROBLEMS``), so the clerk fixes them in one go and nothing is recorded from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.passlist import column_letter
from ecert.core.spreadsheets.reader import Cell, ReadLimits, Row, read_rows

MAX_ROWS = 200_000
MAX_PROBLEMS = 50
HEADERS = frozenset({"ZSGLH", "管理号", "证书管理号"})
_NUMBER = re.compile(r"[0-9A-Z]{6,32}")


@dataclass(frozen=True)
class ListedNumber:
    row: int  # the row the spreadsheet shows
    number: str


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def _header_column(cells: list[Cell]) -> int | None:
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            key = _key(cell)
            # "管理号（ZSGLH）" and "ZSGLH（管理号）" count as well.
            if key in HEADERS or any(
                key.startswith(name) and key[len(name) : len(name) + 1] in "(（" for name in HEADERS
            ):
                return index
    return None


def _problem(row: int, column: int, zh: str, en: str) -> tuple[str, str]:
    letter = column_letter(column)
    return (f"第 {row} 行 {letter} 列（管理号）：{zh}", f"row {row}, column {letter}: {en}")


def _number(cell: Cell) -> str | tuple[str, str]:
    """The management number in ``cell``, or what is wrong with it (zh, en)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return ("管理号为空", "the management number is empty")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return (
            f"管理号以数字形式存储（{cell}），前导零或部分数字可能已丢失；请将该列设为“文本”格式后重新输入",
            f"the management number is stored as a number ({cell}), so leading zeros or digits "
            "may have been lost; format the column as Text and type it again",
        )
    if not isinstance(cell, str):
        return ("管理号应为文本", "the management number must be text")
    value = "".join(cell.split()).upper()
    if not _NUMBER.fullmatch(value):
        shown = cell.strip()[:40]
        return (
            f"管理号“{shown}”格式不对：应为 6 至 32 位数字或英文字母",
            f"management number “{shown}” is not valid: 6 to 32 digits or letters A–Z",
        )
    return value


def numbers_from_rows(rows: Iterable[Row], display_name: str) -> list[ListedNumber]:
    """The numbers under the ZSGLH / 管理号 header of ``rows`` (row number, cells)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise EcertError("empty_file", "文件中没有内容", "the file is empty", file=display_name)
    header_row, header = first
    column = _header_column(header)
    if column is None:
        raise EcertError(
            "no_number_column",
            "第一行找不到“ZSGLH”或“管理号”列：请在第一行写上列名，每行一个管理号",
            "row 1 has no column headed ZSGLH or 管理号: name the column in the first row, "
            "one management number a row below it",
            file=display_name,
            row=header_row,
        )
    numbers: list[ListedNumber] = []
    problems: list[tuple[str, str]] = []
    total = 0
    seen: dict[str, int] = {}
    for row, cells in iterator:
        found = _number(cells[column] if column < len(cells) else None)
        if isinstance(found, tuple):
            total += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(_problem(row, column, *found))
            continue
        if found in seen:
            total += 1
            if len(problems) < MAX_PROBLEMS:
                problems.append(
                    _problem(
                        row,
                        column,
                        f"管理号 {found} 重复（又见第 {seen[found]} 行）",
                        f"management number {found} is listed twice (also row {seen[found]})",
                    )
                )
            continue
        seen[found] = row
        numbers.append(ListedNumber(row, found))
    if problems:
        more = total - len(problems)
        if more > 0:
            problems.append((f"另有 {more} 处错误", f"{more} more problems"))
        raise EcertError(
            "list_mistakes",
            "\n".join(zh for zh, _ in problems),
            "\n".join(en for _, en in problems),
            file=display_name,
        )
    if not numbers:
        raise EcertError(
            "no_data_rows",
            "管理号列下没有任何管理号",
            "there is no management number under the header",
            file=display_name,
        )
    return numbers


def read_delivery_numbers(
    path: Path, *, display_name: str, limits: ReadLimits | None = None
) -> list[ListedNumber]:
    """The management numbers of the list file at ``path``; EcertError names the file and rows."""
    rows = read_rows(path, display_name=display_name, max_rows=MAX_ROWS, limits=limits)
    return numbers_from_rows(rows, display_name)
