"""GB/T 36904 licence identifiers and the ISO/IEC 7064 MOD 37,36 check character (pure Python)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.identifiers import (
    ISO7064_ALPHABET,
    PREFIX,
    IdentifierSeries,
    LicenceIdentifier,
    format_serial,
    iso7064_mod37_36_check,
    iso7064_mod37_36_is_valid,
    issuer_code_is_credit_code,
    parse_identifier,
)

# Made-up codes with correct GB 32100 check characters (a type-defining department and an issuer).
TYPE_CODE = "11100000MB0000001T001"
ISSUER_CODE = "11370000MB00000028"
EXAMPLE = "1.2.156.3005.2.11100000MB0000001T001.11370000MB00000028.00000042.1.6"

codes = st.text(alphabet=ISO7064_ALPHABET, min_size=1, max_size=32)
serials = st.text(alphabet="0123456789", min_size=1, max_size=20)
versions = st.text(alphabet="0123456789", min_size=1, max_size=4)
ERROR_CODES = {
    "bad_prefix",
    "bad_shape",
    "bad_type",
    "bad_issuer",
    "bad_serial",
    "bad_version",
    "bad_check",
}
identifiers = st.builds(LicenceIdentifier, codes, codes, serials, versions)


def value(character: str) -> int:
    return ISO7064_ALPHABET.index(character)


def hybrid_residue(text: str) -> int:
    """ISO/IEC 7064 §"hybrid system" with M = 36, written out from its definition.

    P₀ = M; for each character aⱼ, left to right: Sⱼ = Pⱼ₋₁ + aⱼ, and unless it is the last
    character, Pⱼ = (Sⱼ mod M, with 0 read as M) × 2 mod (M + 1). A string carrying its check
    character is valid when the last Sⱼ mod M is 1; this returns that last Sⱼ mod M.
    """
    p = 36
    residue = 0
    for character in text:
        s = p + value(character)
        residue = s % 36
        p = (residue if residue else 36) * 2 % 37
    return residue


def error_code(text: str) -> str:
    with pytest.raises(EcertError) as caught:
        parse_identifier(text)
    return caught.value.code


def assert_parses_exactly_or_refuses(text: str) -> None:
    """Either ``text`` is an identifier exactly as we write it, or EcertError says why."""
    try:
        identifier = parse_identifier(text)
    except EcertError as error:
        code = error.code
    else:
        assert identifier.text == text
        return
    assert code in ERROR_CODES


# The MOD 37,36 check character


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("A12425GABC1234002", "M"),
        ("123AB", "X"),
        ("DADPIDA3897722461", "J"),
    ],
)
def test_check_character_matches_published_mod37_36_examples(text: str, check: str) -> None:
    """A1-2425G-ABC1234002-M is the GRid (Global Release Identifier) standard's own example;
    the others are from Lobster's ISO 7064 Mod. 37/36 function reference."""
    assert iso7064_mod37_36_check(text) == check


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("0", "2"),
        ("J", "0"),
        ("123AB", "X"),
    ],
)
def test_check_character_matches_hand_worked_examples(text: str, check: str) -> None:
    """Worked by hand: P starts at 36; S = P + a; P' = (S mod 36, 0 read as 36) × 2 mod 37;
    the check value is (37 − P) mod 36.

    "0": S = 36 + 0 = 36, 36 mod 36 = 0 → 36, P = 72 mod 37 = 35; check (37 − 35) mod 36 = 2 → "2".
    "J" (19): S = 36 + 19 = 55, 55 mod 36 = 19, P = 38 mod 37 = 1; check (37 − 1) mod 36 = 0 → "0".
    "123AB": "1": S = 37 → 1, P = 2; "2": S = 4, P = 8; "3": S = 11, P = 22;
    "A" (10): S = 32, P = 64 mod 37 = 27; "B" (11): S = 38 → 2, P = 4;
    check (37 − 4) mod 36 = 33 → "X".
    """
    assert iso7064_mod37_36_check(text) == check
    assert iso7064_mod37_36_is_valid(text + check)


