"""An independent checker of the W3C VC exports: panva/jose under Node (verify.mjs), installed
from package-lock.json on first use, and the status read with the standard library only."""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
)

from ecert.core.formats.w3c_vc import context_document
from tests.node_tree import node_with

HERE = Path(__file__).resolve().parent


def _node() -> str:
    return node_with(HERE, "jsonld")


def jose_verify(token: str, spki_der: bytes) -> dict[str, Any]:
    """What panva/jose says of ``token`` under the public key ``spki_der``: ``ok`` and the
    header and payload, or ``ok`` false and its error."""
    pem = load_der_public_key(spki_der).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [_node(), str(HERE / "verify.mjs")],
        input=json.dumps({"token": token, "spki_pem": pem.decode("ascii")}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def jsonld_expand(document: dict[str, Any], context_url: str) -> dict[str, Any]:
    """What jsonld.js in safe mode makes of ``document``, with the W3C contexts of
    @digitalbazaar/credentials-context and ours (served at ``context_url``) as the only ones."""
    ours = json.loads(context_document())
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [_node(), str(HERE / "expand.mjs")],
        input=json.dumps({"document": document, "context_url": context_url, "context": ours}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def entry_of(encoded_list: str, index: int, status_size: int) -> int:
    """The entry at ``index`` of a W3C ``encodedList``, read as the W3C text says: multibase
    ``u`` (base64url, no padding) of a GZIP bitstring, entries from the first byte's top bit."""
    assert encoded_list.startswith("u")
    packed = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
    assert len(bits) * 8 >= 131_072  # the W3C minimum length
    value = 0
    for bit in range(index * status_size, (index + 1) * status_size):
        value = (value << 1) | ((bits[bit // 8] >> (7 - bit % 8)) & 1)
    return value


def b64url_json(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded
