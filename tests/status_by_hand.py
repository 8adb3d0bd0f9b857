"""A status entry read from a published status list by hand, from docs/formats/status-list.md
alone (cbor2, gzip and cryptography; not ecert's reader), for tests of exports that point at it."""

from __future__ import annotations

import gzip

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


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
