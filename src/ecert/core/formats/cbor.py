"""Strict CBOR reading and deterministic writing, shared by every signed format of ecert.

Signed data comes from strangers (a scanned QR code, an uploaded file), so reading refuses what a
well-behaved writer never produces: indefinite lengths, duplicate map keys, deep nesting, bytes
after the item. Writing uses the deterministic encoding of RFC 8949 §4.2.1 (shortest forms, map
keys sorted), so the same claims always give the same bytes.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

import cbor2

MAX_DEPTH = 8


class CborError(ValueError):
    """Bytes that are not one well-formed, strictly encoded CBOR item."""


def strict_loads(data: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode exactly one CBOR item; raise CborError for anything malformed or lax."""
    stream = BytesIO(data)
    try:
        item = cbor2.CBORDecoder(
            stream,
            max_depth=max_depth,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as error:
        raise CborError(str(error)) from error
    if stream.tell() != len(data):
        raise CborError(f"{len(data) - stream.tell()} bytes after the CBOR item")
    return item


def deterministic_dumps(item: Any) -> bytes:
    return cbor2.dumps(item, canonical=True)
