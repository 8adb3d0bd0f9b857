"""Writes to holders and credentials. Each one validates, saves and records its audit event atomically."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from ecert.audit.services import audit_record
from ecert.core.idnumbers import IdNumber, mask_id_number
from ecert.core.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.core.names import normalise_name
from ecert.core.public_ids import new_public_id
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import pii_cipher
from ecert.credentials.selectors import id_number_lookup_hash

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification

BULK_CHUNK = 500


@dataclass(frozen=True)
class CredentialRow:
    """One holder and one credential, already validated by the caller (import, demo, benchmark)."""

    name: str
    id_number: IdNumber
    kind: CredentialKind
    qualification_id: int | None
    level: str
    specialty: str
    approval_date: date
    management_number: str
    issuing_authority_id: int
    registration_authority_id: int | None
    issue_date: date
    form: CredentialForm


def _new_holder(name: str, id_number: IdNumber) -> Holder:
    birth = id_number.birth_date
    return Holder(
        name=normalise_name(name),
        id_type=id_number.type.value,
        id_number_ciphertext=pii_cipher().encrypt(id_number.value, context=id_number.type.value),
        id_number_hash=id_number_lookup_hash(id_number.type, id_number.value),
        id_number_masked=mask_id_number(id_number.value),
        sex=id_number.sex.value if id_number.sex else "",
        birth_month=f"{birth:%Y-%m}" if birth else "",
    )


def holder_id_number(holder: Holder) -> str:
    """Decrypt a holder's ID number; only for the holder's own documents and staff who need it."""
    return pii_cipher().decrypt(bytes(holder.id_number_ciphertext), context=holder.id_type)


class HolderNameMismatch(ValueError):
    """The ID number is already registered under another name."""

    def __init__(self, id_number: IdNumber) -> None:
        masked = mask_id_number(id_number.value)
        super().__init__(
            f"证件号码 {masked} 已登记为另一姓名 / ID number {masked} is registered under another name"
        )


@transaction.atomic
def holder_register(*, actor: User | None, name: str, id_number: IdNumber) -> Holder:
    """Find the holder with this ID number or create one; a different name is refused."""
    existing = Holder.objects.filter(
        id_type=id_number.type.value,
        id_number_hash=id_number_lookup_hash(id_number.type, id_number.value),
    ).first()
    if existing is not None:
        if existing.name != normalise_name(name):
            raise HolderNameMismatch(id_number)
        return existing
    holder = _new_holder(name, id_number)
    holder.save()
    audit_record(
        actor=actor,
        action="holder.registered",
        object_type="holder",
        object_id=holder.pk,
        data={"id_number": holder.id_number_masked},
    )
    return holder


@transaction.atomic
def credential_record(
    *,
    actor: User | None,
    holder: Holder,
    kind: CredentialKind,
    qualification: Qualification | None,
    level: str,
    specialty: str,
    approval_date: date,
    management_number: str,
    issuing_authority: Authority,
    registration_authority: Authority | None,
    issue_date: date,
    form: CredentialForm,
) -> Credential:
    credential = Credential.objects.create(
        public_id=new_public_id(),
        kind=kind,
        qualification=qualification,
        level=level,
        specialty=specialty,
        approval_date=approval_date,
        management_number=management_number,
        holder=holder,
        issuing_authority=issuing_authority,
        registration_authority=registration_authority,
        issue_date=issue_date,
        form=form,
    )
    audit_record(
        actor=actor,
        action="credential.recorded",
        authority=issuing_authority,
        object_type="credential",
        object_id=credential.public_id,
        data={"kind": kind.value, "management_number": management_number},
    )
    return credential


@transaction.atomic
def credential_set_status(
    *, actor: User, credential: Credential, status: CredentialStatus, reason: str
) -> Credential:
    locked = Credential.objects.select_for_update().get(pk=credential.pk)
    previous = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=f"credential.{status.value}",
        authority=locked.issuing_authority,
        object_type="credential",
        object_id=locked.public_id,
        data={"from": previous, "to": status.value, "reason": reason},
    )
    return locked


class BulkRowError(ValueError):
    """A row contradicts what is stored (or an earlier row); nothing of the batch is kept."""

    def __init__(self, row: int, zh: str, en: str) -> None:
        super().__init__(f"第 {row} 行：{zh} / row {row}: {en}")
        self.row = row


@dataclass(frozen=True)
class BulkResult:
    holders_created: int
    credentials_created: int
    credentials_existing: int


def _chunks(rows: Iterable[CredentialRow], size: int) -> Iterator[list[CredentialRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


@transaction.atomic
def credentials_bulk_record(
    *, actor: User | None, rows: Iterable[CredentialRow], authority: Authority | None = None
) -> BulkResult:
    """Store many holders and credentials in one transaction.

    A row identical to a stored one is skipped, so the same batch twice changes nothing; a row that
    contradicts stored data (another person under the same ID number or management number) raises
    BulkRowError naming the row, and the whole batch is rolled back.
    """
    holders_created = credentials_created = existing = 0
    offset = 0
    for chunk in _chunks(rows, BULK_CHUNK):
        hashes = [id_number_lookup_hash(r.id_number.type, r.id_number.value) for r in chunk]
        holder_ids = _holders_for(chunk, hashes, offset)
        holders_created += holder_ids.created
        new, skipped = _new_credentials(chunk, [holder_ids.ids[h] for h in hashes], offset)
        Credential.objects.bulk_create(new)
        credentials_created += len(new)
        existing += skipped
        offset += len(chunk)
    result = BulkResult(holders_created, credentials_created, existing)
    audit_record(
        actor=actor,
        action="credential.bulk_recorded",
        authority=authority,
        object_type="batch",
        data={
            "rows": offset,
            "holders_created": holders_created,
            "credentials_created": credentials_created,
            "credentials_existing": existing,
        },
    )
    return result


@dataclass
class _HolderIds:
    ids: dict[str, int]
    created: int


def _holders_for(chunk: Sequence[CredentialRow], hashes: list[str], offset: int) -> _HolderIds:
    """Map each row's ID-number hash to a holder id, creating missing holders; names must agree."""
    stored = {
        h: (pk, name)
        for pk, h, name in Holder.objects.filter(id_number_hash__in=set(hashes)).values_list(
            "pk", "id_number_hash", "name"
        )
    }
    to_create: dict[str, Holder] = {}
    for index, (row, h) in enumerate(zip(chunk, hashes, strict=True), start=offset + 1):
        name = normalise_name(row.name)
        known = stored.get(h) or ((0, to_create[h].name) if h in to_create else None)
        if known is None:
            to_create[h] = _new_holder(name, row.id_number)
        elif known[1] != name:
            raise BulkRowError(
                index,
                f"证件号码 {mask_id_number(row.id_number.value)} 已登记为另一姓名",
                f"ID number {mask_id_number(row.id_number.value)} is registered under another name",
            )
    Holder.objects.bulk_create(to_create.values())
    ids = {h: pk for h, (pk, _) in stored.items()}
    ids.update({h: holder.pk for h, holder in to_create.items()})
    return _HolderIds(ids=ids, created=len(to_create))


