"""A published status list as an IETF Status List Token (draft-ietf-oauth-status-list-17 §5.1),
the status mechanism an SD-JWT VC's ``status.status_list`` names, made from the same decoded
document as the COSE and W3C forms so that the three never disagree.

The token is a JWT with ``typ`` ``statuslist+jwt`` whose ``status_list`` is ``{bits: 2, lst}``:
``lst`` is base64url of the zlib (RFC 1950) DEFLATE of a byte array in which entry *i* occupies
bits 2i and 2i+1 counted from the **least** significant bit of byte i // 4 (§4.1) — the reverse of
the W3C layout the stored list uses — and holds an IETF Status Type (§7.1), not ecert's value:

    ecert (stored)   IETF token
    0 valid          0x00 VALID
    1 suspended      0x02 SUSPENDED
    2 revoked        0x01 INVALID
    3 superseded     0x03 (application-specific: replaced by a new credential)

docs/formats/status-list.md and sd-jwt-vc.md describe it; decisions 331–333.
"""

from __future__ import annotations

import zlib
from typing import Any

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.jose import b64url, compact_jws, jose_algorithm
from ecert.core.formats.status_list import STATUS_SIZE, StatusBits, StatusListDocument, StatusValue

TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
LIST_TOKEN_PATH = "/api/v1/status-lists/{number}/token"  # noqa: S105 - a URL path, no secret
TTL_SECONDS = 300  # as long as the HTTP responses may be cached (Cache-Control max-age)

# ecert's 2-bit value -> the IETF Status Type written for it.
IETF_STATUS = {
    StatusValue.VALID: 0x00,
    StatusValue.REVOKED: 0x01,
    StatusValue.SUSPENDED: 0x02,
    StatusValue.SUPERSEDED: 0x03,
}
_PER_BYTE = 8 // STATUS_SIZE


def _byte_table() -> bytes:
    """For each stored byte (four entries, first in the two high bits), the token's byte (the
    same four entries, first in the two low bits, as IETF Status Types)."""
    table = bytearray(256)
    for stored in range(256):
        token = 0
        for slot in range(_PER_BYTE):
            value = StatusValue((stored >> (8 - STATUS_SIZE * (slot + 1))) & 0b11)
            token |= IETF_STATUS[value] << (STATUS_SIZE * slot)
        table[stored] = token
    return bytes(table)


_TABLE = _byte_table()


def token_bytes(bits: StatusBits) -> bytes:
    """The uncompressed IETF byte array of ``bits`` (32 KiB, one translation per byte)."""
    return bits.raw().translate(_TABLE)


def token_url(base_url: str, list_number: int) -> str:
    """The Status List Token's URI: an SD-JWT VC's ``status.status_list.uri`` and its ``sub``."""
    return base_url.rstrip("/") + LIST_TOKEN_PATH.format(number=list_number)


def token_claims(document: StatusListDocument, *, uri: str) -> dict[str, Any]:
    """The JWT claims: ``sub`` the token's URI, ``iat``/``exp`` the list's issue and next-update
    times, ``ttl`` the caching time, and the compressed list at the highest zlib level."""
    compressed = zlib.compress(token_bytes(document.bits), level=9)
    return {
        "sub": uri,
        "iat": document.issued_at,
        "exp": document.next_update,
        "ttl": TTL_SECONDS,
        "status_list": {"bits": STATUS_SIZE, "lst": b64url(compressed)},
    }


def status_list_token(
    document: StatusListDocument, signer: Signer, *, kid: bytes, base_url: str
) -> str:
    """The signed Status List Token of ``document`` (compact JWS). ``kid`` is the trust-list key
    id in hex, as the SD-JWT VCs that point here write theirs."""
    alg = jose_algorithm(signer)
    if alg is None:
        raise EcertError(
            "no_jose_algorithm",
            "该密钥的算法（SM2）没有 JOSE 标识，不能签发状态列表令牌；请使用 ES256 密钥",
            "this key's algorithm (SM2) has no JOSE name and cannot sign a Status List Token; "
            "use an ES256 key",
        )
    header = {"alg": alg, "kid": kid.hex(), "typ": TYP}
    claims = token_claims(document, uri=token_url(base_url, document.list_number))
    return compact_jws(header, claims, signer)
