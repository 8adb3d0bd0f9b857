"""The replacement exchange package of seed 001 附件 二–三, read back as the province would: the zip
opened with zipfile, each .XLS with python-calamine (and with our own pass-list reader), the paper
forms' text with pypdfium2. No database."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import pypdfium2
import pytest
from PIL import Image
from python_calamine import CalamineWorkbook

from ecert.core.documents.faces import sample_id_number
from ecert.core.documents.render import FontSet, Renderer
from ecert.core.documents.replacement_forms import application_form_pdf, summary_form_pdf
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, Sex
from ecert.core.spreadsheets.passlist import ExamRules, PassRow, RowValidator, read_layout
from ecert.core.spreadsheets.reader import read_rows
from ecert.core.spreadsheets.replacement_package import (
    HEADER,
    ExamPackage,
    PackageRow,
    package_base_name,
    package_check,
    package_row,
    package_workbook,
    package_zip,
)

DATA = Path(__file__).resolve().parents[2] / "src" / "ecert" / "data"
CREATED = datetime(2020, 5, 31, tzinfo=UTC)
NAMES = ("钱昇", "孙𠮷", "周喆", "吴堃", "郑赟", "欧阳𠮷喆")
NO_GLYPH = "\U0002b820"  # CJK Extension E: no committed font draws it
CODES = [f"{i:03d}" for i in range(1000)]


def _photo(seed: int) -> bytes:
    """A distinct small JPEG per person, so a photo put under the wrong name is noticed."""
    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), (255, 255 - seed % 200, 250)).save(buffer, "JPEG", quality=60)
    return buffer.getvalue()


def _row(i: int, *, photo: bool | None = None, approved: date | None = None) -> PackageRow:
    male = i % 2 == 0
    born = date(1970 + i % 20, 1 + i % 12, 1 + i % 28)
    id_number = sample_id_number("370102", born, male, i % 500)
    with_photo = i % 3 == 0 if photo is None else photo
    return package_row(
        management_number=f"0{9 + i % 5:02d}37010000{i:05d}",  # leading zero kept as text
        name=NAMES[i % len(NAMES)],
        id_number=id_number,
        id_type=IdType.RESIDENT_ID,
        sex=Sex.MALE if male else Sex.FEMALE,
        level="一级",
        specialty="建筑工程",
        birth_month=(born.year, born.month),
        approval_date=approved or date(2009 + i % 7, 9, 26),
        city="济南市" if i % 4 else "青岛市",
        photo=_photo(i) if with_photo else None,
    )


def _package(
    count: int, *, code: str = "034", name: str = "一级建造师", first: int = 0
) -> ExamPackage:
    rows = tuple(_row(i) for i in range(first, first + count))
    return ExamPackage(month="202005", exam_code=code, exam_name=name, unit="济南市", rows=rows)


def _raw_sheet(data: bytes) -> list[list[object]]:
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    return [list(row) for row in rows]


def _sheet(data: bytes) -> list[list[str]]:
    """The first sheet as calamine reads it; every cell must be text."""
    rows = _raw_sheet(data)
    assert all(isinstance(cell, str) for row in rows for cell in row), rows
    return cast(list[list[str]], rows)


def _pdf_pages(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    texts = [page.get_textpage().get_text_range() for page in document]
    document.close()
    return texts


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(DATA / "faces", FontSet.from_dirs([DATA / "fonts"]))


# ── The workbook ─────────────────────────────────────────────────────────────


def test_the_workbook_has_the_11_columns_and_every_cell_is_text() -> None:
    package = _package(30)

    sheet = _raw_sheet(package_workbook(package))

    assert sheet[0] == list(HEADER)
    assert HEADER == (
        "ZSGLH",
        "KSXM",
        "ZJHM",
        "ZJLB",
        "XB",
        "BKJB",
        "BKZY",
        "CSNY",
        "PZRQ",
        "ZP",
        "BMS",
    )
    assert len(sheet) == 31
    assert all(len(row) == 11 for row in sheet)
    assert all(isinstance(cell, str) for row in sheet for cell in row)


def test_an_18_digit_id_number_and_a_leading_zero_survive_as_text() -> None:
    row = _row(1)
    assert len(row.zjhm) == 18
    assert row.zsglh.startswith("0")

    sheet = _sheet(package_workbook(replace(_package(1), rows=(row,))))

    assert sheet[1][:3] == [row.zsglh, row.ksxm, row.zjhm]
    assert sheet[1] == list(row.cells())


def test_fields_are_written_as_the_pass_list_reader_reads_them() -> None:
    row = _row(0, photo=True)

    assert (row.zjlb, row.xb, row.csny, row.pzrq, row.zp) == (
        "居民身份证",
        "男",
        "1970-01",
        "2009-09-26",
        f"{row.zjhm}.jpg",
    )
    assert _row(1, photo=False).zp == ""


def test_our_pass_list_reader_reads_the_workbook_back(tmp_path: Path) -> None:
    package = _package(40)
    path = tmp_path / (package_base_name(package) + ".XLS")
    path.write_bytes(package_workbook(package))
    rules = ExamRules(
        qualification_name="建造师",
        levels=("一级",),
        specialties=("建筑工程",),
        cities={"济南市": "jinan", "青岛市": "qingdao"},
        today=date(2026, 12, 6),
        earliest_approval=date(1990, 1, 1),
    )

    rows = iter(read_rows(path))
    _, header = next(rows)
    validator = RowValidator(read_layout(header, levels_required=True), rules)
    read = [validator.validate(number, cells) for number, cells in rows]

    assert all(isinstance(result, PassRow) for result in read), read
    by_number = {result.management_number: result for result in read if isinstance(result, PassRow)}
    for row in package.rows:
        back = by_number[row.zsglh]
        assert back.name == row.ksxm
        assert back.id_number.value == row.zjhm
        assert back.id_number.type is IdType.RESIDENT_ID
        assert back.sex is (Sex.MALE if row.xb == "男" else Sex.FEMALE)
        assert back.birth_month == (int(row.csny[:4]), int(row.csny[5:]))
        assert back.approval_date.isoformat() == row.pzrq
        assert back.photo == row.zp


def test_rows_are_ordered_by_approval_date_then_management_number() -> None:
    late = _row(1, approved=date(2015, 3, 1))
    early_b = _row(2, approved=date(2010, 1, 1))
    early_a = replace(_row(3, approved=date(2010, 1, 1)), zsglh="0000000001")
    package = replace(_package(1), rows=(late, early_b, early_a))

    sheet = _sheet(package_workbook(package))

    assert [line[0] for line in sheet[1:]] == [early_a.zsglh, early_b.zsglh, late.zsglh]
    assert [line[8] for line in sheet[1:]] == ["2010-01-01", "2010-01-01", "2015-03-01"]


def test_rare_characters_come_back_whole_from_a_large_workbook() -> None:
    # Long texts of characters outside the BMP cross the shared-string table's record boundaries
    # many times; xlwt alone cut 𠮷 in half there (calamine then read two U+FFFD).
    rows = tuple(
        replace(
            _row(i, photo=False), ksxm="𠮷" * (1 + i % 9) + "喆", bkzy="𠮷堃" * (i % 60) + str(i)
        )
        for i in range(400)
    )
    package = replace(_package(1), rows=rows)

    sheet = _sheet(package_workbook(package))

    expected = {row.zsglh: (row.ksxm, row.bkzy) for row in rows}
    assert {line[0]: (line[1], line[6]) for line in sheet[1:]} == expected
    assert not any("\ufffd" in cell for line in sheet for cell in line)


# ── The file name ────────────────────────────────────────────────────────────


def test_the_file_name_follows_the_notice_with_the_number_of_people() -> None:
    assert package_base_name(_package(100)) == (
        "202005-034-一级建造师(证书补换印制信息)数据(济南市)(100人)"
    )
    assert package_base_name(replace(_package(7), unit="山东省")).endswith("数据(山东省)(7人)")


# ── The zip ──────────────────────────────────────────────────────────────────


def test_the_zip_holds_per_exam_the_xls_and_a_folder_of_the_same_name_with_the_photos() -> None:
    first, second = _package(12), _package(5, code="035", name="二级建造师", first=100)

    archive = zipfile.ZipFile(io.BytesIO(package_zip([second, first])))

    expected: list[str] = []
    for package in (first, second):
        base = package_base_name(package)
        photos = sorted(f"{base}/{row.zjhm}.jpg" for row in package.rows if row.photo)
        expected += [f"{base}.XLS", f"{base}/", *photos]
    assert archive.namelist() == expected
    assert all(info.flag_bits & 0x800 for info in archive.infolist())  # names in UTF-8
    assert archive.testzip() is None


def test_each_row_with_a_photo_has_its_own_jpg_and_only_those() -> None:
    package = _package(12)
    base = package_base_name(package)

    archive = zipfile.ZipFile(io.BytesIO(package_zip([package])))
    sheet = _sheet(archive.read(f"{base}.XLS"))

    photo_names = {name for name in archive.namelist() if name.endswith(".jpg")}
    named = {line[9] for line in sheet[1:] if line[9]}
    assert {f"{base}/{name}" for name in named} == photo_names
    assert len(photo_names) == 4  # rows 0, 3, 6, 9
    for row in package.rows:
        if row.photo is not None:
            assert archive.read(f"{base}/{row.zjhm}.jpg") == row.photo
    for line in sheet[1:]:
        assert line[9] in ("", f"{line[2]}.jpg")


def test_an_exam_without_photos_has_no_folder() -> None:
    package = replace(_package(1), rows=tuple(_row(i, photo=False) for i in range(3)))

    archive = zipfile.ZipFile(io.BytesIO(package_zip([package])))

    assert archive.namelist() == [package_base_name(package) + ".XLS"]


def test_the_same_data_gives_the_same_zip() -> None:
    first, second = _package(9), _package(4, code="035", name="二级建造师", first=50)
    shuffled = replace(first, rows=tuple(reversed(first.rows)))

    one = package_zip([first, second])
    two = package_zip([second, shuffled])

    assert one == two
    assert hashlib.sha256(one).hexdigest() == hashlib.sha256(two).hexdigest()
    dates = {info.date_time for info in zipfile.ZipFile(io.BytesIO(one)).infolist()}
    assert dates == {(2020, 5, 1, 0, 0, 0)}


# ── Refusals ─────────────────────────────────────────────────────────────────


def _refusal(package: ExamPackage) -> EcertError:
    with pytest.raises(EcertError) as caught:
        package_zip([package])
    return caught.value


@pytest.mark.parametrize("code", ["", "34", "0345", "A34"])
def test_an_exam_without_a_three_digit_code_is_refused(code: str) -> None:
    error = _refusal(replace(_package(2), exam_code=code))

    assert error.code == "exam_without_code"
    assert "考试“一级建造师”" in error.zh
    assert "考试代码" in error.zh
    assert "no 3-digit exam code" in error.en
    assert str(error).index("考试代码") < str(error).index("exam code")  # Chinese first


def test_an_empty_package_is_refused() -> None:
    error = _refusal(replace(_package(1), rows=()))

    assert error.code == "package_empty"
    assert "没有补换人员" in error.zh
    assert "nobody to replace" in error.en
    with pytest.raises(EcertError) as caught:
        package_zip([])
    assert caught.value.code == "package_empty"


def test_a_duplicate_id_number_is_refused_naming_both_rows() -> None:
    first = _row(1, approved=date(2010, 1, 1))
    twin = replace(_row(2, approved=date(2011, 1, 1)), zjhm=first.zjhm, zp="", photo=None)

    error = _refusal(replace(_package(1), rows=(first, twin)))

    assert error.code == "package_duplicate"
    assert (error.row, error.column) == (3, "C")
    assert "证件号码重复（又见第 2 行）" in error.zh
    assert error.file == "202005-034-一级建造师(证书补换印制信息)数据(济南市)(2人).XLS"
    assert "第 3 行 C 列（证件号码 ZJHM）" in str(error)


def test_a_row_whose_zp_names_a_photo_not_carried_is_refused() -> None:
    row = replace(_row(0, photo=True), photo=None)

    error = _refusal(replace(_package(1), rows=(row,)))

    assert (error.code, error.row, error.column) == ("package_photo_missing", 2, "J")
    assert f"“{row.zjhm[:4]}**********{row.zjhm[-4:]}.jpg”" in error.zh  # the ID number masked
    assert row.zjhm not in str(error)
    assert "no such photo is carried" in error.en


def test_a_photo_that_zp_does_not_name_is_refused() -> None:
    row = replace(_row(0, photo=True), zp="")

    error = _refusal(replace(_package(1), rows=(row,)))

    assert (error.code, error.column) == ("package_photo_name", "J")


def test_a_photo_that_is_not_a_jpeg_is_refused() -> None:
    row = replace(_row(0, photo=True), photo=b"\x89PNG\r\n\x1a\n")

    assert _refusal(replace(_package(1), rows=(row,))).code == "package_photo_not_jpeg"


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [("ksxm", "张\x07三", "B"), ("bkzy", "=HYPERLINK(1)", "G"), ("bms", "济南市\n", "K")],
)
def test_a_character_that_cannot_be_stored_is_refused(field: str, value: str, column: str) -> None:
    row = replace(_row(1), **cast(dict[str, Any], {field: value}))

    error = _refusal(replace(_package(1), rows=(row,)))

    assert (error.code, error.row, error.column) == ("package_bad_character", 2, column)


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("pzrq", "2009/09/26", "I"),
        ("pzrq", "2009-02-30", "I"),
        ("csny", "198801", "H"),
        ("zjlb", "身份证号", "D"),
        ("xb", "M", "E"),
        ("zsglh", "12345", "A"),
    ],
)
def test_a_malformed_cell_is_refused_with_its_place(field: str, value: str, column: str) -> None:
    row = replace(_row(1), **cast(dict[str, Any], {field: value}))

    error = _refusal(replace(_package(1), rows=(row,)))

    assert (error.code, error.row, error.column) == ("package_field_format", 2, column)
    assert value in error.zh


def test_a_missing_name_is_refused() -> None:
    error = _refusal(replace(_package(1), rows=(replace(_row(1), ksxm=""),)))

    assert (error.code, error.column) == ("package_field_missing", "B")
    assert "第 2 行 B 列（姓名 KSXM）：为空" in str(error)


def test_a_bad_month_or_a_file_name_character_is_refused() -> None:
    assert _refusal(replace(_package(1), month="202013")).code == "package_month"
    assert _refusal(replace(_package(1), exam_name="建造师/一级")).code == "package_name_character"
    assert _refusal(replace(_package(1), unit="")).code == "package_name_character"


def test_a_zip_of_two_units_or_the_same_exam_twice_is_refused() -> None:
    with pytest.raises(EcertError) as caught:
        package_zip([_package(1), replace(_package(1, code="035"), unit="青岛市")])
    assert caught.value.code == "package_mixed"
    with pytest.raises(EcertError) as caught:
        package_zip([_package(1), _package(2, first=10)])
    assert caught.value.code == "package_duplicate_exam"


def test_the_check_passes_a_good_package() -> None:
    package_check(_package(20))


def test_a_package_that_passed_does_not_let_a_changed_copy_or_a_refused_one_through() -> None:
    good = _package(3)
    package_check(good)  # passed once: the zip and the workbook do not check it again
    bad = replace(good, rows=(*good.rows[:2], replace(good.rows[2], ksxm="")))

    assert _refusal(bad).code == "package_field_missing"
    assert _refusal(bad).code == "package_field_missing"  # refused again, not remembered
    with pytest.raises(EcertError):
        package_workbook(bad)
    assert _sheet(package_workbook(good))[1:] == [list(row.cells()) for row in good.ordered]


# ── The paper forms ──────────────────────────────────────────────────────────


def test_the_application_form_numbers_every_page_and_keeps_the_workbook_order(
    renderer: Renderer,
) -> None:
    package = _package(75)

    pages = _pdf_pages(application_form_pdf(package, renderer, created=CREATED))
    sheet = _sheet(package_workbook(package))

    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"第{number}页/共{total}页" in text
        assert "专业技术人员职业资格证书补发(更换)申请表" in text
        assert "济南市" in text
        assert "034 一级建造师" in "".join(text.split("\r\n"))
    printed = "".join(pages)
    positions = [printed.index(line[0]) for line in sheet[1:]]
    assert positions == sorted(positions)  # the workbook's order, page after page
    assert [line[8] for line in sheet[1:]] == sorted(line[8] for line in sheet[1:])


def test_the_application_form_prints_rare_names(renderer: Renderer) -> None:
    package = _package(6)

    printed = "".join(_pdf_pages(application_form_pdf(package, renderer, created=CREATED)))

    for name in NAMES:
        assert name in printed


def test_a_name_no_font_draws_is_refused_with_its_row_and_column(renderer: Renderer) -> None:
    rows = (
        _row(1, approved=date(2010, 1, 1)),
        replace(_row(2, approved=date(2012, 1, 1)), ksxm=f"张{NO_GLYPH}"),
    )

    with pytest.raises(EcertError) as caught:
        application_form_pdf(replace(_package(1), rows=rows), renderer, created=CREATED)

    error = caught.value
    assert (error.code, error.row, error.column) == ("uncovered_character", 3, "B")
    assert f"U+{ord(NO_GLYPH):04X}" in error.en


def test_the_summary_totals_equal_the_workbooks_row_counts(renderer: Renderer) -> None:
    packages = [_package(23), _package(8, code="035", name="二级建造师", first=200)]
    archive = zipfile.ZipFile(io.BytesIO(package_zip(packages)))
    counts = {
        name: len(_sheet(archive.read(name))) - 1
        for name in archive.namelist()
        if name.endswith(".XLS")
    }
    photos = sum(1 for name in archive.namelist() if name.endswith(".jpg"))

    pages = _pdf_pages(summary_form_pdf(packages, renderer, created=CREATED))

    text = " ".join(" ".join(pages).split())
    assert "证书补发(更换)统计汇总表" in text
    assert "第1页/共1页" in text
    for package in packages:
        base = package_base_name(package)
        line = (
            f"{package.exam_code} {package.exam_name} {counts[base + '.XLS']} {package.photo_count}"
        )
        assert line in text
    assert f"合计 {sum(counts.values())} {photos}" in text
    assert "申报单位（盖章）：济南市" in text


def test_the_same_data_and_date_give_the_same_forms(renderer: Renderer) -> None:
    package = _package(5)

    assert application_form_pdf(package, renderer, created=CREATED) == application_form_pdf(
        replace(package, rows=tuple(reversed(package.rows))), renderer, created=CREATED
    )


def test_more_rows_than_an_xls_sheet_holds_are_refused() -> None:
    row = _row(1, photo=False)
    rows = tuple(
        replace(row, zsglh=f"{i:08d}", zjhm=f"P{i:07d}", zjlb="护照") for i in range(65_536)
    )

    error = _refusal(replace(_package(1), rows=rows))

    assert error.code == "package_too_many_rows"
    assert "65535" in error.zh


def test_a_malformed_id_number_is_refused_without_showing_it_whole() -> None:
    row = _row(1)
    bad = row.zjhm[:17] + "x"
    rows = (replace(row, zjhm=bad, zp=f"{bad}.jpg" if row.zp else ""),)

    error = _refusal(replace(_package(1), rows=rows))

    assert (error.code, error.column) == ("package_field_format", "C")
    assert bad not in str(error)
    assert f"{bad[:4]}**********{bad[-4:]}" in error.zh
