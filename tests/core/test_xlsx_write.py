"""The text-only .xlsx writer: what it writes opens in both of the project's readers (calamine and
the streaming parser) and every value comes back exactly as given, as text."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.error_workbook import neutralise_formula
from ecert.core.spreadsheets.reader import Cell, read_rows
from ecert.core.spreadsheets.xlsx_write import text_workbook

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CREATED = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)
HEADER = ["编号", "姓名", "电话", "邮编", "备注"]

AWKWARD = [
    ["E00000001000001", "张三", "01088886666", "010010", "370102199001011234"],
    ["1e5", "孙𠮷", "+8613800001111", "000000", "Tom & Jerry <b>\"quoted\" 'single'</b>"],
    ["0.10", "TRUE", "2024-06-30", "", "_x0041_ and _xD83D_ stay as typed"],
    ["=SUM(A1:A2)", "@mention", "-1", "a\r\nb\tc", "  spaced  "],
    ["䶵𪚥𰻝", "é\u0301", "\u200b", "\ue000", "\U0010fffd"],
]


def read_both(path: Path) -> list[tuple[int, list[Cell]]]:
    """The rows as calamine reads them, after checking the streaming reader reads the same."""
    calamine = list(read_rows(path))
    assert list(read_rows(path, stream_above=0)) == calamine
    return calamine


def part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    return ElementTree.fromstring(archive.read(name))  # noqa: S314 - the writer's own output


def written(tmp_path: Path, rows: list[list[str]], **options: object) -> Path:
    path = tmp_path / "文本.xlsx"
    path.write_bytes(text_workbook(HEADER, rows, sheet="名单", **options))  # type: ignore[arg-type]
    return path


def test_every_value_comes_back_as_the_same_text(tmp_path: Path) -> None:
    found = read_both(written(tmp_path, AWKWARD))
    assert found[0] == (1, HEADER)
    for (number, cells), line in zip(found[1:], AWKWARD, strict=True):
        expected = [neutralise_formula(value) or None for value in line]
        while expected[-1] is None:
            expected.pop()
        assert cells == expected, number
        assert all(isinstance(cell, str) for cell in cells if cell is not None)
    # Leading zeros, long numbers and formula-looking text are kept; formulas are made inert.
    assert found[1][1][2:] == ["01088886666", "010010", "370102199001011234"]
    assert found[4][1][:3] == ["'=SUM(A1:A2)", "'@mention", "'-1"]
    assert found[2][1][1] == "孙𠮷"


def test_blank_cells_write_nothing_and_short_rows_are_padded(tmp_path: Path) -> None:
    path = written(tmp_path, [["a", "", "c"], [], ["", "", "", "", "e"]])
    assert read_both(path) == [(1, HEADER), (2, ["a", None, "c"]), (4, [None] * 4 + ["e"])]
    with zipfile.ZipFile(path) as archive:
        sheet = part(archive, "xl/worksheets/sheet1.xml")
    assert [c.get("r") for c in sheet.iter(f"{MAIN}c")][len(HEADER) :] == ["A2", "C2", "E4"]


def test_every_cell_and_column_carries_the_text_format(tmp_path: Path) -> None:
    path = written(tmp_path, AWKWARD, widths=[20, 12])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }
        styles = part(archive, "xl/styles.xml")
        sheet = part(archive, "xl/worksheets/sheet1.xml")
        fonts = [font.find(f"{MAIN}b") is not None for font in styles.iter(f"{MAIN}font")]
    formats = [
        (xf.get("numFmtId"), fonts[int(xf.get("fontId", "0"))])
        for xf in styles.find(f"{MAIN}cellXfs") or []
    ]
    cells = list(sheet.iter(f"{MAIN}c"))
    assert cells
    for cell in cells:
        assert cell.get("t") == "inlineStr"
        # 49 is Excel's built-in "@" (text); the header row is bold.
        header = re.fullmatch("[A-Z]+1", cell.get("r", "")) is not None
        assert formats[int(cell.get("s", "0"))] == ("49", header)
    columns: list[ElementTree.Element] = list(sheet.find(f"{MAIN}cols") or [])
    assert [(col.get("min"), col.get("style")) for col in columns] == [
        (str(n), "1") for n in range(1, len(HEADER) + 1)
    ]
    assert [float(col.get("width", "0")) for col in columns][:2] == [20.7109375, 12.7109375]
    pane = sheet.find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
    assert pane is not None
    assert pane.get("state") == "frozen"


def test_calamine_sees_the_sheet_name_and_the_text_cells(tmp_path: Path) -> None:
    path = written(tmp_path, AWKWARD)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["名单"]
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[1][:5] == AWKWARD[0]


@pytest.mark.parametrize(
    ("value", "code"),
    [("a\x00b", "U+0000"), ("bell\x07", "U+0007"), ("\ufffe", "U+FFFE"), ("x\ud800", "U+D800")],
)
def test_a_character_xml_cannot_carry_is_refused_with_its_place(value: str, code: str) -> None:
    with pytest.raises(EcertError) as refused:
        text_workbook(HEADER, [["ok"], ["ok", "ok", value]])
    assert refused.value.code == "bad_character"
    assert (refused.value.row, refused.value.where.column) == (3, "C")
    assert code in refused.value.zh
    assert code in refused.value.en


def test_the_same_rows_give_the_same_bytes() -> None:
    first = text_workbook(HEADER, AWKWARD, created=CREATED, title="名单")
    assert first == text_workbook(HEADER, AWKWARD, created=CREATED, title="名单")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        core = archive.read("docProps/core.xml").decode()
        assert archive.getinfo("xl/workbook.xml").date_time == (2026, 11, 20, 2, 30, 0)
    assert "<dc:title>名单</dc:title>" in core
    assert "2026-11-20T02:30:00Z" in core


@pytest.mark.parametrize("name", ["", "a" * 32, "a/b", "[x]", "'quoted'", "q?"])
def test_a_sheet_name_excel_refuses_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a worksheet"):
        text_workbook(HEADER, [], sheet=name)


def test_a_header_is_required() -> None:
    with pytest.raises(ValueError, match="header"):
        text_workbook([], [])


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_it(tmp_path: Path) -> None:  # pragma: no cover - no soffice in CI
    path = written(tmp_path, AWKWARD)
    subprocess.run(  # noqa: S603 - a fixed tool with a file argument
        ["soffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert "010010" in (tmp_path / "文本.csv").read_text(encoding="utf-8")


# Any text but what XML cannot carry: C0 controls other than tab, LF and CR; surrogates; U+FFFE/F.
TEXT = st.text(
    st.characters(
        exclude_categories=["Cs"],
        exclude_characters="".join(
            chr(c) for c in (*range(0x20), 0xFFFE, 0xFFFF) if chr(c) not in "\t\n\r"
        ),
    ),
    max_size=40,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_any_text_comes_back_unchanged_from_both_readers(tmp_path: Path, texts: list[str]) -> None:
    path = tmp_path / "任意.xlsx"
    path.write_bytes(text_workbook(["K"], [["row", *texts]]))
    expected: list[Cell] = ["row", *(neutralise_formula(text) or None for text in texts)]
    while expected[-1] is None:
        expected.pop()
    assert read_both(path) == [(1, ["K"]), (2, expected)]
