"""The IETF Status List Token form of a status list against draft-ietf-oauth-status-list-17
itself: its §4.1 example, every ecert value as its Status Type, the whole list by hand, the
signature by jwcrypto, and a changed token refused."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwcrypto import jws

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, SoftwareKey, generate_key
from ecert.core.formats.status_list import ENTRIES, StatusBits, StatusListDocument, StatusValue
from ecert.core.formats.token_status_list import (
    status_list_token,
    token_bytes,
    token_claims,
    token_url,
)
from tests.status_by_hand import token_status_by_hand

BASE = "https://verify.example.cn"
URI = f"{BASE}/api/v1/status-lists/2/token"
# The ecert value whose Status Type is 0, 1, 2, 3 (the draft's §7.1 registry; 3 app-specific).
FOR_TYPE = [StatusValue.VALID, StatusValue.REVOKED, StatusValue.SUSPENDED, StatusValue.SUPERSEDED]


@pytest.fixture(scope="module")
def key() -> SoftwareKey:
    return generate_key(Algorithm.ES256)


def _public(key: SoftwareKey) -> ec.EllipticCurvePublicKey:
    public = serialization.load_der_public_key(key.public_key_der())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    return public


def _document(bits: StatusBits) -> StatusListDocument:
    return StatusListDocument(2, 1_732_406_400, 1_732_492_800, bits)


def test_the_drafts_two_bit_example_gives_its_bytes() -> None:
    # §4.1: statuses 1,2,0,3,0,1,0,1,1,2,3,3 are the bytes 0xC9 0x44 0xF9.
    bits = StatusBits()
    for index, status_type in enumerate([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]):
        bits.set(index, FOR_TYPE[status_type])

    assert token_bytes(bits)[:3] == bytes([0xC9, 0x44, 0xF9])
    assert token_bytes(bits)[3:] == bytes(len(bits.raw()) - 3)


def test_each_status_reads_as_its_type_by_hand(key: SoftwareKey) -> None:
    bits = StatusBits()
    bits.set(7, StatusValue.REVOKED)
    bits.set(8, StatusValue.SUSPENDED)
    bits.set(9, StatusValue.SUPERSEDED)
    bits.set(ENTRIES - 1, StatusValue.REVOKED)
    token = status_list_token(_document(bits), key, kid=b"\x0a\x0b", base_url=BASE)

    def read(idx: int) -> str:
        return token_status_by_hand(token, _public(key), URI, idx)

    assert [read(i) for i in (6, 7, 8, 9, 10)] == [
        "VALID",
        "INVALID",
        "SUSPENDED",
        "application-specific",
        "VALID",
    ]
    assert read(ENTRIES - 1) == "INVALID"


def test_the_token_has_the_drafts_header_and_claims(key: SoftwareKey) -> None:
    token = status_list_token(_document(StatusBits()), key, kid=b"\x0a\x0b", base_url=BASE + "/")
    header, claims = (
        json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        for part in token.split(".")[:2]
    )

    assert header == {"alg": "ES256", "kid": "0a0b", "typ": "statuslist+jwt"}
    assert claims["sub"] == URI
    assert (claims["iat"], claims["exp"], claims["ttl"]) == (1_732_406_400, 1_732_492_800, 300)
    lst = claims["status_list"]["lst"]
    compressed = base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4))
    assert compressed[:2] == b"\x78\xda"  # zlib, highest compression (§4.1 step 4)
    assert zlib.decompress(compressed) == bytes(ENTRIES // 4)


def test_a_changed_token_or_another_key_is_refused(key: SoftwareKey) -> None:
    bits = StatusBits()
    bits.set(3, StatusValue.REVOKED)
    token = status_list_token(_document(bits), key, kid=b"\x0a\x0b", base_url=BASE)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["status_list"]["lst"] = (
        base64.urlsafe_b64encode(zlib.compress(bytes(ENTRIES // 4), 9)).rstrip(b"=").decode()
    )
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with pytest.raises(jws.InvalidJWSSignature):
        token_status_by_hand(f"{header}.{forged}.{signature}", _public(key), URI, 3)
    with pytest.raises(jws.InvalidJWSSignature):
        token_status_by_hand(token, _public(generate_key(Algorithm.ES256)), URI, 3)
    assert token_status_by_hand(token, _public(key), URI, 3) == "INVALID"


def test_an_sm2_key_cannot_sign_a_token() -> None:
    with pytest.raises(EcertError) as refused:
        status_list_token(
            _document(StatusBits()), generate_key(Algorithm.SM2_SM3), kid=b"\x01", base_url=BASE
        )
    assert refused.value.code == "no_jose_algorithm"


def test_the_documented_vector_is_what_the_code_makes() -> None:
    # docs/formats/status-list.md, "IETF Status List Token": list 1, entry 3 revoked, 4 superseded.
    bits = StatusBits()
    bits.set(3, StatusValue.REVOKED)
    bits.set(4, StatusValue.SUPERSEDED)
    document = StatusListDocument(1, 1_732_406_400, 1_732_492_800, bits)

    claims = token_claims(document, uri=token_url(BASE, 1))

    assert token_bytes(bits)[:3] == bytes([0x40, 0x03, 0x00])
    assert claims == {
        "sub": "https://verify.example.cn/api/v1/status-lists/1/token",
        "iat": 1732406400,
        "exp": 1732492800,
        "ttl": 300,
        "status_list": {
            "bits": 2,
            "lst": "eNrtwQENAAAMAqBvFnv_VAYR-BwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAzCsB-wBE",
        },
    }
