"""The bare driver storing the same rows: the floor against which the service is measured.

Two tables with the columns, unique constraints and indexes of credentials_holder and
credentials_credential (no foreign keys: there are no authority or catalogue tables here),
filled in one transaction with ids assigned up front. Ciphertext, lookup hash, public id and the
signed bytes are random bytes of the sizes the service produced, made before the clock starts;
the baseline neither checks nor signs.
"""

from __future__ import annotations

import base64
import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ecert.core.identity.idnumbers import mask_id_number

if TYPE_CHECKING:
    from ecert.core.rules.drafts import CredentialDraft

# AES-GCM as in ecert.core.identity.pii: version byte, 12-byte nonce, plaintext, 16-byte tag.
CIPHERTEXT_OVERHEAD = 1 + 12 + 16

HOLDER_COLUMNS = (
    "id, name, id_type, id_number_ciphertext, id_number_hash, id_number_masked, created_at, "
    "photo_jpeg, photo_sha256, user_id"
)
CREDENTIAL_COLUMNS = (
    "id, public_id, kind, level, specialty, approval_date, management_number, issue_date, form, "
    "status, created_at, updated_at, issuing_authority_id, qualification_id, "
    "registration_authority_id, holder_id, status_index, batch_id, batch_position, "
    "licence_identifier, signed, signed_at, template, grassroots, series, title, holder_name, "
    "holder_sex, holder_birth_month, verification_code, supersedes_id, attests_id"
)
SCHEMA = """
CREATE TABLE {prefix}holder (
    id bigint PRIMARY KEY, name varchar(50) NOT NULL, id_type varchar(32) NOT NULL,
    id_number_ciphertext {blob} NOT NULL, id_number_hash varchar(64) NOT NULL,
    id_number_masked varchar(32) NOT NULL, created_at {timestamp} NOT NULL,
    photo_jpeg {blob} NULL, photo_sha256 varchar(64) NOT NULL, user_id bigint NULL,
    UNIQUE (id_number_hash, id_type));
CREATE INDEX {prefix}holder_user ON {prefix}holder (user_id) WHERE user_id IS NOT NULL;
CREATE TABLE {prefix}credential (
    id bigint PRIMARY KEY, public_id varchar(16) NOT NULL UNIQUE, kind varchar(32) NOT NULL,
    level varchar(32) NOT NULL, specialty varchar(100) NOT NULL, approval_date date NOT NULL,
    management_number varchar(40) NOT NULL, issue_date date NOT NULL, form varchar(16) NOT NULL,
    status varchar(16) NOT NULL, created_at {timestamp} NOT NULL,
    updated_at {timestamp} NOT NULL, issuing_authority_id bigint NOT NULL,
    qualification_id bigint NULL, registration_authority_id bigint NULL,
    holder_id bigint NOT NULL, status_index bigint NULL UNIQUE, batch_id bigint NULL,
    batch_position integer NULL, licence_identifier varchar(96) NULL UNIQUE, signed {blob} NULL,
    signed_at {timestamp} NULL, template varchar(64) NOT NULL, grassroots boolean NOT NULL,
    series varchar(32) NOT NULL, title varchar(16) NOT NULL, holder_name varchar(50) NOT NULL,
    holder_sex varchar(8) NOT NULL, holder_birth_month varchar(7) NOT NULL,
    verification_code varchar(16) NOT NULL, supersedes_id bigint NULL, attests_id bigint NULL);
CREATE UNIQUE INDEX {prefix}credential_number_unique ON {prefix}credential
    (qualification_id, kind, management_number)
    WHERE NOT (management_number = '') AND NOT (status = 'superseded');
CREATE UNIQUE INDEX {prefix}credential_one_current ON {prefix}credential
    (holder_id, kind, qualification_id, level, approval_date) WHERE NOT (status = 'superseded');
CREATE INDEX {prefix}credential_mn ON {prefix}credential (management_number);
CREATE INDEX {prefix}credential_qualification ON {prefix}credential (qualification_id);
CREATE INDEX {prefix}credential_registration ON {prefix}credential (registration_authority_id);
CREATE INDEX {prefix}credential_holder ON {prefix}credential (holder_id);
CREATE INDEX {prefix}credential_batch ON {prefix}credential (batch_id);
CREATE INDEX {prefix}credential_status ON {prefix}credential (issuing_authority_id, status);
CREATE INDEX {prefix}credential_attests ON {prefix}credential (attests_id)
    WHERE attests_id IS NOT NULL;
CREATE INDEX {prefix}credential_code ON {prefix}credential (verification_code)
    WHERE NOT (verification_code = '');
CREATE UNIQUE INDEX {prefix}credential_supersedes ON {prefix}credential (supersedes_id)
    WHERE supersedes_id IS NOT NULL;
"""
PREFIX = "bench_"

