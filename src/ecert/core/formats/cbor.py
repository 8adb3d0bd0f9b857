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

from ecert.core.errors import EcertError

MAX_DEPTH = 8


def strict_loads(data: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode exactly one CBOR item; raise EcertError for anything malformed or lax."""
    stream = BytesIO(data)
    try:
        item = cbor2.CBORDecoder(
            stream,
            max_depth=max_depth,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as error:
        raise EcertError("malformed_cbor", "CBOR 数据格式错误", str(error)) from error
    if stream.tell() != len(data):
        extra = len(data) - stream.tell()
        raise EcertError(
            "bytes_after_cbor",
            f"CBOR 数据项之后还有 {extra} 个字节",
            f"{extra} bytes after the CBOR item",
        )
    return item


def deterministic_dumps(item: Any) -> bytes:
    return cbor2.dumps(item, canonical=True)
