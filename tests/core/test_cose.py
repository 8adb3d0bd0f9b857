"""COSE_Sign1: the COSE working group's example vectors, our own signing round trips, strict
decoding, and an independent check of what SM2 through tongsuopy actually signs."""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st
from tongsuopy.crypto import hashes as sm_hashes

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import (
    Algorithm,
    SoftwareKey,
    VerificationKey,
    generate_key,
    load_verification_key,
)
from ecert.core.formats.cose import (
    SIGN1_TAG,
    Sign1,
    algorithm_of,
    decode_sign1,
    sig_structure,
    sign1,
    verify_sign1,
)

VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "cose_wg_sign1.json").read_text(encoding="utf-8")
)
KID = bytes.fromhex("0a0b0c0d")
PAYLOAD = "张𠮷堃 一级建造师".encode("gb18030")
KEYS = {algorithm: generate_key(algorithm) for algorithm in Algorithm}


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vector_key(vector: dict[str, Any]) -> VerificationKey:
    """The vector's public key, built from its JWK coordinates, through our SPKI loader."""
    public: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
    if vector["crv"] == "P-256":
        x = int.from_bytes(b64url(vector["x_b64url"]), "big")
        y = int.from_bytes(b64url(vector["y_b64url"]), "big")
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    else:
        assert vector["crv"] == "Ed25519"
        public = ed25519.Ed25519PublicKey.from_public_bytes(b64url(vector["x_b64url"]))
    spki = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return load_verification_key(spki)


def vector(source: str) -> dict[str, Any]:
    [found] = [v for v in VECTORS if v["source"].endswith(source)]
    return found


def verify_vector(v: dict[str, Any]) -> bool:
    message = decode_sign1(bytes.fromhex(v["cbor_hex"]))
    return verify_sign1(message, vector_key(v), external_aad=bytes.fromhex(v["external_aad_hex"]))


def ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["source"].rsplit("/", 1)[-1].removesuffix(".json") for v in vectors]


PASS = [v for v in VECTORS if v["expect"] == "pass" and "sign-pass-01" not in v["source"]]
FAIL = [v for v in VECTORS if v["expect"] == "fail"]


def cose_error(data: bytes) -> str:
    with pytest.raises(EcertError) as caught:
        decode_sign1(data)
    return caught.value.code


# The COSE working group's examples


def test_vector_file_holds_the_expected_vectors():
    assert len(PASS) == 4
    assert len(FAIL) == 6
    assert {v["alg"] for v in VECTORS} == {-7, -8}


@pytest.mark.parametrize("v", PASS, ids=ids(PASS))
def test_working_group_pass_vector_verifies(v):
    assert verify_vector(v)


@pytest.mark.parametrize("v", PASS, ids=ids(PASS))
def test_sig_structure_matches_the_working_groups_to_be_signed_bytes(v):
    message = decode_sign1(bytes.fromhex(v["cbor_hex"]))
    built = sig_structure(message.protected, message.payload, bytes.fromhex(v["external_aad_hex"]))
    assert built.hex() == v["to_be_signed_hex"]


def test_external_aad_vector_fails_without_its_aad():
    v = vector("sign-pass-02.json")
    message = decode_sign1(bytes.fromhex(v["cbor_hex"]))
    assert not verify_sign1(message, vector_key(v))
    assert not verify_sign1(message, vector_key(v), external_aad=b"\x11\xaa")


def test_sign_pass_01_is_refused_by_policy_though_its_signature_is_valid():
    """sign-pass-01 puts alg only in the UNPROTECTED header (protected field h'A0'); the working
    group counts it a pass. We refuse it on purpose: RFC 9052 §3.1 says the algorithm should be
    authenticated where possible, and a verifier that takes the algorithm from an unprotected
    header lets whoever relays the message choose it. The second half shows the refusal is that
    policy and not a bug: the signature is valid over the Sig_structure with an empty protected
    field, as upstream notes."""
    v = vector("sign-pass-01.json")
    message = decode_sign1(bytes.fromhex(v["cbor_hex"]))
    key = vector_key(v)
    assert message.protected == b"\xa0"
    assert message.unprotected_headers[1] == -7
    assert message.algorithm is None
    assert not verify_sign1(message, key)

    to_be_signed = sig_structure(b"", message.payload, b"")
    assert to_be_signed.hex() == v["to_be_signed_hex"]
    assert key.verify(to_be_signed, message.signature)


def test_wrong_cbor_tag_vector_is_refused_on_the_tag():
    v = vector("sign-fail-01.json")
    assert cose_error(bytes.fromhex(v["cbor_hex"])) == "wrong_tag"


