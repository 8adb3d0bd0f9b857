"""Writes to holders and credentials. Each one validates, saves and records its audit event atomically."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING

from django.db import transaction

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


@transaction.atomic
def holder_register(*, actor: User | None, name: str, id_number: IdNumber) -> Holder:
    """Find the holder with this ID number or create one."""
    existing = Holder.objects.filter(
        id_type=id_number.type.value,
        id_number_hash=id_number_lookup_hash(id_number.type, id_number.value),
    ).first()
    if existing is not None:
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


def _chunks(rows: Iterable[CredentialRow], size: int) -> Iterator[Sequence[CredentialRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class BulkResult:
    holders_created: int
    credentials_created: int
    credentials_existing: int


@transaction.atomic
def credentials_bulk_record(
    *, actor: User | None, rows: Iterable[CredentialRow], authority: Authority | None = None
) -> BulkResult:
    """Store many holders and credentials in one transaction; rows already stored are left alone."""
    holders_before = Holder.objects.count()
    credentials_before = Credential.objects.count()
    seen = 0
    for chunk in _chunks(rows, BULK_CHUNK):
        seen += len(chunk)
        holders = {}
        for row in chunk:
            holder = _new_holder(row.name, row.id_number)
            holders[(holder.id_type, holder.id_number_hash)] = holder
        Holder.objects.bulk_create(holders.values(), ignore_conflicts=True)
        ids = {
            (h_type, h_hash): pk
            for pk, h_type, h_hash in Holder.objects.filter(
                id_number_hash__in=[key[1] for key in holders]
            ).values_list("pk", "id_type", "id_number_hash")
        }
        Credential.objects.bulk_create(
            [
                Credential(
                    public_id=new_public_id(),
                    kind=row.kind,
                    qualification_id=row.qualification_id,
                    level=row.level,
                    specialty=row.specialty,
                    approval_date=row.approval_date,
                    management_number=row.management_number,
                    holder_id=ids[
                        (
                            row.id_number.type.value,
                            id_number_lookup_hash(row.id_number.type, row.id_number.value),
                        )
                    ],
                    issuing_authority_id=row.issuing_authority_id,
                    registration_authority_id=row.registration_authority_id,
                    issue_date=row.issue_date,
                    form=row.form,
                )
                for row in chunk
            ],
            ignore_conflicts=True,
        )
    result = BulkResult(
        holders_created=Holder.objects.count() - holders_before,
        credentials_created=Credential.objects.count() - credentials_before,
        credentials_existing=0,
    )
    result = BulkResult(
        result.holders_created, result.credentials_created, seen - result.credentials_created
    )
    audit_record(
        actor=actor,
        action="credential.bulk_recorded",
        authority=authority,
        object_type="batch",
        data={
            "rows": seen,
            "holders_created": result.holders_created,
            "credentials_created": result.credentials_created,
        },
    )
    return result
