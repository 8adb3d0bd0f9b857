"""The bulk write path: many holders and credentials, checked against what is stored, inserted as
plain rows (executemany on SQLite, COPY on PostgreSQL) rather than through model instances.

Callers own the transaction and the audit event (`services.credentials_bulk_record`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Field, Model, Q
from django.utils import timezone

from ecert.catalogue.selectors import qualification_facts
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, mask_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.identity.public_ids import new_public_id
from ecert.core.rules.credential_rules import check_credential
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.credentials.models import Credential, Holder
from ecert.credentials.personal_data import holder_identity_fields, id_number_lookup_hash

CHUNK = 2000


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
    template: str = ""  # the catalogue list it is issued under; blank: recorded, not issued


@dataclass(frozen=True)
class BulkResult:
    rows: int
    holders_created: int
    credentials_created: int
    credentials_existing: int


def bulk_store(rows: Iterable[CredentialRow]) -> BulkResult:
    """Insert what is new, skip what is stored identically; a contradiction raises an EcertError
    naming its row."""
    holders_created = credentials_created = existing = offset = 0
    for chunk in _chunks(rows, CHUNK):
        hashes = [id_number_lookup_hash(r.id_number.type, r.id_number.value) for r in chunk]
        holder_ids, created = _holders_for(chunk, hashes, offset)
        new, skipped = _new_credentials(chunk, [holder_ids[h] for h in hashes], offset)
        insert_rows(Credential, CREDENTIAL_COLUMNS, new)
        holders_created += created
        credentials_created += len(new)
        existing += skipped
        offset += len(chunk)
    return BulkResult(offset, holders_created, credentials_created, existing)


def insert_rows(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows into `model`'s table; values are in `fields` order and already adapted."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608 - names from model metadata


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return field.column


def _chunks(rows: Iterable[CredentialRow], size: int) -> Iterator[list[CredentialRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


HOLDER_COLUMNS = (
    "name",
    "id_type",
    "id_number_ciphertext",
    "id_number_hash",
    "id_number_masked",
    "sex",
    "birth_month",
    "photo",
    "created_at",
)


def _holders_for(
    chunk: Sequence[CredentialRow], hashes: list[str], offset: int
) -> tuple[dict[str, int], int]:
    """Map each row's ID-number hash to a holder id, creating missing holders; names must agree."""
    stored = dict(
        Holder.objects.filter(id_number_hash__in=set(hashes)).values_list("id_number_hash", "name")
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    new: dict[str, tuple[Any, ...]] = {}
    for index, (row, lookup_hash) in enumerate(zip(chunk, hashes, strict=True), start=offset + 1):
        name = normalise_name(row.name)
        known = stored.get(lookup_hash)
        if known is None:
            fields = holder_identity_fields(row.id_number, lookup_hash)
            new[lookup_hash] = (name, *fields.values(), "", now)
            stored[lookup_hash] = name
        elif known != name:
            masked = mask_id_number(row.id_number.value)
            raise EcertError(
                "holder_name_mismatch",
                f"证件号码 {masked} 已登记为另一姓名",
                f"ID number {masked} is registered under another name",
                row=index,
            )
    insert_rows(Holder, HOLDER_COLUMNS, list(new.values()))
    ids = dict(
        Holder.objects.filter(id_number_hash__in=set(hashes)).values_list("id_number_hash", "pk")
    )
    return ids, len(new)


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

# What every stored credential row has, in this order; the recorders add their own columns.
RECORD_COLUMNS = (
    "public_id",
    "kind",
    "qualification",
    "level",
    "specialty",
    "approval_date",
    "management_number",
    "holder",
    "issuing_authority",
    "registration_authority",
    "issue_date",
    "form",
    "status",
)
CREDENTIAL_COLUMNS = (*RECORD_COLUMNS, "template", "created_at", "updated_at")


def _recorded(row: CredentialRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in _COMPARED}


def _stored_credentials(
    holder_ids: list[int], numbers: set[str]
) -> tuple[dict[NaturalKey, dict[str, object]], dict[tuple[int | None, str], NaturalKey]]:
    by_natural_key: dict[NaturalKey, dict[str, object]] = {}
    by_number: dict[tuple[int | None, str], NaturalKey] = {}
    stored_rows = Credential.objects.filter(
        Q(holder_id__in=set(holder_ids)) | Q(management_number__in=numbers)
    ).values("holder_id", "kind", "qualification_id", "level", "approval_date", *_COMPARED)
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
    return by_natural_key, by_number


def _new_credentials(
    chunk: Sequence[CredentialRow], holder_ids: list[int], offset: int
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows to insert for this chunk, and how many were already stored identically.

    One credential per holder, kind, qualification, level and approval date: a row matching a
    stored one is skipped when every recorded field agrees, and refused when any differs.
    """
    numbers = {r.management_number for r in chunk if r.management_number}
    by_natural_key, by_number = _stored_credentials(holder_ids, numbers)
    facts = qualification_facts({r.qualification_id for r in chunk if r.qualification_id})
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    new: list[tuple[Any, ...]] = []
    skipped = 0
    for index, (row, holder_id) in enumerate(zip(chunk, holder_ids, strict=True), start=offset + 1):
        try:
            check_credential(
                kind=row.kind,
                qualification=facts.get(row.qualification_id) if row.qualification_id else None,
                level=row.level,
                approval_date=row.approval_date,
                issue_date=row.issue_date,
                form=row.form,
            )
        except EcertError as error:
            raise error.located(row=index) from error
        natural: NaturalKey = (
            holder_id,
            row.kind.value,
            row.qualification_id,
            row.level,
            row.approval_date,
        )
        if natural in by_natural_key:
            recorded = _recorded(row)
            for name, (zh, en) in _COMPARED.items():
                if by_natural_key[natural][name] != recorded[name]:
                    raise EcertError(
                        "credential_differs",
                        f"该持证人的此证书已登记，但{zh}不同",
                        f"this credential is already recorded for the holder with a different {en}",
                        row=index,
                    )
            skipped += 1
            continue
        number_key = (row.qualification_id, row.management_number)
        if row.management_number and number_key in by_number:
            raise EcertError(
                "number_taken",
                f"管理号 {row.management_number} 已属于另一证书",
                f"management number {row.management_number} already belongs to another credential",
                row=index,
            )
        by_natural_key[natural] = _recorded(row)
        if row.management_number:
            by_number[number_key] = natural
        new.append(
            (
                new_public_id(),
                row.kind.value,
                row.qualification_id,
                row.level,
                row.specialty,
                ops.adapt_datefield_value(row.approval_date),
                row.management_number,
                holder_id,
                row.issuing_authority_id,
                row.registration_authority_id,
                ops.adapt_datefield_value(row.issue_date),
                row.form.value,
                CredentialStatus.VALID.value,
                row.template,
                now,
                now,
            )
        )
    return new, skipped