DECODABLE_FAIL = [v for v in FAIL if "fail-01" not in v["source"]]


@pytest.mark.parametrize("v", DECODABLE_FAIL, ids=ids(DECODABLE_FAIL))
def test_working_group_fail_vector_does_not_verify(v):
    assert not verify_vector(v)


@pytest.mark.parametrize("v", FAIL, ids=ids(FAIL))
def test_fail_vector_signature_is_genuine_for_the_original_message(v):
    """Every fail vector carries a real signature over its original Sig_structure, so the
    refusals above come from the alteration and not from an unusable vector."""
    signature = cbor2.loads(bytes.fromhex(v["cbor_hex"])).value[3]
    assert vector_key(v).verify(bytes.fromhex(v["to_be_signed_hex"]), signature)


@pytest.mark.parametrize("name", ["fail-02", "fail-06", "fail-07"])
def test_fail_vector_with_a_good_algorithm_header_is_refused_by_the_signature(name):
    v = vector(f"sign-{name}.json")
    message = decode_sign1(bytes.fromhex(v["cbor_hex"]))
    assert message.algorithm == -7
    assert not verify_sign1(message, vector_key(v))


def test_unknown_algorithm_in_the_header_is_not_an_ecert_algorithm():
    text_alg = decode_sign1(bytes.fromhex(vector("sign-fail-04.json")["cbor_hex"]))
    number_alg = decode_sign1(bytes.fromhex(vector("sign-fail-03.json")["cbor_hex"]))
    assert (text_alg.algorithm, algorithm_of(text_alg)) == (None, None)
    assert (number_alg.algorithm, algorithm_of(number_alg)) == (-999, None)


# Our own messages


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=lambda a: a.name)
def test_signed_message_verifies_with_the_signers_key(algorithm):
    signer = KEYS[algorithm]
    message = decode_sign1(sign1(PAYLOAD, signer, kid=KID))
    assert verify_sign1(message, load_verification_key(signer.public_key_der()))
    assert (message.payload, message.kid, algorithm_of(message)) == (PAYLOAD, KID, algorithm)
    assert len(message.signature) == 64


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=lambda a: a.name)
def test_message_does_not_verify_with_another_key_of_the_same_algorithm(algorithm):
    message = decode_sign1(sign1(PAYLOAD, KEYS[algorithm], kid=KID))
    other = generate_key(algorithm)
    assert not verify_sign1(message, load_verification_key(other.public_key_der()))


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=lambda a: a.name)
def test_external_aad_must_match(algorithm):
    signer = KEYS[algorithm]
    key = load_verification_key(signer.public_key_der())
    message = decode_sign1(sign1(PAYLOAD, signer, kid=KID, external_aad=b"list 12"))
    assert verify_sign1(message, key, external_aad=b"list 12")
    assert not verify_sign1(message, key)
    assert not verify_sign1(message, key, external_aad=b"list 13")


def flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize("algorithm", list(Algorithm), ids=lambda a: a.name)
@pytest.mark.parametrize("part", ["payload", "protected", "signature"])
def test_changing_any_signed_byte_breaks_the_signature(algorithm, part):
    signer = KEYS[algorithm]
    key = load_verification_key(signer.public_key_der())
    message = decode_sign1(sign1(PAYLOAD, signer, kid=KID))
    original: bytes = getattr(message, part)
    for index in range(len(original)):
        changes: dict[str, Any] = {part: flipped(original, index)}
        tampered = dataclasses.replace(message, **changes)
        assert not verify_sign1(tampered, key), f"{part} byte {index}"


class ClaimsEdDSA:
    """A P-256 signer that writes EdDSA into the header: the algorithm-confusion attacker."""

    algorithm = Algorithm.EDDSA

    def __init__(self, inner: SoftwareKey) -> None:
        self._inner = inner

    def sign(self, data: bytes) -> bytes:
        return self._inner.sign(data)

    def public_key_der(self) -> bytes:
        return self._inner.public_key_der()


def test_header_claiming_eddsa_never_verifies_with_a_p256_key():
    p256 = KEYS[Algorithm.ES256]
    key = load_verification_key(p256.public_key_der())
    message = decode_sign1(sign1(PAYLOAD, ClaimsEdDSA(p256), kid=KID))
    assert message.algorithm == Algorithm.EDDSA
    # The ECDSA signature itself is good; only the header's algorithm is wrong.
    assert key.verify(sig_structure(message.protected, message.payload), message.signature)
    assert not verify_sign1(message, key)


