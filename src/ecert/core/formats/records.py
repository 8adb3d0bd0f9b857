"""A credential as the registry stores it, the one function that turns it into signed claims, and
the one function that signs them.

``CredentialRecord`` holds exactly what a stored credential row says that its claims carry. The
pipeline builds a record from a checked draft, signs ``record_claims(record)`` and stores the
record's values; verification, documents and 加注 copies rebuild the record from the row and get
the same claims byte for byte (a property test proves it). Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from ecert.core.formats import cose
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.batches import credential_digest
from ecert.core.formats.claims import Claims, IdTypeCode, KindCode, SexCode
from ecert.core.formats.identifiers import IdentifierSeries
from ecert.core.formats.qr import qr_fits
from ecert.core.identity.idnumbers import IdNumber, IdType, Sex
from ecert.core.rules.kinds import CredentialForm, CredentialKind

Month = tuple[int, int]  # (year, month)
# COSE_Sign1 (untagged; None when its QR code would exceed version 12), licence identifier, and
# the digest of the claims (the leaf of the batch's Merkle tree).
Signed = tuple[bytes | None, str, bytes]


@dataclass(frozen=True)
class CredentialRecord:
    """One stored credential in the terms of its claims. ``number`` is the 管理号 or the title
    certificate number (printed with （基层） when ``grassroots``); ``issuer`` is the issuing
    authority's number in the trust list."""

    public_id: str
    kind: CredentialKind
    form: CredentialForm
    issuer: int
    status_index: int
    signed_at: int  # seconds since the Unix epoch, UTC
    holder_name: str
    id_number: IdNumber
    sex: Sex | None
    birth_month: Month | None
    approval_date: date
    issue_date: date
    number: str
    qualification_code: int | None = None
    level: str = ""
    specialty: str = ""
    title: str = ""
    series: str = ""
    grassroots: bool = False
    verification_code: str = ""
    licence_version: int = 1


def record_claims(
    record: CredentialRecord, *, purpose: str | None = None, valid_until: date | None = None
) -> Claims:
    """The v1 claims of ``record``; ``purpose`` and ``valid_until`` make a 加注 copy's claims.

    A resident ID number carries the holder's sex and birth month, so the claims leave them out
    (a reader takes them from the number); every other document's are signed as recorded."""
    resident = record.id_number.type is IdType.RESIDENT_ID
    titled = record.kind is CredentialKind.TITLE_CERTIFICATE
    sex = None
    if record.sex is not None and not resident:
        sex = SexCode.MALE if record.sex is Sex.MALE else SexCode.FEMALE
    return Claims(
        kind=KindCode.of(record.kind),
        public_id=record.public_id,
        issuer=record.issuer,
        signed_at=record.signed_at,
        status_index=record.status_index,
        holder_name=record.holder_name,
        id_type=IdTypeCode.of(record.id_number.type),
        id_number=record.id_number.value,
        approval_date=record.approval_date,
        number=record.number,
        issue_date=record.issue_date,
        qualification=None if titled else record.qualification_code,
        title=record.title if titled else None,
        series=(record.series or None) if titled else None,
        grassroots=True if titled and record.grassroots else None,
        verification_code=record.verification_code or None,
        sex=sex,
        birth_month=None if resident else record.birth_month,
        level=record.level or None,
        specialty=record.specialty or None,
        exam_year=record.approval_date.year if record.kind is CredentialKind.EXAM_PROOF else None,
        licence_version=record.licence_version if record.licence_version != 1 else None,
        purpose=purpose,
        valid_until=valid_until,
    )


@dataclass(frozen=True)
class SigningSetup:
    """One authority's open key, ready to sign its credentials of one kind."""

    signer: Signer
    kid: bytes
    host: str  # of the verification URL the QR code carries
    identifiers: IdentifierSeries  # GB/T 36904 identifiers of this authority and kind


def sign_records(setup: SigningSetup, records: Iterable[CredentialRecord]) -> list[Signed]:
    """Sign each record's claims; pure, so it runs in a worker process as well.

    A credential whose QR code would not fit version 12 at level M comes back unsigned: it must be
    refused, not issued with a code a phone cannot read (docs/decisions.md 14)."""
    out: list[Signed] = []
    for record in records:
        payload = record_claims(record).to_cbor()
        signed = cose.sign1(payload, setup.signer, kid=setup.kid, tagged=False)
        out.append(
            (
                signed if qr_fits(setup.host, signed) else None,
                setup.identifiers.text(record.status_index, record.licence_version),
                credential_digest(payload),
            )
        )
    return out


def sign_copy(
    setup: SigningSetup,
    record: CredentialRecord,
    *,
    purpose: str,
    valid_until: date,
    signed_at: int,
) -> bytes:
    """The signed claims of a 加注 copy of ``record``: its claims with the purpose and the last
    valid day added, signed now (``signed_at``) with the authority's current key; nothing is
    stored. The copy keeps the record's public id and status index, so revoking or replacing the
    credential voids every copy."""
    claims = record_claims(
        replace(record, signed_at=signed_at), purpose=purpose, valid_until=valid_until
    )
    return cose.sign1(claims.to_cbor(), setup.signer, kid=setup.kid, tagged=False)
