"""Signed batch roots: one signature that proves a whole issuance batch intact.

The leaves are the credentials' digests (SHA-256 of each credential's canonical claims), in the
order the batch issued them. The batch statement names the batch, the issuing authority, the
number of credentials and the Merkle root (``ecert.core.formats.merkle``, RFC 6962 shape); the size is
signed because an inclusion proof alone does not fix it. docs/formats/batch-roots.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.cbor import deterministic_dumps, strict_loads
from ecert.core.formats.merkle import merkle_root, verify_inclusion
from ecert.core.formats.trust_list import Purpose, TrustList

FORMAT_VERSION = 1


def credential_digest(claims_cbor: bytes) -> bytes:
    """The leaf of a credential: SHA-256 of its canonical claims."""
    return hashlib.sha256(claims_cbor).digest()


@dataclass(frozen=True)
class BatchStatement:
    batch_id: str
    issuer: int  # authority number in the trust list
    size: int
    root: bytes
    signed_at: int

    def to_cbor(self) -> bytes:
        return deterministic_dumps(
            {
                0: FORMAT_VERSION,
                1: self.batch_id,
                2: self.issuer,
                3: self.size,
                4: self.root,
                5: self.signed_at,
            }
        )


def batch_statement(
    batch_id: str, issuer: int, digests: Sequence[bytes], signed_at: int
) -> BatchStatement:
    if not digests:
        raise EcertError("empty_batch", "批次没有证书", "the batch has no credentials")
    return BatchStatement(batch_id, issuer, len(digests), merkle_root(digests), signed_at)


def sign_batch(statement: BatchStatement, signer: Signer, *, kid: bytes) -> bytes:
    return cose.sign1(statement.to_cbor(), signer, kid=kid)


def load_batch(signed: bytes, trust_list: TrustList) -> BatchStatement:
    """Verify a signed batch statement against the trust list and read it."""
    try:
        message = cose.decode_sign1(signed)
    except EcertError as error:
        raise EcertError("unreadable", "批次签名无法读取", str(error)) from error
    try:
        item = strict_loads(message.payload, max_depth=2)
    except EcertError as error:  # cbor2's own words, as before
        raise EcertError("unreadable", "批次签名无法读取", error.en) from error
    signer = trust_list.signer(message.kid or b"")
    if signer is None or signer.verification_key is None:
        raise EcertError("unknown_signer", "批次签名者不在信任列表中", "unknown signer")
    if not cose.verify_sign1(message, signer.verification_key):
        raise EcertError("bad_signature", "批次签名无效", "bad batch signature")
    if not isinstance(item, Mapping) or set(item) != {0, 1, 2, 3, 4, 5} or item[0] != 1:
        raise EcertError("malformed", "批次内容格式错误", "malformed batch statement")
    statement = BatchStatement(item[1], item[2], item[3], item[4], item[5])
    if (
        type(statement.batch_id) is not str
        or any(type(v) is not int or v < 0 for v in (statement.issuer, statement.size))
        or type(statement.signed_at) is not int
        or type(statement.root) is not bytes
        or len(statement.root) != 32
    ):
        raise EcertError("malformed", "批次内容格式错误", "malformed batch statement")
    if statement.issuer != signer.authority:
        raise EcertError("issuer_mismatch", "批次签名者与签发机构不符", "signer is not the issuer")
    if signer.signing_problem(statement.signed_at, Purpose.BATCH_ROOTS, None):
        raise EcertError(
            "signer_not_authorised",
            "该密钥当时无权签发批次",
            "this key could not sign batches then",
        )
    return statement


def in_batch(
    statement: BatchStatement, claims_cbor: bytes, index: int, proof: Sequence[bytes]
) -> bool:
    """True if the credential with these claims is leaf ``index`` of the signed batch."""
    return verify_inclusion(
        credential_digest(claims_cbor), index, statement.size, proof, statement.root
    )