def test_eddsa_message_does_not_verify_with_a_p256_key():
    message = decode_sign1(sign1(PAYLOAD, KEYS[Algorithm.EDDSA], kid=KID))
    p256 = load_verification_key(KEYS[Algorithm.ES256].public_key_der())
    assert not verify_sign1(message, p256)


def test_tagged_and_untagged_messages_decode_alike():
    signer = KEYS[Algorithm.ES256]
    tagged = sign1(PAYLOAD, signer, kid=KID)
    untagged = sign1(PAYLOAD, signer, kid=KID, tagged=False)
    assert tagged[0] == 0xD2  # tag 18
    assert untagged[0] == 0x84  # bare four-element array
    key = load_verification_key(signer.public_key_der())
    for data in (tagged, untagged):
        message = decode_sign1(data)
        assert message.payload == PAYLOAD
        assert verify_sign1(message, key)


# Strict decoding

SIGNATURE = bytes(range(64))
PROTECTED = cbor2.dumps({1: -7, 4: KID})


def encode(*items: bytes, head: int = 0x84) -> bytes:
    """A COSE_Sign1 array written by hand from already encoded items."""
    return bytes([head]) + b"".join(items)


def good_items() -> list[bytes]:
    return [cbor2.dumps(PROTECTED), b"\xa0", cbor2.dumps(PAYLOAD), cbor2.dumps(SIGNATURE)]


def test_hand_written_message_decodes():
    message = decode_sign1(encode(*good_items()))
    assert message == Sign1(PROTECTED, {1: -7, 4: KID}, {}, PAYLOAD, SIGNATURE)


def test_bytes_after_the_message_are_refused():
    assert cose_error(encode(*good_items()) + b"\x00") == "not_cbor"


def test_indefinite_length_array_is_refused():
    assert cose_error(encode(*good_items(), head=0x9F) + b"\xff") == "not_cbor"


def test_indefinite_length_payload_is_refused():
    items = good_items()
    items[2] = b"\x5f" + cbor2.dumps(PAYLOAD[:3]) + cbor2.dumps(PAYLOAD[3:]) + b"\xff"
    assert cose_error(encode(*items)) == "not_cbor"


def test_duplicate_key_in_unprotected_header_is_refused():
    items = good_items()
    items[1] = b"\xa2\x04\x41a\x04\x41b"  # {4: h'61', 4: h'62'}
    assert cose_error(encode(*items)) == "not_cbor"


def test_duplicate_key_in_protected_header_is_refused():
    items = good_items()
    items[0] = cbor2.dumps(b"\xa2\x01\x26\x01\x27")  # << {1: -7, 1: -8} >>
    assert cose_error(encode(*items)) == "bad_headers"


def test_detached_payload_is_refused():
    items = good_items()
    items[2] = b"\xf6"  # nil
    assert cose_error(encode(*items)) == "no_payload"


@pytest.mark.parametrize("count", [0, 3, 5])
def test_array_of_the_wrong_length_is_refused(count):
    items = ([*good_items(), cbor2.dumps(b"")])[:count]
    assert cose_error(encode(*items, head=0x80 + count)) == "not_sign1"


def test_other_tag_is_refused():
    data = cbor2.dumps(cbor2.CBORTag(98, cbor2.loads(encode(*good_items()))))
    assert cose_error(data) == "wrong_tag"


def test_tag_18_around_something_else_is_refused():
    assert cose_error(cbor2.dumps(cbor2.CBORTag(SIGN1_TAG, {1: 2}))) == "not_sign1"


@pytest.mark.parametrize(
    ("index", "item", "code"),
    [
        (0, cbor2.dumps({1: -7}), "bad_headers"),  # protected map not wrapped in a bstr
        (0, cbor2.dumps(b"\x81\x01"), "bad_headers"),  # protected bstr holds an array
        (0, cbor2.dumps(b"\xa1\x01"), "bad_headers"),  # protected bstr is truncated CBOR
        (1, cbor2.dumps(b""), "bad_headers"),  # unprotected not a map
        (2, cbor2.dumps("text"), "no_payload"),
        (3, cbor2.dumps([1, 2]), "bad_signature"),
    ],
)
def test_malformed_part_is_refused_with_its_reason(index, item, code):
    items = good_items()
    items[index] = item
    assert cose_error(encode(*items)) == code


@pytest.mark.parametrize("data", [b"", b"\xff", b"\x84", b"\x9b" + b"\xff" * 8, b"\x61\xff"])
def test_bytes_that_are_not_cbor_are_refused(data):
    assert cose_error(data) == "not_cbor"