def test_check_of_the_empty_string_is_1() -> None:
    assert iso7064_mod37_36_check("") == "1"
    assert not iso7064_mod37_36_is_valid("")


@pytest.mark.parametrize("text", ["abc", "A-B", "Ａ", "1 2", "A.B"])
def test_check_refuses_characters_outside_0_9_a_z(text: str) -> None:
    with pytest.raises(ValueError, match="0-9 and A-Z"):
        iso7064_mod37_36_check(text)
    assert not iso7064_mod37_36_is_valid(text)


@given(st.text(alphabet=ISO7064_ALPHABET, max_size=60))
def test_appending_the_check_character_satisfies_the_hybrid_validation(text: str) -> None:
    check = iso7064_mod37_36_check(text)
    assert hybrid_residue(text + check) == 1
    assert iso7064_mod37_36_is_valid(text + check)


@given(st.text(alphabet=ISO7064_ALPHABET, max_size=60))
def test_exactly_one_character_completes_any_string(text: str) -> None:
    completions = [c for c in ISO7064_ALPHABET if iso7064_mod37_36_is_valid(text + c)]
    assert completions == [iso7064_mod37_36_check(text)]


@given(
    text=st.text(alphabet=ISO7064_ALPHABET, max_size=60),
    data=st.data(),
)
def test_every_single_substitution_is_detected(text: str, data: st.DataObject) -> None:
    full = text + iso7064_mod37_36_check(text)
    position = data.draw(st.integers(min_value=0, max_value=len(full) - 1))
    replacement = data.draw(st.sampled_from(ISO7064_ALPHABET).filter(lambda c: c != full[position]))
    assert not iso7064_mod37_36_is_valid(full[:position] + replacement + full[position + 1 :])


@given(
    text=st.text(alphabet=ISO7064_ALPHABET, min_size=1, max_size=60),
    data=st.data(),
)
def test_adjacent_transpositions_are_detected_unless_the_values_differ_by_one(
    text: str, data: st.DataObject
) -> None:
    """The hybrid system does not catch every adjacent transposition: swapping a and b goes
    unnoticed exactly when (P + a) mod 36 and (P + b) mod 36 are 18 and 19 for the running P
    (inside the body), or when P = 18 and the pair is 0 and the check character 1 (or 1 and 0).
    Both need a and b to differ by one modulo 36; every other transposition is caught."""
    full = text + iso7064_mod37_36_check(text)
    position = data.draw(st.integers(min_value=0, max_value=len(full) - 2))
    a, b = full[position], full[position + 1]
    assume(a != b)
    swapped = full[:position] + b + a + full[position + 2 :]
    if (value(a) - value(b)) % 36 not in (1, 35):
        assert not iso7064_mod37_36_is_valid(swapped)


def test_undetected_transpositions_are_exactly_one_pair_per_state() -> None:
    """Every running state P (1..36) follows some one-character prefix, and what follows a
    transposition maps states one to one, so prefixes of length one cover every case."""
    body_misses: dict[str, list[tuple[str, str]]] = {}
    check_misses = []
    for prefix in ISO7064_ALPHABET:
        for a in ISO7064_ALPHABET:
            for b in ISO7064_ALPHABET:
                if a != b:
                    check = iso7064_mod37_36_check(prefix + a + b)
                    if iso7064_mod37_36_is_valid(prefix + b + a + check):
                        body_misses.setdefault(prefix, []).append((a, b))
            check = iso7064_mod37_36_check(prefix + a)
            if check != a and iso7064_mod37_36_is_valid(prefix + check + a):
                check_misses.append((prefix, a, check))
    assert len(body_misses) == 36
    for pairs in body_misses.values():
        assert len(pairs) == 2
        (a, b), (c, d) = pairs
        assert (c, d) == (b, a)
        assert (value(a) - value(b)) % 36 in (1, 35)
    assert len(check_misses) == 2
    assert {(a, check) for _, a, check in check_misses} == {("0", "1"), ("1", "0")}
    assert len({prefix for prefix, _, _ in check_misses}) == 1


# Building identifiers


