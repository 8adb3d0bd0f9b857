"""Title certificate numbers and code tables (seed 003 第五条, 第六条, 第十五条)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.titles import (
    Manager,
    TitleLevel,
    TitleNumber,
    data_manager,
    load_code_tables,
    parse_title_number,
    region_code_check,
    report_deadline,
    review_year_check,
)


def test_liaocheng_example_reads_as_the_notice_explains_it() -> None:
    number = parse_title_number("鲁181402001200001")

    assert (number.mark, number.year, number.region_code) == ("鲁", 2018, "14020")
    assert (number.series_code, number.sequence, number.grassroots) == ("012", 1, False)


def test_provincial_example_with_spaces_reads_and_prints_back() -> None:
    number = parse_title_number("鲁 17 00001 011 00001")

    assert number == TitleNumber("鲁", 2017, "00001", "011", 1)
    assert number.text == "鲁170000101100001"
    assert number.spaced == "鲁 17 00001 011 00001"


def test_grassroots_title_carries_the_mark_after_the_number() -> None:
    number = TitleNumber("鲁", 2024, "14020", "012", 37, grassroots=True)

    assert number.text == "鲁241402001200037（基层）"
    assert number.number == "鲁241402001200037"
    assert parse_title_number("鲁241402001200037(基层)") == number


def test_typed_number_with_full_width_digits_is_read() -> None:
    assert parse_title_number(" 豫２３１４０２００１２００００９ ").number == "豫231402001200009"


@pytest.mark.parametrize(
    "typed",
    [
        "鲁18140200120000",
        "1181402001200001",
        "鲁1814020012000011",
        "181402001200001",
        "鲁18140200120000A",
        "LU181402001200001x",
    ],
)
def test_malformed_number_is_refused_with_the_rule(typed: str) -> None:
    with pytest.raises(EcertError) as caught:
        parse_title_number(typed)

    assert "15 位数字" in caught.value.zh
    assert "15 digits" in caught.value.en


def test_sequence_zero_and_past_99999_are_refused() -> None:
    with pytest.raises(EcertError, match="1-99999"):
        TitleNumber("鲁", 2018, "14020", "012", 0)
    with pytest.raises(EcertError, match="1-99999"):
        TitleNumber("鲁", 2018, "14020", "012", 100_000)


def test_mark_must_be_one_han_character() -> None:
    with pytest.raises(EcertError) as caught:
        TitleNumber("LU", 2018, "14020", "012", 1)

    assert caught.value.field == "mark"


@given(
    mark=st.sampled_from("鲁豫京沪粤"),
    year=st.integers(2000, 2099),
    region=st.from_regex(r"[0-9]{5}", fullmatch=True),
    series=st.from_regex(r"[0-9]{3}", fullmatch=True),
    sequence=st.integers(1, 99_999),
    grassroots=st.booleans(),
)
def test_every_number_reads_back_to_its_parts(
    mark: str, year: int, region: str, series: str, sequence: int, grassroots: bool
) -> None:
    number = TitleNumber(mark, year, region, series, sequence, grassroots)

    assert len(number.digits) == 15
    assert parse_title_number(number.text) == number
    assert parse_title_number(number.spaced) == number


def test_city_body_intermediate_title_is_managed_by_the_city_bureau() -> None:
    # 第六条(二): 设区的市…市直部门（单位）、市属企业核准公布的中级职称 … 由设区的市人力资源社会保障局管理
    assert (
        data_manager(AuthorityKind.DEPARTMENT, AuthorityLevel.CITY, TitleLevel.INTERMEDIATE)
        is Manager.CITY_BUREAU
    )
    assert (
        data_manager(AuthorityKind.INSTITUTION, AuthorityLevel.CITY, TitleLevel.INTERMEDIATE)
        is Manager.CITY_BUREAU
    )


@pytest.mark.parametrize(
    ("kind", "level", "title_level"),
    [
        (AuthorityKind.HR_BUREAU, AuthorityLevel.PROVINCE, TitleLevel.SENIOR_DEPUTY),
        (AuthorityKind.HR_BUREAU, AuthorityLevel.CITY, TitleLevel.SENIOR_FULL),
        (AuthorityKind.HR_BUREAU, AuthorityLevel.CITY, TitleLevel.INTERMEDIATE),
        (AuthorityKind.HR_BUREAU, AuthorityLevel.COUNTY, TitleLevel.INTERMEDIATE),
        (AuthorityKind.DEPARTMENT, AuthorityLevel.PROVINCE, TitleLevel.INTERMEDIATE),
        (AuthorityKind.DEPARTMENT, AuthorityLevel.CITY, TitleLevel.JUNIOR),
        (AuthorityKind.HR_BUREAU, AuthorityLevel.COUNTY, TitleLevel.JUNIOR),
    ],
)
def test_other_titles_are_managed_by_whoever_approved_them(
    kind: AuthorityKind, level: AuthorityLevel, title_level: TitleLevel
) -> None:
    assert data_manager(kind, level, title_level) is Manager.APPROVER


def test_code_inside_a_city_keeps_the_city_prefix() -> None:
    region_code_check("14101", city_code="14020")
    region_code_check("00003", city_code=None)

    with pytest.raises(EcertError) as caught:
        region_code_check("15101", city_code="14020")

    assert "“14”" in caught.value.zh


@pytest.mark.parametrize("code", ["1402", "140201", "14O20", ""])
def test_code_is_five_digits(code: str) -> None:
    with pytest.raises(EcertError, match="5 digits"):
        region_code_check(code, city_code=None)


def test_review_year_is_not_after_the_approval() -> None:
    review_year_check(2018, date(2019, 1, 10))

    with pytest.raises(EcertError) as caught:
        review_year_check(2020, date(2019, 1, 10))

    assert caught.value.field == "review_year"


def test_report_is_due_thirty_days_after_the_data_is_formed() -> None:
    assert report_deadline(date(2026, 1, 15)) == date(2026, 2, 14)


def test_packaged_code_tables_hold_the_notices_codes() -> None:
    tables = load_code_tables()

    marks = {scheme.province: scheme.mark for scheme in tables.schemes}
    rows = {(row.province, row.code): row for row in tables.series_levels}
    assert marks == {"sd-hrss": "鲁", "ha-hrss": "豫"}
    assert rows["sd-hrss", "011"].name == "中小学教师正高级"
    assert rows["sd-hrss", "012"].level is TitleLevel.SENIOR_DEPUTY
    assert rows["sd-hrss", "012"].title == "高级教师"


def test_a_number_finds_its_series_level_only_in_its_own_provinces_table() -> None:
    tables = load_code_tables()

    found = tables.series_level(parse_title_number("鲁181402001200001"))
    assert found is not None
    assert found.name == "中小学教师高级"
    assert tables.series_level(parse_title_number("鲁181402099900001")) is None
    # Henan has a mark but publishes no series codes yet: Shandong's 012 is not Henan's 012.
    assert tables.series_level(parse_title_number("豫181402001200001")) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[[scheme]]\nprovince = "sd-hrss"\nmark = "LU"\n', "mark must be one Han character"),
        (
            '[[scheme]]\nprovince = "sd-hrss"\nmark = "鲁"\n[[series_level]]\nprovince = "xx"\n'
            'code = "011"\nseries = "a"\nlevel = "junior"\ntitle = "b"\nname = "c"\n',
            "[[series_level]] #1: province 'xx' has no [[scheme]]",
        ),
        (
            '[[scheme]]\nprovince = "sd-hrss"\nmark = "鲁"\n[[series_level]]\nprovince = "sd-hrss"\n'
            'code = "11"\nseries = "a"\nlevel = "junior"\ntitle = "b"\nname = "c"\n',
            "code must be 3 digits",
        ),
        (
            '[[scheme]]\nprovince = "sd-hrss"\nmark = "鲁"\n[[series_level]]\nprovince = "sd-hrss"\n'
            'code = "011"\nseries = "a"\nlevel = "high"\ntitle = "b"\nname = "c"\n',
            "level must be one of",
        ),
        (
            '[[scheme]]\nprovince = "sd-hrss"\nmark = "鲁"\n[[scheme]]\nprovince = "sd-hrss"\n'
            'mark = "豫"\n',
            "'sd-hrss' appears twice",
        ),
        ('[[scheme]]\nprovince = "sd-hrss"\n', "'mark' is missing"),
        ("[[scheme]\n", "cannot read titles.toml"),
    ],
)
def test_mistake_in_code_tables_names_file_table_and_field(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "titles.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(EcertError) as caught:
        load_code_tables(path)

    assert said in caught.value.en
    assert "titles.toml" in caught.value.zh