Tables = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Sizes:
    """Mean sizes of what the service stored, so that the baseline writes as many bytes."""

    signed: int
    licence_identifier: int


def equivalent_rows(rows: Sequence[CredentialDraft], sizes: Sizes, *, as_text: bool) -> Tables:
    """Holder and credential tuples for `rows`; dates as ISO text for SQLite (`as_text`)."""
    now = datetime.now(UTC)
    stamp: Any = now.isoformat(sep=" ") if as_text else now
    holders, credentials = [], []
    for pk, row in enumerate(rows, start=1):
        number = row.person.id_number
        birth = number.birth_date
        holders.append(
            (
                pk,
                row.person.name,
                number.type.value,
                os.urandom(CIPHERTEXT_OVERHEAD + len(number.value.encode())),
                os.urandom(32).hex(),
                mask_id_number(number.value),
                stamp,
                None,
                "",
                None,
            )
        )
        approval, issue = row.approval_date, row.issue_date
        credentials.append(
            (
                pk,
                base64.b32encode(os.urandom(10)).decode(),
                row.kind.value,
                row.level,
                row.specialty,
                approval.isoformat() if as_text else approval,
                row.number,
                issue.isoformat() if as_text else issue,
                row.form.value,
                "valid",
                stamp,
                stamp,
                row.issuer,
                row.qualification,
                row.registration,
                pk,
                pk,
                1,
                pk - 1,
                f"{pk:0{sizes.licence_identifier}d}",
                os.urandom(sizes.signed),
                stamp,
                "",
                False,
                "",
                "",
                row.person.name,
                number.sex.value if number.sex else "",
                f"{birth:%Y-%m}" if birth else "",
                "",
                None,
                None,
            )
        )
    return holders, credentials


def _placeholders(columns: str, mark: str) -> str:
    return ", ".join(mark for _ in columns.split(","))


def sqlite_insert(path: Path, tables: Tables) -> float:
    """`sqlite3.executemany` into a fresh WAL-mode file, one transaction; seconds taken."""
    holders, credentials = tables
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(SCHEMA.format(prefix=PREFIX, blob="BLOB", timestamp="datetime"))
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            f"INSERT INTO {PREFIX}holder ({HOLDER_COLUMNS}) "
            f"VALUES ({_placeholders(HOLDER_COLUMNS, '?')})",
            holders,
        )
        conn.executemany(
            f"INSERT INTO {PREFIX}credential ({CREDENTIAL_COLUMNS}) "
            f"VALUES ({_placeholders(CREDENTIAL_COLUMNS, '?')})",
            credentials,
        )
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def postgres_copy(url: str, tables: Tables) -> float:
    """psycopg 3 `COPY … FROM STDIN` into scratch tables, one transaction; seconds taken."""
    holders, credentials = tables
    with psycopg.connect(url) as conn:
        conn.execute(SCHEMA.format(prefix=PREFIX, blob="bytea", timestamp="timestamptz"))
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor:
            for table, columns, data in (
                ("holder", HOLDER_COLUMNS, holders),
                ("credential", CREDENTIAL_COLUMNS, credentials),
            ):
                with cursor.copy(f"COPY {PREFIX}{table} ({columns}) FROM STDIN") as copy:
                    for record in data:
                        copy.write_row(record)
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute(f"DROP TABLE {PREFIX}credential, {PREFIX}holder")
        conn.commit()
    return elapsed