def test_worked_example_from_the_docs() -> None:
    identifier = LicenceIdentifier(TYPE_CODE, ISSUER_CODE, "00000042", "1")
    assert identifier.text == EXAMPLE
    assert str(identifier) == EXAMPLE
    assert identifier.check == "6"
    assert (
        iso7064_mod37_36_check("1215630052" + TYPE_CODE + ISSUER_CODE + "00000042" + "1")
        == identifier.check
    )


def test_build_zero_pads_serial_and_version() -> None:
    identifier = LicenceIdentifier.build(
        type_code=TYPE_CODE,
        issuer_code=ISSUER_CODE,
        serial=42,
        serial_width=8,
        version=1,
    )
    assert identifier == LicenceIdentifier(TYPE_CODE, ISSUER_CODE, "00000042", "1")
    padded = LicenceIdentifier.build(
        type_code=TYPE_CODE,
        issuer_code=ISSUER_CODE,
        serial=7,
        serial_width=3,
        version=2,
        version_width=3,
    )
    assert padded.text.split(".")[-3:-1] == ["007", "002"]


def test_format_serial_keeps_the_width() -> None:
    assert format_serial(0, 1) == "0"
    assert format_serial(42, 8) == "00000042"
    assert format_serial(10**20 - 1, 20) == "9" * 20


@pytest.mark.parametrize(("number", "width"), [(-1, 5), (100, 2), (10**20, 20)])
def test_format_serial_refuses_a_number_that_does_not_fit(number: int, width: int) -> None:
    with pytest.raises(EcertError) as caught:
        format_serial(number, width)
    assert caught.value.code == "bad_serial"


@pytest.mark.parametrize("width", [0, 21])
def test_format_serial_refuses_a_width_outside_1_to_20(width: int) -> None:
    with pytest.raises(ValueError, match="width"):
        format_serial(1, width)


def test_build_refuses_a_version_longer_than_4_digits() -> None:
    with pytest.raises(EcertError) as caught:
        LicenceIdentifier.build(
            type_code=TYPE_CODE, issuer_code=ISSUER_CODE, serial=1, serial_width=1, version=10000
        )
    assert caught.value.code == "bad_version"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (("", ISSUER_CODE, "1", "1"), "bad_type"),
        (("A" * 33, ISSUER_CODE, "1", "1"), "bad_type"),
        (("abc", ISSUER_CODE, "1", "1"), "bad_type"),
        ((TYPE_CODE, "", "1", "1"), "bad_issuer"),
        ((TYPE_CODE, "9135-0100", "1", "1"), "bad_issuer"),
        ((TYPE_CODE, ISSUER_CODE, "", "1"), "bad_serial"),
        ((TYPE_CODE, ISSUER_CODE, "1" * 21, "1"), "bad_serial"),
        ((TYPE_CODE, ISSUER_CODE, "12A", "1"), "bad_serial"),
        ((TYPE_CODE, ISSUER_CODE, "1", ""), "bad_version"),
        ((TYPE_CODE, ISSUER_CODE, "1", "12345"), "bad_version"),
        ((TYPE_CODE, ISSUER_CODE, "1", "１"), "bad_version"),
    ],
)
def test_constructor_refuses_a_bad_part(fields: tuple[str, str, str, str], code: str) -> None:
    with pytest.raises(EcertError) as caught:
        LicenceIdentifier(*fields)
    assert caught.value.code == code


def test_issuer_credit_code_helper_uses_gb32100() -> None:
    assert issuer_code_is_credit_code(ISSUER_CODE)
    assert LicenceIdentifier(TYPE_CODE, ISSUER_CODE, "1", "1").issuer_is_credit_code
    assert not issuer_code_is_credit_code("11370000MB00000029")
    assert not LicenceIdentifier(TYPE_CODE, "ABC", "1", "1").issuer_is_credit_code


# Parsing


def test_parse_reads_the_worked_example() -> None:
    assert parse_identifier(EXAMPLE) == LicenceIdentifier(TYPE_CODE, ISSUER_CODE, "00000042", "1")