NaturalKey = tuple[int, str, int | None, str, date]  # holder, kind, qualification, level, approval

# Fields a stored credential must share with a row for the row to count as already stored.
_COMPARED = {
    "management_number": ("管理号", "management number"),
    "specialty": ("专业", "specialty"),
    "issue_date": ("签发日期", "issue date"),
    "form": ("形式", "form"),
    "issuing_authority_id": ("核发机构", "issuing authority"),
    "registration_authority_id": ("报名市", "registration city"),
}


def _natural_key(row: CredentialRow, holder_id: int) -> NaturalKey:
    return (holder_id, row.kind.value, row.qualification_id, row.level, row.approval_date)


def _recorded(row: CredentialRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in _COMPARED}


def _new_credentials(
    chunk: Sequence[CredentialRow], holder_ids: list[int], offset: int
) -> tuple[list[Credential], int]:
    """Credentials to insert for this chunk, and how many rows were already stored identically.

    One credential per holder, kind, qualification, level and approval date: a row matching a
    stored one is skipped when every recorded field agrees, and refused when any differs.
    """
    numbers = {r.management_number for r in chunk if r.management_number}
    stored_rows = Credential.objects.filter(
        Q(holder_id__in=set(holder_ids)) | Q(management_number__in=numbers)
    ).values("holder_id", "kind", "qualification_id", "level", "approval_date", *_COMPARED)
    by_natural_key: dict[NaturalKey, dict[str, object]] = {}
    by_number: dict[tuple[int | None, str], NaturalKey] = {}
    for stored in stored_rows:
        natural: NaturalKey = (
            stored["holder_id"],
            stored["kind"],
            stored["qualification_id"],
            stored["level"],
            stored["approval_date"],
        )
        by_natural_key[natural] = {name: stored[name] for name in _COMPARED}
        if stored["management_number"]:
            by_number[(stored["qualification_id"], stored["management_number"])] = natural
    new: list[Credential] = []
    skipped = 0
    for index, (row, holder_id) in enumerate(zip(chunk, holder_ids, strict=True), start=offset + 1):
        natural = _natural_key(row, holder_id)
        number_key = (row.qualification_id, row.management_number)
        if natural in by_natural_key:
            recorded = _recorded(row)
            for name, (zh, en) in _COMPARED.items():
                if by_natural_key[natural][name] != recorded[name]:
                    raise BulkRowError(
                        index,
                        f"该持证人的此证书已登记，但{zh}不同",
                        f"this credential is already recorded for the holder with a different {en}",
                    )
            skipped += 1
            continue
        if row.management_number and number_key in by_number:
            raise BulkRowError(
                index,
                f"管理号 {row.management_number} 已属于另一证书",
                f"management number {row.management_number} already belongs to another credential",
            )
        by_natural_key[natural] = _recorded(row)
        if row.management_number:
            by_number[number_key] = natural
        new.append(
            Credential(
                public_id=new_public_id(),
                kind=row.kind,
                qualification_id=row.qualification_id,
                level=row.level,
                specialty=row.specialty,
                approval_date=row.approval_date,
                management_number=row.management_number,
                holder_id=holder_id,
                issuing_authority_id=row.issuing_authority_id,
                registration_authority_id=row.registration_authority_id,
                issue_date=row.issue_date,
                form=row.form,
            )
        )
    return new, skipped