def test_message_with_no_protected_header_has_no_algorithm_and_does_not_verify():
    items = good_items()
    items[0] = cbor2.dumps(b"")
    items[1] = cbor2.dumps({1: -7})
    message = decode_sign1(encode(*items))
    assert (message.algorithm, message.protected_headers) == (None, {})
    assert not verify_sign1(message, load_verification_key(KEYS[Algorithm.ES256].public_key_der()))


ES256_MESSAGE = sign1(PAYLOAD, KEYS[Algorithm.ES256], kid=KID)
ES256_KEY = load_verification_key(KEYS[Algorithm.ES256].public_key_der())


@given(st.integers(min_value=0, max_value=len(ES256_MESSAGE) * 8 - 1))
def test_flipping_any_single_bit_never_verifies(bit):
    data = bytearray(ES256_MESSAGE)
    data[bit // 8] ^= 0x80 >> (bit % 8)
    try:
        message = decode_sign1(bytes(data))
    except EcertError:
        return
    assert verify_sign1(message, ES256_KEY) is False


def test_unflipped_es256_message_verifies():
    assert verify_sign1(decode_sign1(ES256_MESSAGE), ES256_KEY)


# SM2: an independent check that tongsuopy signs with the GM/T 0009 default user id

SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
SM2_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
SM2_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
SM2_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SM2_G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
DEFAULT_USER_ID = b"1234567812345678"

Point = tuple[int, int] | None  # None is the point at infinity


def ec_add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % SM2_P == 0:
        return None
    if p == q:
        slope = (3 * x1 * x1 + SM2_A) * pow(2 * y1, -1, SM2_P) % SM2_P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, SM2_P) % SM2_P
    x3 = (slope * slope - x1 - x2) % SM2_P
    return x3, (slope * (x1 - x3) - y1) % SM2_P


def ec_multiply(k: int, p: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = ec_add(result, p)
        p = ec_add(p, p)
        k >>= 1
    return result


def sm3(data: bytes) -> bytes:
    digest = sm_hashes.Hash(sm_hashes.SM3())
    digest.update(data)
    result: bytes = digest.finalize()
    return result


def sm2_verify(public: tuple[int, int], user_id: bytes, message: bytes, signature: bytes) -> bool:
    """GB/T 32918.2 §7 signature verification, written from the standard."""
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if not (1 <= r < SM2_N and 1 <= s < SM2_N):
        return False
    coordinates = b"".join(n.to_bytes(32, "big") for n in (SM2_A, SM2_B, *SM2_G, *public))
    z = sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + coordinates)
    e = int.from_bytes(sm3(z + message), "big")
    t = (r + s) % SM2_N
    if t == 0:
        return False
    point = ec_add(ec_multiply(s, SM2_G), ec_multiply(t, public))
    return point is not None and (e + point[0]) % SM2_N == r


def sm2_public_point(spki_der: bytes) -> tuple[int, int]:
    encoded = spki_der[-65:]
    assert encoded[0] == 0x04  # uncompressed point
    point = int.from_bytes(encoded[1:33], "big"), int.from_bytes(encoded[33:], "big")
    x, y = point
    assert (y * y - x**3 - SM2_A * x - SM2_B) % SM2_P == 0  # on the recommended curve
    return point


def test_pure_python_sm2_sees_the_generator_on_the_curve_with_order_n():
    x, y = SM2_G
    assert (y * y - x**3 - SM2_A * x - SM2_B) % SM2_P == 0
    assert ec_multiply(SM2_N, SM2_G) is None
    assert ec_multiply(SM2_N - 1, SM2_G) == (x, SM2_P - y)


def test_sm2_signature_uses_the_default_user_id_of_gmt_0009():
    signer = KEYS[Algorithm.SM2_SM3]
    public = sm2_public_point(signer.public_key_der())
    data = sig_structure(cbor2.dumps({1: -65537}), PAYLOAD)
    signature = signer.sign(data)
    assert sm2_verify(public, DEFAULT_USER_ID, data, signature)
    assert not sm2_verify(public, b"ALICE123@YAHOO.COM", data, signature)
    assert not sm2_verify(public, DEFAULT_USER_ID, data + b"x", signature)


def test_sm2_cose_message_verifies_independently_of_tongsuopy():
    signer = KEYS[Algorithm.SM2_SM3]
    message = decode_sign1(sign1(PAYLOAD, signer, kid=KID))
    data = sig_structure(message.protected, message.payload)
    public = sm2_public_point(signer.public_key_der())
    assert sm2_verify(public, DEFAULT_USER_ID, data, message.signature)
