"""A stored credential row and its ``CredentialRecord``, both ways, in one place.

The pipeline stores a record's values in the columns of ``CREDENTIAL_COLUMNS`` (``RowMaker``);
everything that needs a stored credential's claims again (documents, 加注 copies, verification,
the property test) reads them back with ``record_of``. Keeping both directions here, beside the one
column list, is what keeps the row and the signed claims from drifting apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.db import connection

from ecert.core.formats.records import CredentialRecord, Month
from ecert.core.identity.idnumbers import IdNumber, IdType, Sex, parse_id_number
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import pii_cipher

# Every column a credential row is inserted with, in this order (``insert_rows``).
CREDENTIAL_COLUMNS = (
    "public_id",
    "kind",
    "form",
    "qualification",
    "level",
    "specialty",
    "approval_date",
    "management_number",
    "holder",
    "holder_name",
    "holder_sex",
    "holder_birth_month",
    "issuing_authority",
    "registration_authority",
    "issue_date",
    "status",
    "status_index",
    "signed",
    "signed_at",
    "licence_identifier",
    "title",
    "series",
    "grassroots",
    "verification_code",
    "template",
    "batch",
    "batch_position",
    "supersedes",
    "attests",
    "created_at",
    "updated_at",
)
# Places filled in once the credential's chunk is signed.
SIGNED, IDENTIFIER, BATCH, POSITION = (
    CREDENTIAL_COLUMNS.index(name)
    for name in ("signed", "licence_identifier", "batch", "batch_position")
)

# Every column a holder row is inserted with: the identity; the name as last recorded.
HOLDER_COLUMNS = (
    "name",
    "id_type",
    "id_number_ciphertext",
    "id_number_hash",
    "id_number_masked",
    "created_at",
)


def month_text(month: Month | None) -> str:
    """A birth month as stored: ``1990-03``; blank when unknown."""
    return f"{month[0]:04d}-{month[1]:02d}" if month is not None else ""


def month_of(text: str) -> Month | None:
    if not text:
        return None
    year, month = text.split("-")
    return int(year), int(month)


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def signing_time(now: datetime) -> datetime:
    """``now`` in whole seconds, as the claims carry it, so the stored time gives the same claims."""
    return now.replace(microsecond=0)


class RowMaker:
    """Rows of records in CREDENTIAL_COLUMNS order, adapted for the database; made once per run,
    since every record of a run is signed and stored at the same moment."""

    def __init__(self, now: datetime) -> None:
        self.ops = connection.ops
        self.now = self.ops.adapt_datetimefield_value(now)
        self.signed_at = self.ops.adapt_datetimefield_value(
            datetime.fromtimestamp(epoch_seconds(now), UTC)
        )
        self.epoch = epoch_seconds(now)
        self._dates: dict[date, Any] = {}

    def _date(self, value: date) -> Any:
        adapted = self._dates.get(value)
        if adapted is None:
            adapted = self._dates[value] = self.ops.adapt_datefield_value(value)
        return adapted

    def values(
        self,
        record: CredentialRecord,
        *,
        qualification_id: int | None,
        holder_id: int,
        registration_id: int | None,
        template: str,
        supersedes_id: int | None,
        attests_id: int | None,
    ) -> list[Any]:
        """The row of ``record`` (signed at this run's moment); the signature, licence
        identifier, batch and position are filled in once signed."""
        if record.signed_at != self.epoch:
            raise ValueError("a record of another moment")
        adapt_date = self._date
        return [
            record.public_id,
            str(record.kind),
            str(record.form),
            qualification_id,
            record.level,
            record.specialty,
            adapt_date(record.approval_date),
            record.number,
            holder_id,
            record.holder_name,
            str(record.sex) if record.sex is not None else "",
            month_text(record.birth_month),
            record.issuer,
            registration_id,
            adapt_date(record.issue_date),
            _VALID,
            record.status_index,
            None,  # signed
            self.signed_at,
            None,  # licence identifier
            record.title,
            record.series,
            record.grassroots,
            record.verification_code,
            template,
            None,  # batch
            None,  # position in the batch
            supersedes_id,
            attests_id,
            self.now,
            self.now,
        ]


_VALID = str(CredentialStatus.VALID)


def holder_identity(holder: Holder) -> IdNumber:
    """The holder's ID number, decrypted; only for the holder's own documents and staff who need
    it. Parsed again as stored (canonical), so its type and what it encodes are known."""
    value = pii_cipher().decrypt(bytes(holder.id_number_ciphertext), context=holder.id_type)
    return parse_id_number(value, IdType(holder.id_type))


def record_of(credential: Credential) -> CredentialRecord:
    """The record of a stored, signed credential (its holder and qualification are loaded if
    they were not selected with it)."""
    if credential.status_index is None or credential.signed_at is None:
        raise ValueError(f"credential {credential.public_id} has not been signed")
    qualification = credential.qualification
    return CredentialRecord(
        public_id=credential.public_id,
        kind=CredentialKind(credential.kind),
        form=CredentialForm(credential.form),
        issuer=credential.issuing_authority_id,
        status_index=credential.status_index,
        signed_at=epoch_seconds(credential.signed_at),
        holder_name=credential.holder_name,
        id_number=holder_identity(credential.holder),
        sex=Sex(credential.holder_sex) if credential.holder_sex else None,
        birth_month=month_of(credential.holder_birth_month),
        approval_date=credential.approval_date,
        issue_date=credential.issue_date,
        number=credential.management_number,
        qualification_code=qualification.code if qualification is not None else None,
        level=credential.level,
        specialty=credential.specialty,
        title=credential.title,
        series=credential.series,
        grassroots=credential.grassroots,
        verification_code=credential.verification_code,
    )
