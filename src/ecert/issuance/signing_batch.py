"""Signing many credentials of one authority in one go: the key is opened once, every credential
gets its claims, signature, digest and licence identifier, and the batch gets its signed root.

Used inside the importer's transaction and by on-request proofs; nothing here commits.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings

from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.batches import BatchStatement, credential_digest, sign_batch
from ecert.core.formats.claims import Claims, KindCode
from ecert.core.formats.identifiers import IdentifierSeries
from ecert.core.formats.merkle import MerkleAccumulator
from ecert.core.formats.qr import qr_fits
from ecert.core.formats.trust_list import Purpose
from ecert.core.rules.kinds import CredentialKind
from ecert.issuance.models import IssuanceBatch, PassListImport
from ecert.signing.models import SignerKey
from ecert.signing.services import (
    LICENCE_SERIAL_WIDTH,
    current_key,
    keystore_open,
    licence_codes,
)

# COSE_Sign1 (untagged; None when its QR code would exceed version 12), licence identifier, digest
Signed = tuple[bytes | None, str, bytes]
ClaimsFields = dict[str, Any]  # keyword arguments of Claims


def sign_claims(setup: BatchSigner, claims: Iterable[ClaimsFields]) -> list[Signed]:
    """Check, encode and sign each claim set; pure, so it runs in a worker process as well.

    A credential whose QR code would not fit version 12 at level M comes back unsigned: it must
    be refused, not issued with a code a phone cannot read (docs/decisions.md 14)."""
    kid, out = bytes(setup.key.kid), []
    for fields in claims:
        one = Claims(**fields)
        payload = one.to_cbor()
        signed = cose.sign1(payload, setup.signer, kid=kid, tagged=False)
        out.append(
            (
                signed if qr_fits(setup.host, signed) else None,
                setup.identifiers.text(one.status_index, one.licence_version or 1),
                credential_digest(payload),
            )
        )
    return out


@dataclass
class BatchSigner:
    """One authority's open signing key and the batch it is filling."""

    authority: Authority
    kind: CredentialKind
    key: SignerKey
    signer: Signer
    batch: IssuanceBatch
    identifiers: IdentifierSeries
    host: str  # of the verification URL the QR code carries
    roots: MerkleAccumulator = field(default_factory=MerkleAccumulator)

    def accept(self, digests: Sequence[bytes]) -> range:
        """Add signed credentials' digests to the batch, in order; their positions."""
        first = self.roots.size
        for digest in digests:
            self.roots.add(digest)
        return range(first, self.roots.size)

    def close(self, now: datetime) -> IssuanceBatch | None:
        """Sign the batch root; a batch that issued nothing is deleted and None returned."""
        batch = self.batch
        if not self.roots.size:
            batch.delete()
            return None
        key = current_key(self.authority, Purpose.BATCH_ROOTS, now)
        if key is None:
            raise EcertError(
                "no_batch_key",
                f"{self.authority.name}没有可签批次根的有效密钥",
                f"{self.authority.key} has no valid key for batch roots",
            )
        statement = BatchStatement(
            batch.reference,
            self.authority.pk,
            self.roots.size,
            self.roots.root(),
            int(now.timestamp()),
        )
        batch.size = statement.size
        batch.merkle_root = statement.root
        batch.statement = sign_batch(
            statement, keystore_open().signer(key.key_label), kid=bytes(key.kid)
        )
        batch.kid_hex = key.kid_hex
        batch.signed_at = now
        batch.save(update_fields=["size", "merkle_root", "statement", "kid_hex", "signed_at"])
        return batch


def new_batch_reference(today: date) -> str:
    return f"B{today:%Y%m%d}-{secrets.token_hex(4).upper()}"


def batch_signer_open(
    *,
    authority: Authority,
    kind: CredentialKind,
    now: datetime,
    source: PassListImport | None,
) -> BatchSigner:
    """Open the authority's current key for ``kind`` and start a batch (rolled back with the caller)."""
    key = current_key(authority, Purpose.CREDENTIALS, now)
    if key is None or kind.value not in key.kinds:
        raise EcertError(
            "no_key",
            f"{authority.name}没有可签发此类证书的有效密钥（请先运行 ecert keys init）",
            f"{authority.key} has no valid key for {kind.value} (run ecert keys init first)",
        )
    batch = IssuanceBatch.objects.create(
        reference=new_batch_reference(now.date()),
        issuing_authority=authority,
        kind=kind.value,
        source=source,
    )
    type_code, issuer_code = licence_codes(KindCode.of(kind), authority)
    return BatchSigner(
        authority=authority,
        kind=kind,
        key=key,
        signer=keystore_open().signer(key.key_label),
        batch=batch,
        identifiers=IdentifierSeries(type_code, issuer_code, LICENCE_SERIAL_WIDTH),
        host=settings.ECERT_VERIFY_HOST,
    )
