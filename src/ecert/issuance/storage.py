"""How the importer reads and writes credentials: the duplicate checks' plain-SQL queries, and the
column order of the credential rows it inserts once their chunk is signed.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection

from ecert.core.spreadsheets.cells import Cell
from ecert.credentials.bulk import RECORD_COLUMNS
from ecert.credentials.models import Credential, Holder
from ecert.issuance.models import IssuanceBatch
from ecert.issuance.signing_batch import ClaimsFields, Signed

CREDENTIAL_COLUMNS = (
    *RECORD_COLUMNS,
    "status_index",
    "signed",
    "signed_at",
    "licence_identifier",
    "template",
    "batch",
    "batch_position",
    "created_at",
    "updated_at",
)


Person = tuple[str, str, str, date]  # ID type, ID number, level, approval date

# Places in CREDENTIAL_COLUMNS filled in once the chunk is signed.
SIGNED, IDENTIFIER, POSITION = (
    CREDENTIAL_COLUMNS.index(name) for name in ("signed", "licence_identifier", "batch_position")
)


@dataclass
class Chunk:
    """Credentials stored in every column but their signature, waiting for it."""

    rows: list[list[Any]]
    groups: dict[str, tuple[list[int], list[ClaimsFields]]]  # signer → row indexes, claims
    futures: dict[str, Future[list[Signed]]] = field(default_factory=dict)
    row_numbers: list[int] = field(default_factory=list)
    cells: list[list[Cell]] = field(default_factory=list)  # as read, for the error workbook
    keys: list[tuple[Person, str]] = field(default_factory=list)


# The duplicate checks read with plain SQL: building Django lookups for IN lists of 2,000 values
# per chunk cost more than the queries themselves.
HOLDERS_BY_HASH = (
    f"SELECT id_number_hash, id, name FROM {Holder._meta.db_table} WHERE id_number_hash IN ({{}})"  # noqa: S608 - model tables
)
_LINKED = (
    "c.management_number, c.holder_id, c.kind, b.reference, b.source_id, c.batch_position "
    f"FROM {Credential._meta.db_table} c LEFT JOIN {IssuanceBatch._meta.db_table} b ON b.id = c.batch_id "
    "WHERE c.qualification_id = %s"
)
BY_NUMBER_FIELDS = (
    "management_number",
    "holder_id",
    "kind",
    "batch__reference",
    "batch__source_id",
    "batch_position",
)
BY_NUMBER = f"SELECT {_LINKED} AND c.management_number IN ({{}})"
BY_HOLDER_FIELDS = (
    "level",
    "approval_date",
    "specialty",
    "registration_authority_id",
    *BY_NUMBER_FIELDS,
)
BY_HOLDER = (
    "SELECT c.level, c.approval_date, c.specialty, c.registration_authority_id, "
    f"{_LINKED} AND c.holder_id IN ({{}})"
)


def select_in(sql: str, params: list[Any], values: list[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` whose IN list (the ``{}``) holds ``values``; none when it is empty."""
    if not values:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql.format(", ".join(["%s"] * len(values))), [*params, *values])
        return list(cursor.fetchall())


def as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value
