"""Status lists: 2-bit entries in the W3C Bitstring Status List layout, compressed and read
strictly."""

from __future__ import annotations

import base64
import contextlib
import gzip
import zlib

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.cbor import deterministic_dumps
from ecert.core.formats.status_list import (
    ENTRIES,
    LIST_BYTES,
    StatusBits,
    StatusListDocument,
    StatusValue,
    status_list_from_cbor,
)
from ecert.core.rules.kinds import CredentialStatus

LAST = ENTRIES - 1


def bits_with(entries: dict[int, StatusValue]) -> StatusBits:
    bits = StatusBits()
    for offset, value in entries.items():
        bits.set(offset, value)
    return bits


def error_code(call, *args) -> str:
    with pytest.raises(EcertError) as caught:
        call(*args)
    return caught.value.code


# Entries


def test_list_holds_at_least_131072_entries_of_two_bits():
    assert ENTRIES >= 131_072
    assert LIST_BYTES == ENTRIES * 2 // 8 == 32 * 1024
    bits = StatusBits()
    bits.set(LAST, StatusValue.REVOKED)
    assert bits.get(LAST) is StatusValue.REVOKED


def test_new_list_has_every_entry_valid():
    bits = StatusBits()
    assert bits.raw() == bytes(LIST_BYTES)
    assert {bits.get(offset) for offset in (0, 1, 4_000, LAST)} == {StatusValue.VALID}


@pytest.mark.parametrize("offset", [0, 1, 3, 4, LAST])
@pytest.mark.parametrize("value", list(StatusValue), ids=lambda v: v.name)
def test_setting_an_entry_leaves_its_neighbours_alone(offset, value):
    neighbours = {n: StatusValue.SUPERSEDED for n in (offset - 1, offset + 1) if 0 <= n < ENTRIES}
    bits = bits_with(neighbours)
    bits.set(offset, value)
    assert bits.get(offset) is value
    for neighbour, old in neighbours.items():
        assert bits.get(neighbour) is old


@pytest.mark.parametrize("offset", [0, 1, 3, 4, LAST])
def test_setting_an_entry_back_to_valid_clears_both_of_its_bits(offset):
    bits = StatusBits()
    bits.set(offset, StatusValue.SUPERSEDED)
    bits.set(offset, StatusValue.VALID)
    assert bits.raw() == bytes(LIST_BYTES)


def test_entry_0_is_the_two_most_significant_bits_of_byte_0_as_w3c_says():
    bits = bits_with({0: StatusValue.REVOKED})
    assert bits.raw()[0] == 0b1000_0000
    assert bits.raw()[1:] == bytes(LIST_BYTES - 1)


@pytest.mark.parametrize(
    ("offset", "byte", "expected"),
    [(1, 0, 0b0001_0000), (3, 0, 0b0000_0001), (4, 1, 0b0100_0000), (LAST, LIST_BYTES - 1, 0b01)],
)
def test_each_entry_has_its_own_two_bits_most_significant_first(offset, byte, expected):
    bits = bits_with({offset: StatusValue.SUSPENDED})
    raw = bits.raw()
    assert raw[byte] == expected
    assert raw.count(0) == LIST_BYTES - 1


def test_all_four_values_are_told_apart():
    bits = bits_with({n: StatusValue(n) for n in range(4)})
    assert bits.raw()[0] == 0b00_01_10_11
    assert [bits.get(n) for n in range(4)] == list(StatusValue)


def test_status_values_map_to_credential_statuses():
    for value in StatusValue:
        assert StatusValue.of(value.status) is value
    assert StatusValue.of(CredentialStatus.REVOKED) is StatusValue.REVOKED


@pytest.mark.parametrize("offset", [-1, ENTRIES, 2**40])
def test_offset_outside_the_list_is_refused(offset):
    bits = StatusBits()
    assert error_code(bits.get, offset) == "bad_offset"
    assert error_code(bits.set, offset, StatusValue.REVOKED) == "bad_offset"


@pytest.mark.parametrize("size", [0, LIST_BYTES - 1, LIST_BYTES + 1])
def test_raw_list_of_the_wrong_size_is_refused(size):
    assert error_code(StatusBits, bytes(size)) == "bad_size"


