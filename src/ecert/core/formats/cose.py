"""COSE_Sign1 (RFC 9052 §4.2) on cbor2, with the algorithms of ``ecert.core.formats.algorithms``.

We write our own small codec instead of using pycose (DESIGN.md §6): it signs through any
``Signer`` (a file key or an HSM), and decoding is strict, because payloads arrive from QR codes
typed or scanned by strangers. Only the parts of COSE that ecert uses are accepted: a
``COSE_Sign1`` array, tagged (18) or not, with an attached payload; the protected header holds the
algorithm (label 1) and the key id (label 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cbor2

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer, VerificationKey
from ecert.core.formats.cbor import strict_loads

SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
_SIGNATURE1 = "Signature1"


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1. ``protected`` keeps the exact bytes that were signed."""

    protected: bytes
    protected_headers: Mapping[Any, Any]
    unprotected_headers: Mapping[Any, Any]
    payload: bytes
    signature: bytes

    @property
    def algorithm(self) -> int | None:
        value = self.protected_headers.get(HEADER_ALG)
        return value if isinstance(value, int) else None

    @property
    def kid(self) -> bytes | None:
        value = self.protected_headers.get(HEADER_KID, self.unprotected_headers.get(HEADER_KID))
        return value if isinstance(value, bytes) else None


def _bstr(data: bytes) -> bytes:
    """A CBOR byte string (major type 2) with its shortest length header (RFC 8949 §3)."""
    n = len(data)
    if n < 24:
        head = bytes([0x40 | n])
    elif n < 0x100:
        head = bytes([0x58, n])
    elif n < 0x10000:
        head = b"\x59" + n.to_bytes(2, "big")
    else:
        head = b"\x5a" + n.to_bytes(4, "big")
    return head + data


_SIG_STRUCTURE_HEAD = b"\x84" + cbor2.dumps(_SIGNATURE1)  # array of 4, then "Signature1"


def sig_structure(protected: bytes, payload: bytes, external_aad: bytes = b"") -> bytes:
    """The bytes that are actually signed (RFC 9052 §4.4), written directly: signing is hot."""
    return _SIG_STRUCTURE_HEAD + _bstr(protected) + _bstr(external_aad) + _bstr(payload)


@lru_cache(maxsize=256)
def _protected(algorithm: int, kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: algorithm, HEADER_KID: kid})


def sign1(
    payload: bytes,
    signer: Signer,
    *,
    kid: bytes,
    external_aad: bytes = b"",
    tagged: bool = True,
) -> bytes:
    """Sign ``payload`` and return the encoded COSE_Sign1 (key id in the protected header)."""
    protected = _protected(int(signer.algorithm), kid)
    signature = signer.sign(sig_structure(protected, payload, external_aad))
    # [protected, {}, payload, signature]; tag 18 is the single byte 0xD2.
    message = b"\x84" + _bstr(protected) + b"\xa0" + _bstr(payload) + _bstr(signature)
    return b"\xd2" + message if tagged else message


def decode_sign1(data: bytes) -> Sign1:
    """Parse a COSE_Sign1 without verifying it; raise EcertError for anything else."""
    message = _decode_as_written(data)
    if message is not None:
        return message
    try:
        item = strict_loads(data)
    except EcertError as error:
        raise EcertError(
            "not_cbor", "签名数据不是有效的 CBOR", "signed data is not valid CBOR"
        ) from error
    if isinstance(item, cbor2.CBORTag):
        if item.tag != SIGN1_TAG:
            raise EcertError("wrong_tag", "不是 COSE_Sign1 签名消息", "not a COSE_Sign1 message")
        item = item.value
    if not (isinstance(item, list | tuple) and len(item) == 4):
        raise EcertError("not_sign1", "不是 COSE_Sign1 签名消息", "not a COSE_Sign1 message")
    protected, unprotected, payload, signature = item
    if not isinstance(protected, bytes) or not isinstance(unprotected, Mapping):
        raise EcertError("bad_headers", "签名头格式错误", "malformed COSE headers")
    if not isinstance(payload, bytes):
        raise EcertError("no_payload", "签名消息不含内容", "the message carries no payload")
    if not isinstance(signature, bytes):
        raise EcertError("bad_signature", "签名值格式错误", "malformed signature value")
    if protected:
        try:
            headers = strict_loads(protected)
        except EcertError as error:
            raise EcertError("bad_headers", "签名头格式错误", "malformed COSE headers") from error
        if not isinstance(headers, Mapping):
            raise EcertError("bad_headers", "签名头格式错误", "malformed COSE headers")
    else:
        headers = {}
    return Sign1(protected, headers, unprotected, payload, signature)


def _decode_as_written(data: bytes) -> Sign1 | None:
    """The message if its bytes are exactly what ``sign1`` writes (shortest lengths, empty
    unprotected map, protected header {1: algorithm, 4: key id} in deterministic encoding), read
    without the general strict reader; None for anything else, which ``decode_sign1`` then reads
    (or refuses) the strict way. Bytes equal to that encoding hold no trailing data, indefinite
    length, duplicate key or deep nesting, so the two readers cannot disagree on them.

    The reader read some prefix of ``data``, at least as long as the shortest encoding of what it
    read; so when ``data`` is exactly that long, the prefix is all of it and in shortest form."""
    try:
        item = cbor2.loads(data, max_depth=4, allow_indefinite=False, allow_duplicate_keys=False)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError):
        return None
    tagged = type(item) is cbor2.CBORTag
    if tagged:
        if item.tag != SIGN1_TAG:
            return None
        item = item.value
    if type(item) is not list or len(item) != 4:
        return None
    protected, unprotected, payload, signature = item
    if not (
        type(protected) is bytes
        and type(payload) is bytes
        and type(signature) is bytes
        and type(unprotected) is dict
        and not unprotected
    ):
        return None
    # The shortest encoding of what was read is exactly as long as the input only if the reader
    # consumed every byte and every head is in its shortest form; then the input is that encoding.
    shortest = tagged + 2 + len(protected) + len(payload) + len(signature)
    for size in (len(protected), len(payload), len(signature)):
        shortest += 1 if size < 24 else 2 if size < 0x100 else 3 if size < 0x10000 else 5
    if shortest != len(data):
        return None
    try:
        headers = cbor2.loads(protected, max_depth=1)
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError):
        return None
    if type(headers) is not dict or headers.keys() != {HEADER_ALG, HEADER_KID}:
        return None
    algorithm, kid = headers[HEADER_ALG], headers[HEADER_KID]
    if (
        type(algorithm) is not int
        or type(kid) is not bytes
        or _protected(algorithm, kid) != protected
    ):
        return None
    return Sign1(protected, headers, unprotected, payload, signature)


def verify_sign1(message: Sign1, key: VerificationKey, *, external_aad: bytes = b"") -> bool:
    """True if ``message`` is signed by ``key`` with the algorithm its protected header names.

    The header must name the key's own algorithm: a P-256 key never verifies a message that claims
    EdDSA, so an attacker cannot choose the algorithm.
    """
    if message.algorithm != int(key.algorithm):
        return False
    return key.verify(
        sig_structure(message.protected, message.payload, external_aad), message.signature
    )


def algorithm_of(message: Sign1) -> Algorithm | None:
    """The message's algorithm if ecert supports it."""
    try:
        return Algorithm(message.algorithm) if message.algorithm is not None else None
    except ValueError:
        return None
