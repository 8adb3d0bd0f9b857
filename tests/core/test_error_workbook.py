"""The error workbook a clerk gets back after a pass-list import, read back as the clerk sees it."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from python_calamine import CalamineWorkbook

from ecert.core.identity.idnumbers import Sex
from ecert.core.spreadsheets.cells import Cell
from ecert.core.spreadsheets.error_workbook import (
    ERRORS_SHEET,
    SUMMARY_SHEET,
    ErrorRow,
    cell_text,
    write_error_workbook,
)
from tests.core.idgen import make_resident_id

HEADERS = ["ZSGLH", "KSXM", "ZJHM", "PZRQ", "BMS"]
ID_NUMBER = make_resident_id(date(1990, 1, 1), Sex.MALE)
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

REASON_ID = (
    "第 5 行 C 列（证件号码 ZJHM）：校验位错误",
    "row 5, column C (ID number, ZJHM): bad check digit",
)
REASON_DATE = (
    "第 5 行 D 列（批准日期 PZRQ）：日期晚于今天",
    "row 5, column D (approval date, PZRQ): in the future",
)


def written(
    tmp_path: Path,
    rows: Iterable[ErrorRow],
    *,
    headers: Sequence[str] = HEADERS,
    summary: Sequence[tuple[str, str, str]] = (),
) -> Path:
    path = tmp_path / "errors.xlsx"
    write_error_workbook(path, headers=headers, rows=rows, summary=summary)
    return path


def sheet(path: Path, name: str = ERRORS_SHEET) -> list[list[str]]:
    """The sheet as a clerk's spreadsheet program reads it: every cell must come back as text."""
    with CalamineWorkbook.from_path(str(path)) as workbook:
        rows = workbook.get_sheet_by_name(name).to_python()
    texts = [[value for value in row if isinstance(value, str)] for row in rows]
    assert texts == rows
    return texts


def part(path: Path, name: str) -> ElementTree.Element:
    """One XML part of the workbook; the file is our own output, so plain ElementTree will do."""
    with zipfile.ZipFile(path) as archive:
        return ElementTree.fromstring(archive.read(name))  # noqa: S314


def error_line(
    tmp_path: Path, cells: Sequence[Cell], *, headers: Sequence[str] = HEADERS
) -> list[str]:
    """The single data line written for one bad row with `cells`."""
    rows = sheet(written(tmp_path, [ErrorRow(5, cells, [REASON_ID])], headers=headers))
    assert len(rows) == 2
    return rows[1]


def test_header_is_row_original_headers_and_reasons(tmp_path: Path) -> None:
    header = sheet(written(tmp_path, []))[0]
    assert header == ["原行号 Row", *HEADERS, "错误原因", "Reason"]


