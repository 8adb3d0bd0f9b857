"""Canonical claims v1: one encoding per credential, and strict reading of what strangers send."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import date
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.cbor import deterministic_dumps
from ecert.core.formats.claims import (
    STATUS_LIST_SIZE,
    Claims,
    IdTypeCode,
    KindCode,
    SexCode,
    claims_from_cbor,
)
from ecert.core.identity.idnumbers import Sex
from tests.core.idgen import make_resident_id

RESIDENT_ID = make_resident_id(date(1988, 5, 17), Sex.FEMALE)  # 17th digit even: a woman
MALE_RESIDENT_ID = make_resident_id(date(1971, 12, 3), Sex.MALE, region="410102", seq=42)
COMMON: dict[str, Any] = {
    "public_id": "7QK3M9X2C4VTH8RA",
    "issuer": 9,
    "signed_at": 1_732_406_400,
    "status_index": 131_075,
    "holder_name": "张𠮷堃",
    "id_type": IdTypeCode.RESIDENT,
    "id_number": RESIDENT_ID,
    "approval_date": date(2024, 10, 31),
    "number": "2024037370000012345",
    "issue_date": date(2024, 11, 24),
}
BY_KIND: dict[KindCode, dict[str, Any]] = {
    KindCode.NATIONAL_CERTIFICATE: {"qualification": 3, "level": "一级", "specialty": "建筑工程"},
    KindCode.PROVINCIAL_CERTIFICATE: {"qualification": 41, "level": "中级"},
    KindCode.EXAM_PROOF: {"qualification": 3, "level": "二级", "exam_year": 2024},
    KindCode.TITLE_CERTIFICATE: {
        "title": "高级教师",
        "series": "中小学教师",
        "level": "副高级",
        "grassroots": True,
        "verification_code": "K7M2Q9PX",
        "number": "鲁181402001200001",
    },
    KindCode.SCORE_PROOF: {"qualification": 12, "valid_until": date(2026, 12, 31)},
    KindCode.QUALIFICATION_PROOF: {
        "qualification": 12,
        "purpose": "仅供投标使用",
        "valid_until": date(2025, 6, 30),
        "licence_version": 2,
    },
}


def make(kind: KindCode = KindCode.EXAM_PROOF, **changes: Any) -> Claims:
    fields = {**COMMON, **BY_KIND[kind], "kind": kind, **changes}
    return Claims(**{name: value for name, value in fields.items() if value is not None})


def claims_map(**changes: Any) -> dict[int, Any]:
    """The CBOR map of the default exam proof, with entries replaced (None removes one)."""
    item: dict[int, Any] = cbor2.loads(make().to_cbor())
    for key, value in changes.items():
        number = int(key.removeprefix("k"))
        if value is None:
            del item[number]
        else:
            item[number] = value
    return item


def build_error(**changes: Any) -> EcertError:
    with pytest.raises(EcertError) as caught:
        make(**changes)
    return caught.value


def read_error(data: bytes) -> EcertError:
    with pytest.raises(EcertError) as caught:
        claims_from_cbor(data)
    return caught.value


def encode_map(pairs: list[tuple[bytes, bytes]]) -> bytes:
    """A CBOR map written by hand from already encoded keys and values (fewer than 24 pairs)."""
    return bytes([0xA0 + len(pairs)]) + b"".join(key + value for key, value in pairs)


def encoded_pairs(item: dict[int, Any]) -> list[tuple[bytes, bytes]]:
    return [(cbor2.dumps(key), cbor2.dumps(value)) for key, value in sorted(item.items())]


# Round trips


@pytest.mark.parametrize("kind", list(KindCode), ids=lambda k: k.name)
def test_every_kind_round_trips_through_cbor(kind):
    claims = make(kind)
    assert claims_from_cbor(claims.to_cbor()) == claims


def test_same_claims_always_give_the_same_bytes():
    assert make().to_cbor() == make().to_cbor()
    assert make().to_cbor() == deterministic_dumps(cbor2.loads(make().to_cbor()))


@pytest.mark.parametrize(
    "name", ["张堃", "李喆", "王赟", "赵昇", "孙𠮷", "阿卜杜热合曼·买买提艾力"]
)
def test_names_with_rare_characters_round_trip(name):
    claims = make(holder_name=name)
    assert claims_from_cbor(claims.to_cbor()).holder_name == name


def test_text_travels_as_gb18030_bytes():
    claims = make(holder_name="孙𠮷堃", specialty="建筑工程")
    item = cbor2.loads(claims.to_cbor())
    assert item[6] == "孙𠮷堃".encode("gb18030")
    assert item[6] == bytes.fromhex("cbef9534b23588d2")  # 𠮷 takes four bytes
    assert item[13] == bytes.fromhex("bda8d6feb9a4b3cc")  # 建筑工程, two bytes each
    assert len(item[13]) < len("建筑工程".encode())


# NFC


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Jose\u0301", "José"),  # e + combining acute
        ("\u1100\u1161", "\uac00"),  # Hangul jamo ᄀ + ᅡ → 가
        ("\uf900", "\u8c48"),  # CJK compatibility ideograph 豈 → its unified twin
    ],
    ids=["combining-accent", "hangul-jamo", "cjk-compatibility"],
)
def test_text_is_nfc_normalised_when_claims_are_built(typed, stored):
    claims = make(holder_name=typed, specialty=typed)
    assert (claims.holder_name, claims.specialty) == (stored, stored)
    assert claims_from_cbor(claims.to_cbor()).holder_name == stored


def test_surrounding_white_space_is_removed_when_claims_are_built():
    assert make(holder_name=" 张三\u3000").holder_name == "张三"


@pytest.mark.parametrize(
    "text", ["建筑\u3000工程", "建筑\u00a0工程", "Ana\u2003Lima"], ids=["ideographic", "nbsp", "em"]
)
def test_text_with_a_wide_or_no_break_space_inside_round_trips(text):
    claims = make(specialty=text)
    assert claims_from_cbor(claims.to_cbor()) == claims


@pytest.mark.parametrize("text", [" 张三", "张三\u3000", "\u00a0张三"])
def test_text_with_surrounding_space_is_refused_when_read_as_not_canonical(text):
    error = read_error(deterministic_dumps(claims_map(k6=text.encode("gb18030"))))
    assert error.code == "not_canonical"


def test_blank_text_is_refused_when_read():
    error = read_error(deterministic_dumps(claims_map(k6=" ".encode("gb18030"))))
    assert (error.code, error.field) == ("empty", "holder_name")


def test_resident_id_number_written_as_text_is_refused_when_read_as_not_canonical():
    as_text = claims_map(k8=COMMON["id_number"].encode("ascii"))
    assert read_error(deterministic_dumps(as_text)).code == "not_canonical"


@pytest.mark.parametrize("text", ["Jose\u0301", "\u1100\u1161", "\uf900"])
def test_text_that_is_not_nfc_is_refused_when_read(text):
    error = read_error(deterministic_dumps(claims_map(k6=text.encode("gb18030"))))
    assert (error.code, error.field) == ("not_nfc", "holder_name")


# Identity documents


def test_resident_id_number_travels_as_an_integer_without_its_check_character():
    item = cbor2.loads(make(id_number=MALE_RESIDENT_ID).to_cbor())
    assert item[8] == int(MALE_RESIDENT_ID[:17])


def test_check_character_is_recomputed_when_read():
    claims = claims_from_cbor(deterministic_dumps(claims_map(k8=11010519491231002)))
    assert claims.id_number == "11010519491231002X"


def test_resident_id_number_too_large_for_17_digits_is_refused_when_read():
    error = read_error(deterministic_dumps(claims_map(k8=10**17)))
    assert (error.code, error.field) == ("bad_id_number", "id_number")


def test_resident_id_with_a_wrong_check_character_is_refused_at_build():
    wrong = RESIDENT_ID[:17] + ("0" if RESIDENT_ID[17] != "0" else "1")
    error = build_error(id_number=wrong)
    assert (error.code, error.field) == ("bad_id_number", "id_number")


@pytest.mark.parametrize(
    "number", ["11010519491231002", "1101051949123100 X", "ABCDEFGHIJKLMNOPQR"]
)
def test_malformed_resident_id_is_refused_at_build(number):
    assert build_error(id_number=number).code == "bad_id_number"


@pytest.mark.parametrize(
    "extra", [{"sex": SexCode.FEMALE}, {"birth_month": (1988, 5)}], ids=["sex", "birth_month"]
)
def test_sex_or_birth_month_with_a_resident_id_is_refused_as_derivable(extra):
    assert build_error(**extra).code == "derivable"


def test_sex_and_birth_month_are_derived_from_a_resident_id():
    woman = make()
    man = make(id_number=MALE_RESIDENT_ID)
    assert (woman.holder_sex, woman.holder_birth_month) == (SexCode.FEMALE, (1988, 5))
    assert (man.holder_sex, man.holder_birth_month) == (SexCode.MALE, (1971, 12))
    assert (woman.sex, woman.birth_month) == (None, None)
    assert {9, 10}.isdisjoint(cbor2.loads(woman.to_cbor()))


def test_passport_holder_carries_sex_and_birth_month():
    claims = make(
        id_type=IdTypeCode.PASSPORT, id_number="E12345678", sex=SexCode.MALE, birth_month=(1980, 5)
    )
    item = cbor2.loads(claims.to_cbor())
    assert (item[7], item[8], item[9], item[10]) == (5, b"E12345678", 1, 198005)
    back = claims_from_cbor(claims.to_cbor())
    assert back == claims
    assert (back.holder_sex, back.holder_birth_month) == (SexCode.MALE, (1980, 5))


def test_passport_holder_without_sex_has_none_rather_than_a_guess():
    claims = make(id_type=IdTypeCode.PASSPORT, id_number="E12345678")
    assert (claims.holder_sex, claims.holder_birth_month) == (None, None)


@pytest.mark.parametrize("month", [(1899, 12), (2101, 1), (1980, 0), (1980, 13)])
def test_impossible_birth_month_is_refused(month):
    error = build_error(id_type=IdTypeCode.PASSPORT, id_number="E1", birth_month=month)
    assert (error.code, error.field) == ("out_of_range", "birth_month")


# Qualification or title


def test_both_qualification_and_title_are_refused():
    assert build_error(title="高级教师").code == "qualification_or_title"


def test_neither_qualification_nor_title_is_refused():
    assert build_error(qualification=None).code == "qualification_or_title"


# Strict reading


@pytest.mark.parametrize("key", [0, 25, 99, -1, "kind"])
def test_unknown_field_is_refused(key):
    item: dict[Any, Any] = claims_map()
    item[key] = 1
    error = read_error(cbor2.dumps(item, canonical=True))
    assert (error.code, error.field) == ("unknown_field", str(key))


@pytest.mark.parametrize(
    ("key", "name"), [(1, "kind"), (2, "public_id"), (6, "holder_name"), (17, "issue_date")]
)
def test_missing_required_field_is_refused(key, name):
    error = read_error(deterministic_dumps(claims_map(**{f"k{key}": None})))
    assert (error.code, error.field) == ("missing_field", name)


@pytest.mark.parametrize(
    ("key", "value", "name"),
    [
        (6, "张三", "holder_name"),  # text string instead of GB18030 bytes
        (1, b"\x03", "kind"),
        (3, -9, "issuer"),
        (3, True, "issuer"),
        (15, "2024-10-31", "approval_date"),
        (2, b"\x00" * 9, "public_id"),
        (18, 2024.0, "exam_year"),
        (19, 1, "grassroots"),
    ],
)
def test_value_of_the_wrong_type_is_refused(key, value, name):
    error = read_error(deterministic_dumps(claims_map(**{f"k{key}": value})))
    assert (error.code, error.field) == ("wrong_type", name)


def test_keys_out_of_order_are_refused_as_not_canonical():
    pairs = encoded_pairs(claims_map())
    pairs[0], pairs[1] = pairs[1], pairs[0]
    assert read_error(encode_map(pairs)).code == "not_canonical"


def test_integer_in_a_longer_form_than_needed_is_refused_as_not_canonical():
    pairs = encoded_pairs(claims_map())
    assert pairs[2] == (b"\x03", b"\x09")  # issuer 9
    pairs[2] = (b"\x03", b"\x18\x09")
    assert read_error(encode_map(pairs)).code == "not_canonical"


def test_hand_encoded_canonical_map_is_accepted():
    """The two tests above change one thing each: the same hand encoding, unchanged, reads."""
    assert claims_from_cbor(encode_map(encoded_pairs(claims_map()))) == make()


def test_gb18030_with_a_non_canonical_byte_sequence_is_refused():
    assert read_error(deterministic_dumps(claims_map(k6=b"\xff\xff"))).code == "bad_encoding"


@pytest.mark.parametrize("value", [20241331, 20240230, 20240000, 0])
def test_impossible_date_is_refused(value):
    error = read_error(deterministic_dumps(claims_map(k15=value)))
    assert (error.code, error.field) == ("bad_date", "approval_date")


@pytest.mark.parametrize("kind", [0, 7, 99])
def test_unknown_kind_code_is_refused(kind):
    assert read_error(deterministic_dumps(claims_map(k1=kind))).code == "out_of_range"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_cbor"),
        (b"\xa1", "not_cbor"),  # truncated
        (make().to_cbor() + b"\x00", "not_cbor"),  # bytes after the map
        (b"\x80", "not_map"),
        (cbor2.dumps([1, 2]), "not_map"),
        (cbor2.dumps(cbor2.CBORTag(18, {})), "not_map"),
    ],
)
def test_bytes_that_are_not_a_claims_map_are_refused(data, code):
    assert read_error(data).code == code


def test_deeply_nested_value_is_refused_unread():
    assert read_error(deterministic_dumps(claims_map(k12=[[1]]))).code == "not_cbor"


# Text limits


@pytest.mark.parametrize("char", ["\x07", "\n", "\u200b", "\u202e", "\ue000", "\u2028"])
def test_control_format_or_private_characters_are_refused(char):
    error = build_error(holder_name=f"张{char}三")
    assert (error.code, error.field) == ("bad_character", "holder_name")


def test_control_character_is_refused_when_read():
    error = read_error(deterministic_dumps(claims_map(k6="张\x00三".encode("gb18030"))))
    assert (error.code, error.field) == ("bad_character", "holder_name")


@pytest.mark.parametrize(
    ("name", "limit"), [("holder_name", 40), ("verification_code", 8), ("title", 16)]
)
def test_text_over_its_limit_is_refused(name, limit):
    kind = KindCode.TITLE_CERTIFICATE
    assert make(kind, **{name: "堃" * limit}).to_cbor()
    error = build_error(kind=kind, **{name: "堃" * (limit + 1)})
    assert (error.code, error.field) == ("too_long", name)


def test_text_over_its_limit_is_refused_when_read():
    error = read_error(deterministic_dumps(claims_map(k6=("堃" * 41).encode("gb18030"))))
    assert (error.code, error.field) == ("too_long", "holder_name")


def test_blank_text_is_refused():
    assert build_error(holder_name=" \u3000 ").code == "empty"


@pytest.mark.parametrize("public_id", ["7qk3m9x2c4vth8ra", "7QK3M9X2C4VTH8R", "IQK3M9X2C4VTH8RA"])
def test_malformed_public_id_is_refused(public_id):
    assert build_error(public_id=public_id).code == "bad_public_id"


@pytest.mark.parametrize(
    ("name", "value"),
    [("signed_at", 946_684_799), ("exam_year", 1979), ("qualification", 0), ("issuer", 2**32)],
)
def test_number_out_of_range_is_refused(name, value):
    error = build_error(**{name: value})
    assert (error.code, error.field) == ("out_of_range", name)


def test_status_index_names_the_list_and_offset():
    claims = make(status_index=12 * STATUS_LIST_SIZE + 5)
    assert (claims.status_list, claims.status_offset) == (12, 5)


# Properties


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_claims_error(data):
    with contextlib.suppress(EcertError):
        claims_from_cbor(data)


cbor_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.binary(max_size=40),
    st.text(max_size=10),
    st.booleans(),
    st.none(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
)


@given(st.dictionaries(st.integers(min_value=-2, max_value=26), cbor_values, max_size=26))
def test_arbitrary_integer_keyed_maps_raise_only_claims_error(item):
    with contextlib.suppress(EcertError):
        claims_from_cbor(cbor2.dumps(item, canonical=True))


@given(st.sampled_from(sorted(claims_map())), cbor_values)
def test_one_field_replaced_by_anything_raises_only_claims_error(key, value):
    item = claims_map()
    item[key] = value
    try:
        claims = claims_from_cbor(cbor2.dumps(item, canonical=True))
    except EcertError:
        return
    assert cbor2.loads(claims.to_cbor())[key] == value  # accepted only if it is a valid value


def texts(limit: int) -> st.SearchStrategy[str]:
    return (
        st.text(
            st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
            min_size=1,
            max_size=limit,
        )
        .map(lambda text: unicodedata.normalize("NFC", text))
        .filter(lambda text: 0 < len(text) <= limit and text == text.strip())
    )


@st.composite
def valid_claims(draw: st.DrawFn) -> Claims:
    resident = draw(st.booleans())
    if resident:
        birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
        sex = draw(st.sampled_from(list(Sex)))
        identity: dict[str, Any] = {
            "id_type": IdTypeCode.RESIDENT,
            "id_number": make_resident_id(birth, sex, seq=draw(st.integers(0, 499))),
        }
    else:
        identity = {
            "id_type": draw(
                st.sampled_from([c for c in IdTypeCode if c is not IdTypeCode.RESIDENT])
            ),
            "id_number": draw(texts(32)),
            "sex": draw(st.none() | st.sampled_from(list(SexCode))),
            "birth_month": draw(st.none() | st.tuples(st.integers(1900, 2100), st.integers(1, 12))),
        }
    if draw(st.booleans()):
        subject: dict[str, Any] = {"qualification": draw(st.integers(1, 2**32 - 1))}
    else:
        subject = {"title": draw(texts(16)), "series": draw(st.none() | texts(32))}
    return Claims(
        kind=draw(st.sampled_from(list(KindCode))),
        public_id=draw(
            st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=16, max_size=16)
        ),
        issuer=draw(st.integers(0, 2**32 - 1)),
        signed_at=draw(st.integers(946_684_800, 4_102_444_800)),
        status_index=draw(st.integers(0, 2**40 - 1)),
        holder_name=draw(texts(40)),
        approval_date=draw(st.dates()),
        number=draw(texts(32)),
        issue_date=draw(st.dates()),
        level=draw(st.none() | texts(16)),
        specialty=draw(st.none() | texts(32)),
        exam_year=draw(st.none() | st.integers(1980, 2100)),
        grassroots=draw(st.none() | st.booleans()),
        verification_code=draw(st.none() | texts(8)),
        valid_until=draw(st.none() | st.dates()),
        purpose=draw(st.none() | texts(20)),
        licence_version=draw(st.none() | st.integers(1, 9999)),
        **identity,
        **subject,
    )


@given(valid_claims())
def test_any_valid_claims_round_trip(claims):
    data = claims.to_cbor()
    assert claims_from_cbor(data) == claims
    assert claims_from_cbor(data).to_cbor() == data