# Compression


def test_compression_is_deterministic():
    entries = {3: StatusValue.REVOKED, 4: StatusValue.SUPERSEDED, 99_999: StatusValue.SUSPENDED}
    assert bits_with(entries).compressed() == bits_with(entries).compressed()
    assert bits_with(entries).compressed() != bits_with({3: StatusValue.REVOKED}).compressed()


def test_sparse_list_compresses_far_below_32_kib():
    entries = {n * 997: StatusValue.REVOKED for n in range(100)}
    assert len(bits_with(entries).compressed()) < 1024


def test_compressed_list_inflates_back_to_the_same_entries():
    entries = {0: StatusValue.REVOKED, 7: StatusValue.SUSPENDED, LAST: StatusValue.SUPERSEDED}
    bits = bits_with(entries)
    assert gzip.decompress(bits.compressed()) == bits.raw()
    assert StatusBits.from_compressed(bits.compressed()).raw() == bits.raw()


def test_gzip_bomb_is_refused_without_being_expanded():
    bomb = gzip.compress(bytes(10_000_000), compresslevel=9)
    assert len(bomb) < 20_000
    assert error_code(StatusBits.from_compressed, bomb) == "bad_size"


@pytest.mark.parametrize("size", [LIST_BYTES - 1, LIST_BYTES + 1])
def test_gzip_of_the_wrong_size_is_refused(size):
    assert error_code(StatusBits.from_compressed, gzip.compress(bytes(size))) == "bad_size"


def test_truncated_gzip_is_refused():
    data = StatusBits().compressed()
    assert error_code(StatusBits.from_compressed, data[:-4]) == "bad_size"


def test_bytes_after_the_gzip_member_are_refused():
    data = StatusBits().compressed()
    assert error_code(StatusBits.from_compressed, data + b"\x00") == "bad_size"


@pytest.mark.parametrize(
    "data",
    [
        b"not gzip at all",
        zlib.compress(bytes(LIST_BYTES)),  # zlib framing, not GZIP
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20,  # invalid deflate block
        b"\x1f\x8b\x07\x00" + bytes(20),  # compression method 7
    ],
    ids=["text", "zlib", "bad-block", "bad-method"],
)
def test_garbage_is_refused_as_bad_gzip(data):
    assert error_code(StatusBits.from_compressed, data) == "bad_gzip"


def test_w3c_encoded_list_is_multibase_base64url_of_the_gzip():
    bits = bits_with({5: StatusValue.REVOKED})
    encoded = bits.w3c_encoded_list()
    assert encoded.startswith("u")
    assert not {"=", "+", "/"} & set(encoded)
    body = encoded[1:]
    gzipped = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert gzip.decompress(gzipped) == bits.raw()


# The signed document

DOCUMENT = StatusListDocument(
    list_number=12,
    issued_at=1_732_406_400,
    next_update=1_732_492_800,
    bits=bits_with(
        {0: StatusValue.REVOKED, 5: StatusValue.SUSPENDED, LAST: StatusValue.SUPERSEDED}
    ),
)


def document_map(**changes: object) -> dict[int, object]:
    item: dict[int, object] = cbor2.loads(DOCUMENT.to_cbor())
    for key, value in changes.items():
        item[int(key.removeprefix("k"))] = value
    return item


def test_document_round_trips_through_cbor():
    back = status_list_from_cbor(DOCUMENT.to_cbor())
    assert (back.list_number, back.issued_at, back.next_update) == (
        12,
        1_732_406_400,
        1_732_492_800,
    )
    assert back.bits.raw() == DOCUMENT.bits.raw()
    assert back.to_cbor() == DOCUMENT.to_cbor()


def test_document_names_its_format_and_the_status_messages():
    item = cbor2.loads(DOCUMENT.to_cbor())
    assert (item[0], item[2], item[3]) == (1, 2, ENTRIES)
    assert item[7] == ["valid", "suspended", "revoked", "superseded"]