def test_header_row_is_frozen(tmp_path: Path) -> None:
    root = part(written(tmp_path, []), "xl/worksheets/sheet1.xml")
    pane = root.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
    assert pane is not None
    assert (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")


def test_bad_row_shows_its_row_number_cells_and_reasons(tmp_path: Path) -> None:
    cells = ["ZS000123", "张三", ID_NUMBER, "2024-06-30", "济南市"]
    assert error_line(tmp_path, cells) == ["5", *cells, REASON_ID[0], REASON_ID[1]]


def test_eighteen_digit_id_number_stays_eighteen_characters(tmp_path: Path) -> None:
    shown = error_line(tmp_path, ["ZS000123", "张三", ID_NUMBER, None, None])[3]
    assert shown == ID_NUMBER
    assert len(ID_NUMBER) == 18


def test_id_number_that_arrived_as_a_float_shows_its_digits(tmp_path: Path) -> None:
    shown = error_line(tmp_path, [None, None, 370102199001011234.0, None, None])[3]
    assert shown == "370102199001011264"  # what the float holds: the last digits are already gone


def test_date_cell_shows_as_iso_date(tmp_path: Path) -> None:
    assert error_line(tmp_path, [None, None, None, date(2024, 6, 30), None])[4] == "2024-06-30"


def test_reasons_are_joined_in_each_language(tmp_path: Path) -> None:
    rows = sheet(written(tmp_path, [ErrorRow(5, ["ZS000123"], [REASON_ID, REASON_DATE])]))
    assert rows[1][-2:] == [
        f"{REASON_ID[0]}；{REASON_DATE[0]}",
        f"{REASON_ID[1]}; {REASON_DATE[1]}",
    ]


@pytest.mark.parametrize("text", ["=1+1", "+86 531", "-2", "@SUM(A1)", '=HYPERLINK("x")'])
def test_formula_like_cells_get_a_leading_apostrophe(tmp_path: Path, text: str) -> None:
    assert error_line(tmp_path, [text, None, None, None, None])[1] == "'" + text


def test_negative_number_cell_is_neutralised_too(tmp_path: Path) -> None:
    assert error_line(tmp_path, [-5, None, None, None, None])[1] == "'-5"


def test_formula_like_header_is_neutralised(tmp_path: Path) -> None:
    header = sheet(written(tmp_path, [], headers=["=cmd|' /C calc'!A0"]))[0]
    assert header[1] == "'=cmd|' /C calc'!A0"


def test_rare_characters_survive(tmp_path: Path) -> None:
    assert error_line(tmp_path, [None, "孙𠮷 张堃 李喆", None, None, None])[2] == "孙𠮷 张堃 李喆"


def test_blank_and_missing_cells_read_back_empty(tmp_path: Path) -> None:
    line = error_line(tmp_path, ["ZS000123", None, "  "])
    assert line[1:6] == ["ZS000123", "", "  ", "", ""]


def test_cells_beyond_the_header_are_left_out(tmp_path: Path) -> None:
    line = error_line(tmp_path, ["ZS000123", "张三"], headers=["ZSGLH"])
    assert line == ["5", "ZS000123", REASON_ID[0], REASON_ID[1]]


def test_every_written_cell_is_text_formatted_text(tmp_path: Path) -> None:
    path = written(
        tmp_path, [ErrorRow(5, [1, 2.5, date(2024, 6, 30), True, ID_NUMBER], [REASON_ID])]
    )
    styles = part(path, "xl/styles.xml")
    data = part(path, "xl/worksheets/sheet1.xml")
    codes = {int(f.get("numFmtId", "")): f.get("formatCode") for f in styles.iter(f"{MAIN}numFmt")}
    codes[49] = "@"  # Excel's built-in text format
    formats = [codes.get(int(xf.get("numFmtId", ""))) for xf in styles.find(f"{MAIN}cellXfs") or []]
    cells = list(data.iter(f"{MAIN}c"))
    assert len(cells) == 2 * (len(HEADERS) + 3)
    assert {cell.get("t") for cell in cells} == {"inlineStr"}
    assert {formats[int(cell.get("s", "0"))] for cell in cells} == {"@"}


def test_summary_sheet_lists_its_rows(tmp_path: Path) -> None:
    summary = [("文件", "File", "=通过名单.xlsx"), ("错误行数", "Rows with errors", "2")]
    rows = sheet(written(tmp_path, [], summary=summary), SUMMARY_SHEET)
    assert rows == [["文件", "File", "'=通过名单.xlsx"], ["错误行数", "Rows with errors", "2"]]


def test_writes_to_a_binary_stream(tmp_path: Path) -> None:
    stream = io.BytesIO()
    write_error_workbook(
        stream, headers=HEADERS, rows=[ErrorRow(7, ["ZS1"], [REASON_ID])], summary=[]
    )
    stream.seek(0)
    with CalamineWorkbook.from_filelike(stream) as workbook:
        assert workbook.get_sheet_by_name(ERRORS_SHEET).to_python()[1][:2] == ["7", "ZS1"]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        (True, "TRUE"),
        (False, "FALSE"),
        (20240630, "20240630"),
        (1.5, "1.5"),
        (3.0, "3"),
        (370102199001011234.0, "370102199001011264"),
        (date(2024, 6, 30), "2024-06-30"),
        (datetime(2024, 6, 30, 8, 30), "2024-06-30 08:30:00"),
        (time(8, 30), "08:30:00"),
        (timedelta(hours=26), "1 day, 2:00:00"),
        (" 张三 ", " 张三 "),
    ],
)
def test_cell_text(cell: Cell, text: str) -> None:
    assert cell_text(cell) == text


def many_rows(count: int) -> Iterator[ErrorRow]:
    for number in range(2, count + 2):
        cells: list[Cell] = [f"ZS{number:08d}", "孙𠮷", ID_NUMBER, date(2024, 6, 30), "济南市"]
        yield ErrorRow(number, cells, [REASON_ID])


def test_memory_stays_bounded_however_many_rows(tmp_path: Path) -> None:
    # Without constant_memory XlsxWriter holds every row: 10,000 of these peak at about 11 MiB.
    # Streamed, the peak stays near 1 MiB for 1,000 or 10,000 rows. tracemalloc slows writing
    # about fourfold, so the 100,000-row test below runs without it.
    tracemalloc.start()
    try:
        written(tmp_path, many_rows(10_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_hundred_thousand_rows_read_back(tmp_path: Path) -> None:
    rows = sheet(written(tmp_path, many_rows(100_000)))
    assert len(rows) == 100_001
    assert rows[-1][:4] == ["100001", "ZS00100001", "孙𠮷", ID_NUMBER]
