"""Reading uploaded pass lists: .xlsx, .xls and .csv, told apart by content (pure Python)."""

from __future__ import annotations

import io
import random
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
import xlwt  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlwt.CompoundDoc import XlsDoc  # type: ignore[import-untyped]

from ecert.core.errors import EcertError
from ecert.core.spreadsheets import reader as spreadsheets
from ecert.core.spreadsheets import xlsx_stream
from ecert.core.spreadsheets.reader import Cell, ReadLimits, read_rows
from tests.passlist_files import (
    CHINESE_HEADER,
    PINYIN_HEADER,
    Passer,
    make_passers,
    passer_cells,
    write_csv,
    write_xls,
    write_xlsx,
)

STREAM = {"stream_above": 0}  # force the streaming reader, whatever the size
READERS = pytest.mark.parametrize("reader", [{}, STREAM], ids=["calamine", "streaming"])
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


Rows = list[tuple[int, list[Cell]]]


def rows(path: Path, **options: Any) -> Rows:
    return list(read_rows(path, **options))


def typed(found: Iterable[tuple[int, Sequence[object]]]) -> list[tuple[int, list[object]]]:
    """Rows with each cell's type beside it: 1 == 1.0 == True, but a reader must not mix them."""
    return [(number, [(type(cell).__name__, cell) for cell in cells]) for number, cells in found]


def refusal(path: Path, **options: Any) -> EcertError:
    with pytest.raises(EcertError) as caught:
        rows(path, **options)
    return caught.value


