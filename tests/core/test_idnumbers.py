"""Identity-document numbers: parsing, normalisation, masking, detection (pure Python)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import (
    ID_TYPE_LABELS,
    SEX_LABELS,
    IdNumber,
    IdType,
    Sex,
    detect_id_type,
    gb11643_check_character,
    mask_id_number,
    parse_id_number,
)
from tests.core.idgen import make_gb11643_number, make_resident_id

TODAY = date(2025, 6, 1)
PROVINCES = [
    *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47),
    *range(50, 55), *range(61, 66), 71,
]  # fmt: skip
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def parse(raw: str, id_type: IdType = IdType.RESIDENT_ID) -> IdNumber:
    return parse_id_number(raw, id_type, today=TODAY)


def error_code(raw: str, id_type: IdType = IdType.RESIDENT_ID) -> str:
    with pytest.raises(EcertError) as caught:
        parse(raw, id_type)
    return caught.value.code


def with_check(first17: str) -> str:
    return first17 + gb11643_check_character(first17)


# Published examples and the check function


def test_check_character_matches_the_published_gb11643_examples():
    assert gb11643_check_character("11010519491231002") == "X"
    assert gb11643_check_character("44052418800101001") == "4"


def test_published_beijing_example_parses_as_a_woman_born_1949():
    number = parse("11010519491231002X")
    assert number == IdNumber(
        IdType.RESIDENT_ID, "11010519491231002X", date(1949, 12, 31), Sex.FEMALE
    )


def test_published_1880_example_is_refused_because_births_before_1900_are_refused():
    assert error_code("440524188001010014") == "bad_birth_date"


@pytest.mark.parametrize(
    "bad", ["", "1234567890123456", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_check_character_needs_exactly_17_ascii_digits(bad):
    with pytest.raises(ValueError, match="17 ASCII digits"):
        gb11643_check_character(bad)


# Resident identity card


def test_generated_resident_id_gives_birth_date_and_sex():
    man = parse(make_resident_id(date(1985, 2, 28), Sex.MALE))
    woman = parse(make_resident_id(date(2000, 2, 29), Sex.FEMALE, region="110105", seq=7))
    assert (man.birth_date, man.sex) == (date(1985, 2, 28), Sex.MALE)
    assert (woman.birth_date, woman.sex) == (date(2000, 2, 29), Sex.FEMALE)


def test_old_15_digit_number_becomes_18_digits():
    new = make_resident_id(date(1968, 7, 4), Sex.MALE, seq=12)
    old = new[:6] + new[8:17]
    number = parse(old)
    assert number.value == new
    assert (number.birth_date, number.sex) == (date(1968, 7, 4), Sex.MALE)


def test_lower_case_x_is_upper_cased():
    assert parse("11010519491231002x").value == "11010519491231002X"


def test_full_width_digits_and_inner_spaces_are_normalised():
    raw = "\u3000" + "110105 1949 1231 002X".translate(FULL_WIDTH) + " \t"
    assert parse(raw).value == "11010519491231002X"


def test_empty_input_is_refused_with_empty():
    assert error_code("   \u3000") == "empty"


@pytest.mark.parametrize("raw", ["1101051949123100", "11010519491231002X1"])
def test_wrong_length_is_refused_with_bad_length(raw):
    assert error_code(raw) == "bad_length"


@pytest.mark.parametrize("raw", ["1101051949123100XX", "11010519491231-02X", "1101051949123１0A2X"])
def test_letters_or_punctuation_are_refused_with_bad_characters(raw):
    assert error_code(raw) == "bad_characters"


@pytest.mark.parametrize("region", ["000000", "160000", "390101", "700000", "720000"])
def test_unknown_province_is_refused_with_bad_region(region):
    raw = make_resident_id(date(1990, 1, 1), Sex.MALE, region=region)
    assert error_code(raw) == "bad_region"


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000", "911840"])
def test_permit_or_foreign_number_typed_as_resident_id_is_wrong_type_prefix(prefix):
    raw = make_gb11643_number(prefix, date(1990, 1, 1), Sex.MALE)
    assert error_code(raw, IdType.RESIDENT_ID) == "wrong_type_prefix"


@pytest.mark.parametrize("digits", ["19900230", "19901301", "19900000"])
def test_impossible_birth_date_is_refused_with_bad_birth_date(digits):
    assert error_code(with_check(f"370102{digits}001")) == "bad_birth_date"


def test_birth_date_after_today_is_refused():
    tomorrow = make_resident_id(date(2025, 6, 2), Sex.FEMALE)
    with pytest.raises(EcertError, match="in the future") as caught:
        parse(tomorrow)
    assert caught.value.code == "bad_birth_date"


def test_birth_date_of_today_is_accepted():
    assert parse(make_resident_id(TODAY, Sex.FEMALE)).birth_date == TODAY


def test_wrong_check_character_names_the_expected_one():
    good = make_resident_id(date(1977, 11, 3), Sex.MALE)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(EcertError) as caught:
        parse(wrong)
    assert caught.value.code == "bad_checksum"
    assert caught.value.zh == f"证件号码校验位错误，应为 {good[17]}"
    english = f"ID number check character is wrong; expected {good[17]}"
    assert str(caught.value) == f"证件号码校验位错误，应为 {good[17]} / {english}"


# Residence permits for Hong Kong, Macao and Taiwan residents


@pytest.mark.parametrize(
    ("prefix", "id_type"),
    [
        ("810000", IdType.HK_MACAO_RESIDENCE_PERMIT),
        ("820000", IdType.HK_MACAO_RESIDENCE_PERMIT),
        ("830000", IdType.TAIWAN_RESIDENCE_PERMIT),
    ],
)
def test_residence_permit_gives_birth_date_and_sex(prefix, id_type):
    raw = make_gb11643_number(prefix, date(1992, 3, 14), Sex.FEMALE, seq=3)
    assert parse(raw.lower(), id_type) == IdNumber(id_type, raw, date(1992, 3, 14), Sex.FEMALE)


@pytest.mark.parametrize(
    ("prefix", "id_type"),
    [
        ("830000", IdType.HK_MACAO_RESIDENCE_PERMIT),
        ("370102", IdType.HK_MACAO_RESIDENCE_PERMIT),
        ("810000", IdType.TAIWAN_RESIDENCE_PERMIT),
        ("810001", IdType.HK_MACAO_RESIDENCE_PERMIT),
    ],
)
def test_permit_with_another_prefix_is_wrong_type_prefix(prefix, id_type):
    raw = make_gb11643_number(prefix, date(1992, 3, 14), Sex.MALE)
    assert error_code(raw, id_type) == "wrong_type_prefix"


def test_permit_has_no_15_digit_form():
    assert error_code("810000920314001", IdType.HK_MACAO_RESIDENCE_PERMIT) == "bad_length"


# Foreign permanent resident ID card


def test_2023_foreign_card_gives_birth_date_but_not_sex():
    raw = make_gb11643_number("911840", date(1970, 5, 6), Sex.MALE)
    number = parse(raw, IdType.FOREIGN_PERMANENT_RESIDENCE)
    assert (number.value, number.birth_date, number.sex) == (raw, date(1970, 5, 6), None)


def test_2023_foreign_card_must_start_with_9():
    raw = make_gb11643_number("811840", date(1970, 5, 6))
    assert error_code(raw, IdType.FOREIGN_PERMANENT_RESIDENCE) == "wrong_type_prefix"


def test_2023_foreign_card_checks_its_check_character():
    raw = make_gb11643_number("911840", date(1970, 5, 6))
    wrong = raw[:17] + ("1" if raw[17] != "1" else "2")
    assert error_code(wrong, IdType.FOREIGN_PERMANENT_RESIDENCE) == "bad_checksum"


@pytest.mark.parametrize(
    ("raw", "born"),
    [
        ("usa 3100 851103 01", date(1985, 11, 3)),
        ("GBR1100000229 12", date(2000, 2, 29)),
        ("DEU1100250601 00", date(2025, 6, 1)),
        ("DEU1100250602 00", date(1925, 6, 2)),
    ],
)
def test_2017_foreign_card_reads_the_latest_possible_birth_date(raw, born):
    number = parse(raw, IdType.FOREIGN_PERMANENT_RESIDENCE)
    assert (number.value, number.birth_date, number.sex) == (
        raw.upper().replace(" ", ""),
        born,
        None,
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("US13100851103012", "bad_length"),
        ("US1310085110301", "bad_characters"),
        ("USA310085130301", "bad_birth_date"),
        ("ÜSA310085110301", "bad_characters"),
    ],
)
def test_2017_foreign_card_errors(raw, code):
    assert error_code(raw, IdType.FOREIGN_PERMANENT_RESIDENCE) == code


# Passport


def test_passport_is_trimmed_joined_and_upper_cased():
    number = parse("  e12 345 678 ", IdType.PASSPORT)
    assert (number.value, number.birth_date, number.sex) == ("E12345678", None, None)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("A" * 21, "bad_length"), ("E1234-5678", "bad_characters"), ("Ä1234", "bad_characters")],
)
def test_passport_errors(raw, code):
    assert error_code(raw, IdType.PASSPORT) == code


def test_type_may_be_given_as_its_stored_string():
    assert parse("e12345678", "passport").type is IdType.PASSPORT  # type: ignore[arg-type]


def test_passport_of_20_characters_is_accepted():
    assert parse("A" * 20, IdType.PASSPORT).value == "A" * 20


# Detection, labels, masking


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (make_resident_id(date(1990, 1, 1), Sex.MALE), IdType.RESIDENT_ID),
        ("370102900101001", IdType.RESIDENT_ID),
        (make_gb11643_number("810000", date(1990, 1, 1)), IdType.HK_MACAO_RESIDENCE_PERMIT),
        (make_gb11643_number("820000", date(1990, 1, 1)), IdType.HK_MACAO_RESIDENCE_PERMIT),
        (make_gb11643_number("830000", date(1990, 1, 1)), IdType.TAIWAN_RESIDENCE_PERMIT),
        (make_gb11643_number("911840", date(1990, 1, 1)), IdType.FOREIGN_PERMANENT_RESIDENCE),
        ("usa310085110301", IdType.FOREIGN_PERMANENT_RESIDENCE),
        ("E12345678", None),
        ("", None),
    ],
)
def test_detect_id_type(raw, expected):
    assert detect_id_type(raw) == expected


def test_every_type_and_sex_has_a_chinese_and_english_label():
    assert set(ID_TYPE_LABELS) == set(IdType)
    assert ID_TYPE_LABELS[IdType.RESIDENT_ID].zh == "居民身份证"
    assert ID_TYPE_LABELS[IdType.FOREIGN_PERMANENT_RESIDENCE].zh == "外国人永久居留身份证"
    assert SEX_LABELS[Sex.MALE].zh == "男"
    assert SEX_LABELS[Sex.FEMALE].zh == "女"
    assert all(label.zh and label.en for label in [*ID_TYPE_LABELS.values(), *SEX_LABELS.values()])


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "1101**********002X"),
        ("USA310085110301", "USA*********301"),
        ("E12345678", "E1*****78"),
        ("12345678", "1******8"),
        ("ABC", "A*C"),
        ("AB", "**"),
        ("A", "*"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


def test_str_and_repr_show_only_the_masked_number():
    number = parse("11010519491231002X")
    assert str(number) == "1101**********002X"
    assert "11010519491231002X" not in repr(number)
    assert "1101**********002X" in repr(number)


# Properties

DIGIT_CHARACTERS = "0123456789"


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest_of_region = draw(st.text(DIGIT_CHARACTERS, min_size=4, max_size=4))
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    order = draw(st.integers(0, 999))
    return with_check(f"{province}{rest_of_region}{birth:%Y%m%d}{order:03d}")


@given(resident_ids(), st.booleans(), st.booleans())
def test_any_valid_resident_id_parses_and_round_trips(value, lower, wide):
    raw = value.lower() if lower else value
    raw = raw.translate(FULL_WIDTH) if wide else raw
    number = parse(raw)
    assert number.value == value
    assert parse(number.value) == number
    assert number.birth_date is not None
    assert f"{number.birth_date:%Y%m%d}" == value[6:14]
    assert number.sex == (Sex.MALE if int(value[16]) % 2 else Sex.FEMALE)


@given(resident_ids(), st.integers(0, 17), st.sampled_from([*DIGIT_CHARACTERS, "X"]))
def test_checksum_detects_every_single_character_substitution(value, position, replacement):
    if replacement == value[position] or (replacement == "X" and position < 17):
        return
    changed = value[:position] + replacement + value[position + 1 :]
    assert gb11643_check_character(changed[:17]) != changed[17]
    with pytest.raises(EcertError):
        parse(changed)


@given(resident_ids(), st.integers(0, 17), st.sampled_from(list(IdType)))
def test_error_messages_never_contain_the_number(value, position, id_type):
    digit = value[position]
    replacement = "0" if digit == "X" else str((int(digit) + 1) % 10)
    changed = value[:position] + replacement + value[position + 1 :]
    for raw in (changed, changed[:-1], changed + "1", changed[:6] + changed[8:17]):
        try:
            parse(raw, id_type)
        except EcertError as error:
            for shown in (str(error), error.zh, error.en, repr(error)):
                assert raw not in shown
                assert value not in shown


ERROR_CODES = {
    "empty",
    "bad_length",
    "bad_characters",
    "bad_region",
    "bad_birth_date",
    "bad_checksum",
    "wrong_type_prefix",
}


ID_LIKE_TEXT = st.text(st.sampled_from([*"0123456789Xx Aa9-*", "０", "９", "Ｘ", "\u3000"]))


@given(st.one_of(st.text(), ID_LIKE_TEXT), st.sampled_from(list(IdType)))
def test_parse_raises_only_id_number_error_on_arbitrary_text(raw, id_type):
    try:
        number = parse(raw, id_type)
    except EcertError as error:
        code = error.code
    else:
        code = "accepted"
        assert number.type is id_type
        assert parse(number.value, id_type) == number
    assert code in {*ERROR_CODES, "accepted"}
    detect_id_type(raw)


@given(st.text(max_size=40))
def test_mask_shows_at_most_both_ends_and_never_more_than_half_of_a_long_value(value):
    masked = mask_id_number(value)
    n = len(value)
    shapes = {k: value[:k] + "*" * (n - 2 * k) + value[n - k :] for k in range(1, 5) if 2 * k < n}
    keep = next((k for k, shape in shapes.items() if shape == masked), 0)
    assert masked == (shapes[keep] if keep else "*" * n)
    assert 2 * keep <= max(2, n // 2)