@given(identifiers)
def test_parse_round_trips_every_built_identifier(identifier: LicenceIdentifier) -> None:
    assert parse_identifier(identifier.text) == identifier
    assert identifier.text.startswith(PREFIX + ".")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "bad_prefix"),
        ("1.2.156.3005", "bad_prefix"),
        ("1.2.156.3005.1." + EXAMPLE[15:], "bad_prefix"),
        ("urn:" + EXAMPLE, "bad_prefix"),
        (" " + EXAMPLE, "bad_prefix"),
        ("1.2.156.3005.2", "bad_shape"),
        ("1.2.156.3005.2.", "bad_shape"),
        (EXAMPLE + ".6", "bad_shape"),
        (EXAMPLE.rsplit(".", 1)[0], "bad_shape"),
        (EXAMPLE.replace(".00000042.", ".00.000042."), "bad_shape"),
        (EXAMPLE.replace(TYPE_CODE, TYPE_CODE.lower()), "bad_type"),
        (EXAMPLE.replace(TYPE_CODE, ""), "bad_type"),
        (EXAMPLE.replace(ISSUER_CODE, "11370000-MB0000002"), "bad_issuer"),
        (EXAMPLE.replace(".00000042.", ".0000004x."), "bad_serial"),
        (EXAMPLE.replace(".00000042.", "." + "1" * 21 + "."), "bad_serial"),
        (EXAMPLE.replace(".1.6", ".12345.6"), "bad_version"),
        (EXAMPLE.replace(".1.6", ". 1.6"), "bad_version"),
        (EXAMPLE[:-1] + "7", "bad_check"),
        (EXAMPLE[:-1] + "66", "bad_check"),
        (EXAMPLE[:-1], "bad_check"),
        (EXAMPLE + " ", "bad_check"),
        (EXAMPLE.replace(".00000042.", ".00000043."), "bad_check"),
        (EXAMPLE.replace(".00000042.", ".0000042."), "bad_check"),
    ],
)
def test_parse_names_what_is_wrong(text: str, code: str) -> None:
    assert error_code(text) == code


def test_wrong_check_message_gives_the_expected_character_in_both_languages() -> None:
    with pytest.raises(EcertError) as caught:
        parse_identifier(EXAMPLE[:-1] + "7")
    error = caught.value
    assert "6" in error.zh
    assert "6" in error.en
    assert str(error) == f"{error.zh} / {error.en}"
    assert isinstance(error, ValueError)


@given(identifiers, st.data())
def test_any_single_character_change_of_an_identifier_is_rejected(
    identifier: LicenceIdentifier, data: st.DataObject
) -> None:
    text = identifier.text
    position = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    replacement = data.draw(
        st.sampled_from(ISO7064_ALPHABET + ".").filter(lambda c: c != text[position])
    )
    with pytest.raises(EcertError):
        parse_identifier(text[:position] + replacement + text[position + 1 :])


@given(st.text())
def test_parse_of_arbitrary_text_raises_only_identifier_error(text: str) -> None:
    assert_parses_exactly_or_refuses(text)


@given(identifiers, st.data())
def test_parse_of_mangled_identifiers_raises_only_identifier_error(
    identifier: LicenceIdentifier, data: st.DataObject
) -> None:
    text = identifier.text
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    end = data.draw(st.integers(min_value=start, max_value=len(text)))
    insert = data.draw(st.text(max_size=5))
    assert_parses_exactly_or_refuses(text[:start] + insert + text[end:])


@given(
    st.from_regex(r"[0-9A-Z]{1,32}", fullmatch=True),
    st.from_regex(r"[0-9A-Z]{1,32}", fullmatch=True),
    st.integers(min_value=0, max_value=10**12 - 1),
    st.integers(min_value=1, max_value=9999),
)
def test_a_series_gives_the_identifiers_that_build_gives(
    type_code: str, issuer_code: str, serial: int, version: int
) -> None:
    series = IdentifierSeries(type_code, issuer_code, serial_width=12)
    built = LicenceIdentifier.build(
        type_code=type_code,
        issuer_code=issuer_code,
        serial=serial,
        serial_width=12,
        version=version,
        version_width=len(str(version)),
    )
    assert series.text(serial, version) == built.text
    assert parse_identifier(series.text(serial, version)) == built