def test_status_of_reads_the_entry_of_a_global_index():
    first = 12 * ENTRIES
    assert DOCUMENT.status_of(first) is StatusValue.REVOKED
    assert DOCUMENT.status_of(first + 5) is StatusValue.SUSPENDED
    assert DOCUMENT.status_of(first + 6) is StatusValue.VALID
    assert DOCUMENT.status_of(first + LAST) is StatusValue.SUPERSEDED


@pytest.mark.parametrize("index", [0, 5, 12 * ENTRIES - 1, 13 * ENTRIES])
def test_status_of_an_index_in_another_list_is_refused(index):
    assert error_code(DOCUMENT.status_of, index) == "wrong_list"


@pytest.mark.parametrize(
    "value", [0, "valid", {"valid": 0, "suspended": 0, "revoked": 0, "superseded": 0}]
)
def test_status_messages_that_are_not_the_list_of_names_are_refused(value):
    item = document_map(k7=value)
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "bad_fields"


def test_extra_field_is_refused():
    item = document_map(k8="extra")
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "bad_fields"


@pytest.mark.parametrize("key", range(8))
def test_missing_field_is_refused(key):
    item = document_map()
    del item[key]
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "bad_fields"


@pytest.mark.parametrize(
    "change", [{"k0": 2}, {"k2": 1}, {"k3": 2**16}], ids=["version", "bits", "entries"]
)
def test_other_format_or_size_is_refused_as_unsupported(change):
    item = document_map(**change)
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "unsupported"


@pytest.mark.parametrize(
    "change",
    [
        {"k1": -1},
        {"k1": "12"},
        {"k4": 1.5},
        {"k5": None},
        {"k6": "not bytes"},
        {"k7": ["valid", "suspended", "revoked"]},
        {"k7": ["valid", "suspended", "superseded", "revoked"]},
    ],
    ids=["negative-list", "text-list", "float-time", "nil-time", "text-bits", "three", "order"],
)
def test_field_of_the_wrong_kind_is_refused(change):
    item = document_map(**change)
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "bad_fields"


def test_document_with_a_gzip_bomb_is_refused():
    item = document_map(k6=gzip.compress(bytes(10_000_000)))
    assert error_code(status_list_from_cbor, deterministic_dumps(item)) == "bad_size"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "not_cbor"),
        (DOCUMENT.to_cbor() + b"\x00", "not_cbor"),
        (DOCUMENT.to_cbor()[:-1], "not_cbor"),
        (b"\xa0", "bad_fields"),
        (cbor2.dumps([1, 2]), "bad_fields"),
    ],
    ids=["empty", "trailing-byte", "truncated", "empty-map", "array"],
)
def test_bytes_that_are_not_a_status_list_document_are_refused(data, code):
    assert error_code(status_list_from_cbor, data) == code


cbor_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.binary(max_size=40),
    st.text(max_size=10),
    st.booleans(),
    st.none(),
    st.floats(),
    st.lists(st.text(max_size=10), max_size=5),
    st.dictionaries(st.integers(0, 8), st.integers(), max_size=3),
)


@given(st.integers(0, 7), cbor_values)
def test_one_field_replaced_by_anything_raises_only_status_list_error(key, value):
    with contextlib.suppress(EcertError):
        status_list_from_cbor(deterministic_dumps(document_map(**{f"k{key}": value})))


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_status_list_error(data):
    with contextlib.suppress(EcertError):
        status_list_from_cbor(data)


@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 40), st.integers(ENTRIES - 40, LAST), st.integers(0, LAST)),
            st.sampled_from(list(StatusValue)),
        ),
        max_size=60,
    )
)
def test_random_updates_agree_with_a_plain_list(updates):
    bits = StatusBits()
    model = [StatusValue.VALID] * ENTRIES
    for offset, value in updates:
        bits.set(offset, value)
        model[offset] = value
    touched = {offset for offset, _ in updates}
    probes = touched | {o + d for o in touched for d in (-1, 1) if 0 <= o + d < ENTRIES}
    for offset in probes:
        assert bits.get(offset) is model[offset]
    back = StatusBits.from_compressed(bits.compressed())
    assert [back.get(offset) for offset in sorted(probes)] == [model[o] for o in sorted(probes)]
    assert sum(1 for byte in bits.raw() if byte) <= len(touched)
