"""A status entry read from a published status list by hand, from docs/formats/status-list.md
alone (cbor2, gzip and cryptography; not ecert's reader), for tests of exports that point at it;
and from an IETF Status List Token, from the draft alone (jwcrypto, zlib, base64)."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwcrypto import jwk, jws


def status_by_hand(
    published: bytes, public_key: ec.EllipticCurvePublicKey, uri: str, idx: int
) -> str:
    """The status message of entry ``idx`` of the list ``published`` (tagged COSE_Sign1, ES256),
    after checking its signature and that it is the list ``uri`` names."""
    tag = cbor2.loads(published)
    assert tag.tag == 18
    protected, _unprotected, payload, signature = tag.value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    public_key.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
    document = cbor2.loads(payload)
    assert uri.endswith(f"/api/v1/status-lists/{document[1]}")
    bits = gzip.decompress(document[6])
    assert len(bits) == document[3] * document[2] // 8
    value = (bits[2 * idx // 8] >> (6 - 2 * idx % 8)) & 0b11  # entry i: bits 2i, 2i+1 from the MSB
    return str(document[7][value])


def kid_of(published: bytes) -> bytes:
    """The kid in the list's protected header, naming the key that signed it."""
    protected = cbor2.loads(cbor2.loads(published).value[0])
    return bytes(protected[4])


# The Status Types of draft-ietf-oauth-status-list-17 §7.1, by value.
IETF_STATUS_TYPES = {0: "VALID", 1: "INVALID", 2: "SUSPENDED", 3: "application-specific"}


def token_status_by_hand(
    token: str, public_key: ec.EllipticCurvePublicKey, uri: str, idx: int
) -> str:
    """The IETF Status Type of entry ``idx`` of the Status List Token ``token`` (a compact JWS),
    read from draft-ietf-oauth-status-list-17 alone: the signature checked by jwcrypto (not
    ecert's JOSE), then base64url, zlib and the bits by hand — entry i in byte i * bits // 8,
    counted from the least significant bit (§4.1)."""
    verifier = jws.JWS()
    verifier.deserialize(token)
    verifier.verify(jwk.JWK.from_pyca(public_key), alg="ES256")
    header_part, payload_part, _signature = token.split(".")
    header = json.loads(_unb64url(header_part))
    claims = json.loads(_unb64url(payload_part))
    assert header["typ"] == "statuslist+jwt"
    assert claims["sub"] == uri  # §5.1: the token is the one the reference names
    assert claims["iat"] <= claims["exp"]
    assert claims["ttl"] > 0
    bits = claims["status_list"]["bits"]
    assert bits in (1, 2, 4, 8)
    array = zlib.decompress(_unb64url(claims["status_list"]["lst"]))  # zlib framing, RFC 1950
    position = idx * bits
    value = (array[position // 8] >> (position % 8)) & ((1 << bits) - 1)
    return IETF_STATUS_TYPES.get(value, f"0x{value:02x}")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
