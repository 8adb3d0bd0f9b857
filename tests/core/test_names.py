"""Personal names as printed on certificates: normalising, refusing, masking (pure Python)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.identity.names import MAX_NAME_LENGTH, mask_name, normalise_name

# CJK Unified Ideographs and Extension B, as assigned in every Unicode version Python 3.11 knows.
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FEF) | st.characters(
    min_codepoint=0x20000, max_codepoint=0x2A6D6
)


def refusal(raw: str) -> str:
    with pytest.raises(EcertError) as caught:
        normalise_name(raw)
    return str(caught.value)


def assert_bilingual(message: str) -> None:
    chinese, english = message.split(" / ")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert english.isascii()
    assert any(ch.isalpha() for ch in english)


@pytest.mark.parametrize("name", ["孙𠮷", "张堃", "李喆", "𠮷", "王赟"])
def test_rare_characters_in_names_are_kept(name: str) -> None:
    assert normalise_name(name) == name


def test_a_name_outside_the_basic_plane_counts_as_one_character_per_ideograph() -> None:
    assert normalise_name("𠮷" * MAX_NAME_LENGTH) == "𠮷" * MAX_NAME_LENGTH


def test_full_width_latin_letters_are_folded_to_half_width() -> None:
    assert normalise_name("ＪＯＨＮ Ｓｍｉｔｈ") == "JOHN Smith"


def test_ideographic_space_becomes_an_ordinary_space() -> None:
    assert normalise_name("欧阳\u3000娜娜") == "欧阳 娜娜"


def test_runs_of_spaces_collapse_and_ends_are_trimmed() -> None:
    assert normalise_name("  Maria \u3000  Garcia\t ") == "Maria Garcia"


def test_decomposed_accents_are_composed() -> None:
    assert normalise_name("Jose\u0301") == "José"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000\u3000", "\t\n"])
def test_an_empty_name_is_refused_in_chinese_and_english(raw: str) -> None:
    message = refusal(raw)
    assert message == "姓名为空 / the name is empty"
    assert_bilingual(message)


@pytest.mark.parametrize(
    "raw",
    [
        "张\x00三",  # NUL
        "张\x7f三",  # DEL
        "张\u200b三",  # zero-width space (format)
        "张\u202e三",  # right-to-left override (format)
        "张\ue000三",  # private use
        "张\u0378三",  # unassigned
    ],
)
def test_control_format_private_or_unassigned_characters_are_refused(raw: str) -> None:
    message = refusal(raw)
    assert "控制字符" in message
    assert "control or unassigned characters" in message
    assert_bilingual(message)


def test_a_name_of_the_maximum_length_is_accepted() -> None:
    assert len(normalise_name("张" * MAX_NAME_LENGTH)) == MAX_NAME_LENGTH


def test_a_name_one_character_too_long_is_refused_with_the_limit() -> None:
    message = refusal("张" * (MAX_NAME_LENGTH + 1))
    assert f"超过 {MAX_NAME_LENGTH} 个字符" in message
    assert f"longer than {MAX_NAME_LENGTH} characters" in message
    assert_bilingual(message)


def test_length_is_counted_after_spaces_collapse() -> None:
    padded = "  " + "张" * MAX_NAME_LENGTH + "      "
    assert normalise_name(padded) == "张" * MAX_NAME_LENGTH


@given(st.text(CJK, min_size=1, max_size=MAX_NAME_LENGTH))
def test_any_chinese_name_is_kept_exactly(name: str) -> None:
    assert normalise_name(name) == name


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(raw: str) -> None:
    try:
        once = normalise_name(raw)
    except EcertError:
        return
    assert normalise_name(once) == once


@given(st.text(max_size=60))
def test_an_accepted_name_has_no_stray_spaces(raw: str) -> None:
    try:
        name = normalise_name(raw)
    except EcertError:
        return
    assert name == name.strip()
    assert "  " not in name
    assert "\u3000" not in name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("孙𠮷", "孙*"),
        ("𠮷堃", "𠮷*"),
        ("John Smith", "J*********"),
    ],
)
def test_mask_keeps_the_surname_character_and_hides_the_rest(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize("name", ["", "张"])
def test_mask_leaves_names_of_one_character_or_fewer_as_they_are(name: str) -> None:
    assert mask_name(name) == name


@given(st.text(CJK, min_size=2, max_size=MAX_NAME_LENGTH))
def test_mask_hides_every_character_but_the_first(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert set(masked[1:]) == {"*"}