def workbook(
    path: Path,
    sheet_data: str = "",
    *,
    shared: Sequence[str] = (),
    formats: Sequence[str | int] = (),
    date1904: bool = False,
    sheet_xml: str | None = None,
    sheets: str = '<sheet name="S" sheetId="1" r:id="rId1"/>',
) -> Path:
    """An .xlsx package written by hand, for layouts no library writes: ``shared`` are the
    shared-string items' inner XML, ``formats`` the number formats of cell styles 1, 2, …
    (an int is a built-in format id, a str a custom format code)."""
    custom = [(164 + i, f) for i, f in enumerate(formats) if isinstance(f, str)]
    ids = iter(i for i, _ in custom)
    xfs = "".join(f'<xf numFmtId="{f if isinstance(f, int) else next(ids)}"/>' for f in formats)
    codes = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(f)}"/>' for i, f in custom)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f'<workbookPr date1904="{int(date1904)}"/><sheets>{sheets}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts>{codes}</numFmts>'
        f'<cellXfs><xf numFmtId="0"/>{xfs}</cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'
        + "".join(f"<si>{item}</si>" for item in shared)
        + "</sst>",
        "xl/worksheets/sheet1.xml": sheet_xml
        or f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in parts.items():
            archive.writestr(member, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return path


def expected_rows(passers: Sequence[Passer], header: Sequence[str] = PINYIN_HEADER) -> Rows:
    found: Rows = [(1, list(header))]
    return found + [(i + 2, list[Cell](passer_cells(p))) for i, p in enumerate(passers)]


# --- every format gives back what was written ----------------------------------------------


@READERS
def test_an_xlsx_pass_list_reads_back_cell_for_cell(tmp_path: Path, reader: dict[str, int]) -> None:
    passers = make_passers(30, rare_every=3)
    path = write_xlsx(tmp_path / "名单.xlsx", passers)
    assert typed(rows(path, **reader)) == typed(expected_rows(passers))


def test_an_xls_pass_list_reads_back_cell_for_cell(tmp_path: Path) -> None:
    passers = make_passers(30, rare_every=3)
    path = write_xls(tmp_path / "名单.xls", passers, header=CHINESE_HEADER)
    assert typed(rows(path)) == typed(expected_rows(passers, CHINESE_HEADER))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_pass_list_reads_back_in_each_encoding_with_rare_characters(
    tmp_path: Path, encoding: str
) -> None:
    passers = make_passers(12, rare_every=1)
    path = write_csv(tmp_path / "名单.csv", passers, encoding=encoding)  # type: ignore[arg-type]
    expected = [
        (n, [c.isoformat() if isinstance(c, date) else c for c in cells])
        for n, cells in expected_rows(passers)
    ]
    assert rows(path) == expected
    assert {"堃", "喆", "𠮷"} <= set("".join(p.name for p in passers))


def test_gb18030_csv_holds_the_astral_character_in_four_bytes(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes("KSXM,BMS\r\n孙𠮷,济南市\r\n".encode("gb18030"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert rows(path) == [(1, ["KSXM", "BMS"]), (2, ["孙𠮷", "济南市"])]


def test_csv_empty_fields_are_none_and_a_quoted_line_break_stays_in_one_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "名单.csv"
    path.write_text('KSXM,BZ,BMS\r\n张三,,济南市\r\n李四,"第一行\n第二行",\r\n王五,x,\r\n', "utf-8")
    assert rows(path) == [
        (1, ["KSXM", "BZ", "BMS"]),
        (2, ["张三", None, "济南市"]),
        (3, ["李四", "第一行\n第二行"]),
        (4, ["王五", "x"]),
    ]


def test_text_is_not_stripped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", [], extra_rows=[[" 张三 ", "\t李四"]])
    assert rows(path)[-1] == (2, [" 张三 ", "\t李四"])


# --- row numbers and columns stay the ones the spreadsheet shows ----------------------------


BLANKS: list[Sequence[object]] = [[], [None, "  "], ["\u3000", ""]]


@READERS
def test_blank_rows_are_skipped_and_later_rows_keep_their_numbers(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(2), extra_rows=[*BLANKS, ["尾行"]])
    assert [number for number, _ in rows(path, **reader)] == [1, 2, 3, 7]


def test_blank_rows_are_skipped_in_xls_and_csv_too(tmp_path: Path) -> None:
    xls = write_xls(tmp_path / "名单.xls", make_passers(2), extra_rows=[*BLANKS, ["尾行"]])
    csv = write_csv(tmp_path / "名单.csv", make_passers(2), extra_rows=[*BLANKS, ["尾行"]])
    assert [n for n, _ in rows(xls)] == [n for n, _ in rows(csv)] == [1, 2, 3, 7]


@READERS
def test_a_table_starting_at_c3_keeps_its_row_numbers_and_columns(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    path = tmp_path / "名单.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(2, 2, ["KSXM", "BMS"])
    sheet.write_row(4, 2, ["张三", "济南市"])
    book.close()
    assert rows(path, **reader) == [
        (3, [None, None, "KSXM", "BMS"]),
        (5, [None, None, "张三", "济南市"]),
    ]


def test_xls_table_starting_at_c3_keeps_its_row_numbers_and_columns(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    sheet.write(2, 2, "KSXM")
    sheet.write(4, 3, "济南市")
    book.save(str(tmp_path / "名单.xls"))
    assert rows(tmp_path / "名单.xls") == [
        (3, [None, None, "KSXM"]),
        (5, [None, None, None, "济南市"]),
    ]


def test_only_the_first_worksheet_is_read(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("名单").write_string(0, 0, "第一张")
    book.add_worksheet("说明").write_string(0, 0, "第二张")
    book.close()
    assert rows(path) == rows(path, **STREAM) == [(1, ["第一张"])]


@READERS
def test_an_empty_sheet_has_no_rows(tmp_path: Path, reader: dict[str, int]) -> None:
    path = tmp_path / "空.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet()
    book.close()
    assert rows(path, **reader) == []


# --- cell types -------------------------------------------------------------------------------


@READERS
def test_excel_date_cells_arrive_as_dates(tmp_path: Path, reader: dict[str, int]) -> None:
    path = write_xlsx(
        tmp_path / "名单.xlsx", [], extra_rows=[[date(2024, 6, 30), datetime(2024, 6, 30, 9, 30)]]
    )
    assert rows(path, **reader)[-1] == (2, [date(2024, 6, 30), datetime(2024, 6, 30, 9, 30)])


def test_xls_date_cells_arrive_as_dates(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "名单.xls", make_passers(1))
    assert rows(path)[1][1][PINYIN_HEADER.index("PZRQ")] == date(2024, 6, 30)


def digit_only_rows(passers: Sequence[Passer]) -> set[int]:
    """Rows whose ID number can be typed as a number (those ending in X stay text in Excel)."""
    return {i for i, p in enumerate(passers) if p.id_number.isdigit()}


@READERS
def test_an_id_number_typed_as_a_number_arrives_as_a_number(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    passers = make_passers(5)
    numeric = digit_only_rows(passers)
    path = write_xlsx(tmp_path / "名单.xlsx", passers, numeric_id_rows=numeric)
    ids = [cells[PINYIN_HEADER.index("ZJHM")] for _, cells in rows(path, **reader)[1:]]
    for index, (passer, found) in enumerate(zip(passers, ids, strict=True)):
        if index in numeric:  # a number, and the last digits are no longer to be trusted
            assert isinstance(found, float)
            assert abs(found - int(passer.id_number)) < 100
        else:
            assert found == passer.id_number


def test_an_xls_id_number_typed_as_a_number_arrives_as_a_number(tmp_path: Path) -> None:
    passers = make_passers(5)
    numeric = digit_only_rows(passers)
    path = write_xls(tmp_path / "名单.xls", passers, numeric_id_rows=numeric)
    ids = [cells[PINYIN_HEADER.index("ZJHM")] for _, cells in rows(path)[1:]]
    assert {i for i, found in enumerate(ids) if isinstance(found, int | float)} == numeric


def test_xls_whole_numbers_arrive_as_int_and_others_as_float(tmp_path: Path) -> None:
    path = write_xls(tmp_path / "名单.xls", [], extra_rows=[[42, 1.5, -7]])
    assert typed(rows(path)[-1:]) == typed([(2, [42, 1.5, -7])])


# --- the format is told by content, not by name -----------------------------------------------


@pytest.mark.parametrize(
    ("writer", "name"),
    [
        (write_xlsx, "名单.csv"),
        (write_xlsx, "名单.xls"),
        (write_xls, "名单.xlsx"),
        (write_xls, "名单"),
    ],
)
def test_a_workbook_with_the_wrong_extension_is_still_read(
    tmp_path: Path, writer: object, name: str
) -> None:
    passers = make_passers(3)
    path = writer(tmp_path / name, passers)  # type: ignore[operator]
    assert typed(rows(path)) == typed(expected_rows(passers))


def test_a_csv_named_xlsx_is_read_as_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "名单.xlsx", make_passers(2))
    assert rows(path)[2][1][PINYIN_HEADER.index("PZRQ")] == "2024-06-30"


def test_a_word_document_is_refused_as_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert refusal(path).code == "unsupported_format"


@pytest.mark.parametrize(
    "content",
    [random.Random(4).randbytes(4096), b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"],
    ids=["random bytes", "pdf"],
)
def test_binary_files_are_refused_as_not_a_spreadsheet(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "名单.xlsx"
    path.write_bytes(content)
    assert refusal(path).code == "unsupported_format"


@pytest.mark.parametrize(
    "content",
    ["KSXM\r\n张三\r\n".encode("utf-16"), b"KSXM\r\n\x80\xff\xfe\r\n"],
    ids=["utf-16", "neither utf-8 nor gb18030"],
)
def test_text_in_another_encoding_is_refused_with_advice(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(content)
    error = refusal(path)
    assert error.code == "encoding"
    assert "CSV UTF-8" in error.zh
    assert "CSV UTF-8" in error.en


def test_a_message_names_the_file_in_chinese_then_english(tmp_path: Path) -> None:
    path = tmp_path / "upload-7f3a.bin"
    path.write_bytes(b"\x00" * 10)
    with pytest.raises(EcertError) as caught:
        read_rows(path, display_name="合格名单.xlsx")
    error = caught.value
    assert str(error) == f"文件 合格名单.xlsx：{error.zh} / file 合格名单.xlsx: {error.en}"
    assert error.file == "合格名单.xlsx"
    assert error.en.isascii()


# --- damaged, protected and oversized files ---------------------------------------------------


def test_a_truncated_xlsx_is_reported_damaged(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(50))
    path.write_bytes(path.read_bytes()[:3000])
    assert refusal(path).code == "corrupt"


@READERS
def test_a_sheet_with_broken_xml_is_reported_damaged(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    path = workbook(tmp_path / "名单.xlsx", '<row r="1"><c r="A1"><v>1</v></row>')
    assert refusal(path, **reader).code == "corrupt"


@READERS
def test_a_workbook_without_worksheets_says_so(tmp_path: Path, reader: dict[str, int]) -> None:
    path = workbook(tmp_path / "名单.xlsx", sheets="")
    assert refusal(path, **reader).code == "no_sheet"


def ole2(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file holding ``stream`` under ``name`` (xlwt writes "Workbook")."""
    buffer = io.BytesIO()
    XlsDoc().save(buffer, stream)
    data = bytearray(buffer.getvalue())
    entry = data.find("Workbook".encode("utf-16-le"))  # the directory entry's name field
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    data[entry : entry + 64] = encoded.ljust(64, b"\x00")
    data[entry + 64 : entry + 66] = struct.pack("<H", len(encoded))
    return bytes(data)


def test_an_xlsx_with_a_password_to_open_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "名单.xlsx"  # Excel encrypts the package into an OLE2 EncryptedPackage
    path.write_bytes(ole2(b"\x00" * 4096, name="EncryptedPackage"))
    error = refusal(path)
    assert error.code == "password_protected"
    assert "密码" in error.zh
    assert "password" in error.en


def test_an_xls_with_a_password_to_open_is_named_as_such(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    book.add_sheet("S").write(0, 0, "x")
    biff = book.get_biff_data()
    bof_end = 4 + struct.unpack("<H", biff[2:4])[0]
    filepass = struct.pack("<HHHH", 0x002F, 54, 1, 1) + bytes(50)  # RC4 encryption header
    path = tmp_path / "名单.xls"
    path.write_bytes(ole2(biff[:bof_end] + filepass + biff[bof_end:]))
    assert refusal(path).code == "password_protected"


def test_a_damaged_xls_is_reported_damaged(tmp_path: Path) -> None:
    path = tmp_path / "名单.xls"
    path.write_bytes(ole2(b"\x09\x08\x10\x00" + b"\xff" * 64))
    assert refusal(path).code == "corrupt"


@pytest.mark.parametrize("writer", [write_xlsx, write_csv, write_xls], ids=["xlsx", "csv", "xls"])
def test_more_rows_than_allowed_are_refused(tmp_path: Path, writer: object) -> None:
    path = writer(tmp_path / "名单", make_passers(9))  # type: ignore[operator]
    assert len(rows(path, max_rows=10)) == 10
    error = refusal(path, max_rows=9)
    assert error.code == "too_many_rows"
    assert "9" in error.zh


@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_a_workbook_with_too_many_rows_is_refused_before_any_row_is_read(
    tmp_path: Path, writer: object
) -> None:
    path = writer(tmp_path / "名单", make_passers(9))  # type: ignore[operator]
    with pytest.raises(EcertError, match="more than 9 rows"):
        read_rows(path, max_rows=9)


def test_more_rows_than_allowed_are_refused_by_the_streaming_reader(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(9))
    assert len(rows(path, max_rows=10, **STREAM)) == 10
    assert refusal(path, max_rows=9, **STREAM).code == "too_many_rows"


def test_a_row_number_past_the_limit_is_refused_without_reading_on(tmp_path: Path) -> None:
    path = workbook(tmp_path / "名单.xlsx", '<row r="2000000"><c r="A2000000"><v>1</v></c></row>')
    assert refusal(path).code == "too_many_rows"


def test_a_package_part_that_unpacks_too_large_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(200))
    assert refusal(path, limits=ReadLimits(ceiling=10_000)).code == "too_large"


def test_a_csv_field_too_long_to_be_real_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("KSXM\r\n张三\r\n" + "长" * 200_000 + "\r\n", "utf-8")
    error = refusal(path)
    assert error.code == "bad_csv"
    assert "第 3 行" in error.zh


def test_a_tiny_file_with_cells_far_apart_is_read_without_exhausting_memory(
    tmp_path: Path,
) -> None:
    """calamine would reserve 16384 × 1048576 cells for this and abort the process."""
    path = workbook(
        tmp_path / "名单.xlsx",
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
    )
    script = (
        "import sys; from pathlib import Path; from ecert.core.spreadsheets.reader import read_rows;"
        "found = list(read_rows(Path(sys.argv[1])));"
        "print([(n, len(cells), cells[-1]) for n, cells in found])"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[(1, 1, 1.0), (1048576, 16384, 2.0)]"


def refuse_to_be_called(*_: object) -> None:
    raise AssertionError("this reader should not have been used")


FAR_APART = {
    "far down": '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="Z1048576"><v>2</v></c></row>',
    "far right": '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="XFD2"><v>2</v></c></row>',
    "wide without references": '<row r="1">'
    + "<c><v>1</v></c>" * 300
    + '</row><row r="99999"><c r="A99999"><v>2</v></c></row>',
}


@pytest.mark.parametrize("sheet_data", FAR_APART.values(), ids=FAR_APART)
def test_a_sheet_whose_cells_lie_far_apart_is_streamed_not_loaded_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sheet_data: str
) -> None:
    """calamine would reserve a slot for every cell of the box between them."""
    path = workbook(tmp_path / "名单.xlsx", sheet_data)
    expected = rows(path, **STREAM)
    monkeypatch.setattr(spreadsheets, "_calamine_rows", refuse_to_be_called)
    assert rows(path) == expected


def test_a_prefixed_sheet_with_cells_far_apart_is_streamed_not_loaded_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c>'
        '</x:row><x:row r="2"><x:c r="XFD2"><x:v>2</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    path = workbook(tmp_path / "名单.xlsx", sheet_xml=sheet)
    monkeypatch.setattr(spreadsheets, "_calamine_rows", refuse_to_be_called)
    assert len(rows(path)) == 2


def test_an_ordinary_workbook_is_loaded_by_calamine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(30), extra_rows=[["x"] * 40])
    monkeypatch.setattr(xlsx_stream.SheetReader, "rows", refuse_to_be_called)
    assert len(rows(path)) == 32


# --- the streaming reader gives what calamine gives --------------------------------------------


def both_readers(path: Path) -> list[tuple[int, list[object]]]:
    """The rows as typed values, after checking that both readers agree on every cell."""
    calamine, streamed = typed(rows(path)), typed(rows(path, **STREAM))
    assert streamed == calamine
    return calamine


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared strings", "inline strings"])
def test_both_readers_agree_on_a_pass_list(tmp_path: Path, constant_memory: bool) -> None:
    passers = make_passers(200, rare_every=3)
    extra: list[list[object]] = [
        [True, False, 0, -1.25, 1e300, 370102199001011234.0],
        [date(1900, 3, 1), datetime(2024, 6, 30, 23, 59, 59), None, "", "  ", "_x0041_"],
        ["=1+1", "孙𠮷", "a\r\nb", "\x07", None, "末"],
    ]
    path = write_xlsx(
        tmp_path / "名单.xlsx",
        passers,
        numeric_id_rows=digit_only_rows(passers),
        extra_rows=extra,
        constant_memory=constant_memory,
    )
    found = both_readers(path)
    assert len(found) == 1 + len(passers) + len(extra)
    assert found[-2][1][1] == ("datetime", datetime(2024, 6, 30, 23, 59, 59))


def test_streaming_never_asks_calamine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(3))
    expected = rows(path)

    def no_calamine(*_: object) -> None:
        raise AssertionError("calamine was asked")

    monkeypatch.setattr(spreadsheets, "_calamine_rows", no_calamine)
    assert rows(path, **STREAM) == expected


SHARED = [
    "<t>张三</t>",
    '<r><t>孙</t></r><r><rPr><b/></rPr><t>𠮷</t></r><rPh sb="0" eb="1"><t>スン</t></rPh>',
    '<t xml:space="preserve"> 堃 </t>',
    "<t>a_x000D_b _x005F_x0041_ _xD842__xDFB7_ _x4E00_ _x00e9_</t>",
    "<t/>",
]

CRAFTED = {
    "shared strings, rich text, phonetic guides, escapes": (
        {"shared": SHARED},
        '<row r="1">'
        + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDE"))
        + "</row>",
        [(1, ["张三", "孙𠮷", " 堃 ", "a\rb _x0041_ _xD842__xDFB7_ _x4E00_ é"])],
    ),
    "inline strings and formulas": (
        {},
        '<row r="1"><c r="A1" t="inlineStr"><is><t>喆</t></is></c>'
        '<c r="B1" t="str"><f>A1</f><v>喆_x0041_</v></c><c r="C1"><f>1+1</f><v>2</v></c>'
        '<c r="D1"><f>1+1</f></c></row>',
        [(1, ["喆", "喆A", 2.0])],
    ),
    "numbers, booleans and errors": (
        {},
        '<row r="1"><c r="A1"><v>42</v></c><c r="B1"><v>1.5E+3</v></c><c r="C1" t="n"><v>-0.25</v></c>'
        '<c r="D1" t="b"><v>1</v></c><c r="E1" t="b"><v>0</v></c><c r="F1" t="e"><v>#N/A</v></c>'
        '<c r="G1"><v>370102199001011234</v></c><c r="H1"><v> 1.5</v></c></row>',
        [(1, [42.0, 1500.0, -0.25, True, False, None, 370102199001011234.0, " 1.5"])],
    ),
    "dates by built-in and custom formats": (
        {
            "formats": [
                14,
                'yyyy"年"m"月"d"日"',
                22,
                20,
                46,
                "[h]:mm:ss",
                "0.00",
                '"d"0',
                "0_m",
                "0*y",
            ]
        },
        '<row r="1"><c r="A1" s="1"><v>45473</v></c><c r="B1" s="2"><v>45473</v></c>'
        '<c r="C1" s="3"><v>45473.5</v></c><c r="D1" s="4"><v>0.75</v></c>'
        '<c r="E1" s="5"><v>1.5</v></c><c r="F1" s="6"><v>0.25</v></c>'
        '<c r="G1" s="7"><v>45473</v></c><c r="H1" s="8"><v>45473</v></c>'
        '<c r="I1" s="9"><v>45473</v></c><c r="J1" s="10"><v>45473</v></c></row>',
        [
            (
                1,
                [
                    date(2024, 6, 30),
                    date(2024, 6, 30),
                    datetime(2024, 6, 30, 12),
                    time(18),
                    timedelta(days=1, hours=12),
                    timedelta(hours=6),
                    45473.0,
                    45473.0,
                    45473.0,
                    45473.0,
                ],
            )
        ],
    ),
    "Excel's 29 February 1900": (
        {"formats": [14]},
        '<row r="1"><c r="A1" s="1"><v>59</v></c><c r="B1" s="1"><v>60</v></c>'
        '<c r="C1" s="1"><v>61</v></c></row>',
        [(1, [date(1900, 2, 28), date(1900, 2, 28), date(1900, 3, 1)])],
    ),
    "the 1904 date system": (
        {"formats": [14], "date1904": True},
        '<row r="1"><c r="A1" s="1"><v>44011</v></c></row>',
        [(1, [date(2024, 6, 30)])],
    ),
    "ISO dates": (
        {},
        '<row r="1"><c r="A1" t="d"><v>2024-06-30</v></c><c r="B1" t="d"><v>2024-06-30T12:30:00</v></c>'
        '<c r="C1" t="d"><v>12:30:00</v></c><c r="D1" t="d"><v>soon</v></c></row>',
        [(1, [date(2024, 6, 30), datetime(2024, 6, 30, 12, 30), time(12, 30), "soon"])],
    ),
    "cells and rows without references": (
        {},
        '<row><c><v>1</v></c><c><v>2</v></c><c r="E1"><v>3</v></c><c><v>4</v></c></row>'
        '<row><c t="inlineStr"><is><t>x</t></is></c></row><row r="5"><c r="B5"><v>6</v></c></row>',
        [(1, [1.0, 2.0, None, None, 3.0, 4.0]), (2, ["x"]), (5, [None, 6.0])],
    ),
    "blank and whitespace cells": (
        {},
        '<row r="1"><c r="A1" t="inlineStr"><is><t> </t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>\u3000</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t></t></is></c><c r="B2" t="str"><v>x</v></c>'
        '<c r="C2" s="0"/></row>',
        [(2, [None, "x"])],
    ),
    "a second cell for the same place": (
        {},
        '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>',
        [(1, [2.0])],
    ),
    "a cell in the last column": (
        {},
        '<row r="2"><c r="XFD2"><v>1</v></c></row>',
        [(2, [*[None] * 16383, 1.0])],
    ),
}


@pytest.mark.parametrize(("options", "sheet_data", "expected"), CRAFTED.values(), ids=CRAFTED)
def test_both_readers_agree_on_layouts_no_library_writes(
    tmp_path: Path, options: dict[str, Any], sheet_data: str, expected: Rows
) -> None:
    path = workbook(tmp_path / "名单.xlsx", sheet_data, **options)
    assert both_readers(path) == typed(expected)


def test_both_readers_agree_on_a_sheet_with_prefixed_elements(tmp_path: Path) -> None:
    sheet = (
        f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>前缀</x:t></x:is></x:c><x:c r="B1"><x:v>3</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    path = workbook(tmp_path / "名单.xlsx", sheet_xml=sheet)
    assert both_readers(path) == typed([(1, ["前缀", 3.0])])


@pytest.mark.parametrize(
    ("sheet_data", "sorted_by_calamine"),
    [
        (
            '<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>2</v></c></row>',
            [(1, [2.0]), (2, [1.0])],
        ),
        (
            '<row r="1"><c r="A1"><v>1</v></c><c r="B3"><v>2</v></c></row>',
            [(1, [1.0]), (3, [None, 2.0])],
        ),
    ],
    ids=["rows out of order", "a cell naming another row"],
)
def test_the_streaming_reader_refuses_what_only_calamine_sorts_out(
    tmp_path: Path, sheet_data: str, sorted_by_calamine: Rows
) -> None:
    """A deliberate difference: no spreadsheet program writes these, and sorting them would
    mean holding the sheet in memory."""
    path = workbook(tmp_path / "名单.xlsx", sheet_data)
    assert rows(path) == sorted_by_calamine
    assert refusal(path, **STREAM).code == "corrupt"


@READERS
@pytest.mark.parametrize(
    "sheet_data",
    [
        '<row r="1"><c r="XFD1"><v>1</v></c><c><v>2</v></c></row>',
        '<row r="1"><c r="XFE1"><v>1</v></c></row>',
    ],
    ids=["after XFD", "named XFE"],
)
def test_a_cell_past_the_last_column_is_damage(
    tmp_path: Path, reader: dict[str, int], sheet_data: str
) -> None:
    path = workbook(tmp_path / "名单.xlsx", sheet_data)
    assert refusal(path, **reader).code == "corrupt"


@READERS
@pytest.mark.parametrize("index", ["1", "-1", "x"])
def test_a_shared_string_that_is_not_in_the_table_is_damage(
    tmp_path: Path, reader: dict[str, int], index: str
) -> None:
    path = workbook(
        tmp_path / "名单.xlsx",
        f'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>{index}</v></c></row>',
        shared=["<t>张三</t>"],
    )
    if reader or index == "1":
        assert refusal(path, **reader).code == "corrupt"
    else:  # calamine reads an index that is not a number as 0; the streaming reader refuses it
        assert rows(path, **reader) == [(1, ["张三", "张三"])]


def test_a_document_type_declaration_is_refused(tmp_path: Path) -> None:
    sheet = (
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t>'
        "</is></c></row></sheetData></worksheet>"
    )
    path = workbook(tmp_path / "名单.xlsx", sheet_xml=sheet)
    assert refusal(path, **STREAM).code == "corrupt"


# Text a clerk could type: any character but surrogates, and U+FFFE and U+FFFF, which XML cannot
# carry: XlsxWriter writes them as _xFFFF_, and calamine leaves that as it is.
TEXT = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"), max_size=40
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(TEXT, min_size=1, max_size=6), constant_memory=st.booleans())
def test_any_text_written_by_xlsxwriter_comes_back_unchanged_from_both_readers(
    tmp_path: Path, texts: list[str], constant_memory: bool
) -> None:
    path = tmp_path / "文本.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "KSXM")
    for column, text in enumerate(texts):
        sheet.write_string(1, column, text)
    book.close()
    cells: list[Cell] = [text or None for text in texts]
    while cells and cells[-1] is None:
        cells.pop()
    blank = all(cell is None or cell.isspace() for cell in cells)  # type: ignore[union-attr]
    expected: Rows = [(1, ["KSXM"]), *([] if blank else [(2, cells)])]
    assert both_readers(path) == typed(expected)
