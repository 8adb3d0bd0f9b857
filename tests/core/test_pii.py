"""Personal data at rest: the cipher, the lookup hash and the key check (pure Python)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import assume, given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.identity.pii import PiiCipher

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
NUMBER = "370102198805170011"
RESIDENT = "resident_id"
PASSPORT = "passport"

CIPHER = PiiCipher(KEY)


def test_ciphertext_does_not_contain_the_number() -> None:
    blob = CIPHER.encrypt(NUMBER, context=RESIDENT)
    assert NUMBER.encode() not in blob
    assert NUMBER[6:14].encode() not in blob  # not even the birth date


def test_encrypting_the_same_number_twice_gives_different_ciphertexts() -> None:
    assert CIPHER.encrypt(NUMBER, context=RESIDENT) != CIPHER.encrypt(NUMBER, context=RESIDENT)


def test_decrypting_with_the_same_context_gives_the_number_back() -> None:
    blob = CIPHER.encrypt(NUMBER, context=RESIDENT)
    assert CIPHER.decrypt(blob, context=RESIDENT) == NUMBER


def test_decrypting_under_another_id_type_fails() -> None:
    blob = CIPHER.encrypt(NUMBER, context=RESIDENT)
    with pytest.raises(InvalidTag):
        CIPHER.decrypt(blob, context=PASSPORT)


def test_decrypting_under_another_key_fails() -> None:
    blob = CIPHER.encrypt(NUMBER, context=RESIDENT)
    with pytest.raises(InvalidTag):
        PiiCipher(OTHER_KEY).decrypt(blob, context=RESIDENT)


def test_ciphertext_of_an_unknown_format_version_is_refused() -> None:
    blob = CIPHER.encrypt(NUMBER, context=RESIDENT)
    with pytest.raises(ValueError, match="unknown personal-data ciphertext version"):
        CIPHER.decrypt(b"\x02" + blob[1:], context=RESIDENT)


def test_lookup_hash_is_stable() -> None:
    assert CIPHER.lookup_hash(NUMBER, context=RESIDENT) == PiiCipher(KEY).lookup_hash(
        NUMBER, context=RESIDENT
    )


def test_lookup_hash_is_64_hex_characters_without_the_number() -> None:
    digest = CIPHER.lookup_hash(NUMBER, context=RESIDENT)
    assert len(digest) == 64
    assert int(digest, 16) >= 0
    assert NUMBER not in digest


def test_lookup_hash_differs_per_id_type() -> None:
    assert CIPHER.lookup_hash(NUMBER, context=RESIDENT) != CIPHER.lookup_hash(
        NUMBER, context=PASSPORT
    )


def test_lookup_hash_differs_per_key() -> None:
    assert CIPHER.lookup_hash(NUMBER, context=RESIDENT) != PiiCipher(OTHER_KEY).lookup_hash(
        NUMBER, context=RESIDENT
    )


def test_lookup_hash_is_not_a_plain_hash_of_the_number() -> None:
    plain = {
        hashlib.sha256(NUMBER.encode()).hexdigest(),
        hashlib.sha256(f"{RESIDENT}\x00{NUMBER}".encode()).hexdigest(),
    }
    assert CIPHER.lookup_hash(NUMBER, context=RESIDENT) not in plain


@pytest.mark.parametrize("key", ["not base64!", "c2VjcmV0\n", "=" * 44, "密钥"])
def test_a_key_that_is_not_base64_is_refused_in_chinese_and_english(key: str) -> None:
    with pytest.raises(EcertError) as caught:
        PiiCipher(key)
    assert str(caught.value) == "ECERT_PII_KEY 不是 base64 / ECERT_PII_KEY is not base64"


@pytest.mark.parametrize("size", [0, 16, 31, 33, 64])
def test_a_key_of_the_wrong_length_is_refused_in_chinese_and_english(size: int) -> None:
    with pytest.raises(EcertError) as caught:
        PiiCipher(base64.b64encode(b"k" * size).decode())
    assert str(caught.value) == "ECERT_PII_KEY 须为 32 字节 / ECERT_PII_KEY must decode to 32 bytes"


def test_a_refused_key_is_not_echoed_in_the_error() -> None:
    key = base64.b64encode(b"s" * 31).decode()
    with pytest.raises(EcertError) as caught:
        PiiCipher(key)
    assert key not in str(caught.value)
    assert key not in repr(caught.value)


def test_a_key_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="ECERT_PII_KEY"):
        PiiCipher("")


@given(st.text(), st.text(max_size=40))
def test_any_text_round_trips_under_its_context(plaintext: str, context: str) -> None:
    assert CIPHER.decrypt(CIPHER.encrypt(plaintext, context=context), context=context) == plaintext


@given(st.text(min_size=1, max_size=30), st.text(max_size=40), st.text(max_size=40))
def test_any_other_context_fails_to_decrypt(plaintext: str, context: str, other: str) -> None:
    assume(context != other)
    with pytest.raises(InvalidTag):
        CIPHER.decrypt(CIPHER.encrypt(plaintext, context=context), context=other)


@given(st.text(min_size=1, max_size=30), st.data())
def test_any_flipped_byte_in_the_ciphertext_fails_to_decrypt(
    plaintext: str, data: st.DataObject
) -> None:
    blob = bytearray(CIPHER.encrypt(plaintext, context=RESIDENT))
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    blob[index] ^= data.draw(st.integers(1, 255), label="mask")
    with pytest.raises((InvalidTag, ValueError)):
        CIPHER.decrypt(bytes(blob), context=RESIDENT)
