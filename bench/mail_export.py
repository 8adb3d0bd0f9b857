"""A unit's day of mail orders (issue 16): 10,000 certificates waiting for mail exported as one
batch, its parcels and timeline lines stored, and the workbook for EMS's bulk-order service
written, through the real ``mail_orders_export`` and ``mail_batch_workbook``.

Baseline: the bare insert of the same rows in the same run: the 10,000 parcel rows and 10,000
timeline rows, by sqlite3 ``executemany`` into plain tables of the same columns (SQLite) or
psycopg COPY (PostgreSQL), with no scope, lock, check, audit event or workbook. The budget is on
the ratio of our rate to the baseline's: at least 0.5.

One child process per database (``python -m bench.mail_export --database …``).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import databases
from bench.harness import Baseline, Budget, Figure, Report, child_main, run_children
from bench.rates import load_note

NAME = "mail-export"
PARCELS = 10_000
BUDGET_RATIO = 0.5
UNIT = "sd-jinan"
_PARCEL_COLUMNS = (
    "reference text, certificate_id integer, batch_id integer, carrier text, recipient text, "
    "phone text, address text, postcode text, state text, created_at text, updated_at text"
)
_EVENT_COLUMNS = (
    "certificate_id integer, at text, kind text, state text, actor_id integer, "
    "actor_label text, detail text"
)


def _waiting(count: int) -> Any:
    """``count`` paper certificates of the Jinan bureau whose holders chose mail; the clerk."""
    from bench.issue import keys_init
    from bench.rows import credential_drafts
    from ecert.accounts.services import role_assign, user_create
    from ecert.authorities.models import Authority
    from ecert.core.rules.kinds import CredentialForm
    from ecert.core.rules.paper import Edition, PaperState
    from ecert.core.rules.roles import Role
    from ecert.credentials.models import Credential
    from ecert.credentials.pipeline import insert_rows
    from ecert.credentials.services import credentials_issue
    from ecert.distribution.models import PaperCertificate, PaperDelivery

    keys_init()
    now = datetime.now(UTC)
    drafts = [replace(d, form=CredentialForm.PAPER) for d in credential_drafts(count)]
    credentials_issue(actor=None, drafts=drafts, now=now)
    unit = Authority.objects.get(key=UNIT)
    clerk = user_create(actor=None, username="bench_clerk", password="x" * 16, display_name="b")
    role_assign(actor=None, user=clerk, role=Role.CITY_CLERK, authority=unit)
    first = Credential.objects.order_by("id").first()
    assert first is not None
    assert first.qualification is not None
    delivery = PaperDelivery.objects.create(
        reference="PDBENCH",
        authority=Authority.objects.get(key="sd-pta"),
        qualification=first.qualification,
        level="",
        approval_date=now.date(),
        edition=Edition.NEW,
        arrived_on=now.date(),
        size=count,
        created_at=now,
    )
    insert_rows(
        PaperCertificate,
        (
            "credential",
            "delivery",
            "unit",
            "state",
            "state_since",
            "method",
            "mail_recipient",
            "mail_phone",
            "mail_address",
            "mail_postcode",
        ),
        [
            (
                pk,
                delivery.pk,
                unit.pk,
                PaperState.TO_MAIL.value,
                now,
                "mail",
                f"收件人{n}",
                f"138{n:08d}",
                f"山东省济南市历下区泉城路 {n} 号",
                "250011",
            )
            for n, pk in enumerate(Credential.objects.order_by("id").values_list("pk", flat=True))
        ],
    )
    return clerk, unit


def _ours(clerk: Any, unit: Any) -> tuple[float, float, int, int]:
    """Seconds for the whole export, of which storing; parcels; the workbook's bytes."""
    from ecert.distribution.mail import mail_batch_workbook, mail_orders_export

    start = time.perf_counter()
    batch = mail_orders_export(
        actor=clerk,
        unit=unit,
        sender_phone="053186000000",
        sender_address="济南市市中区纬二路 1 号",
        now=datetime.now(UTC),
    )
    stored = time.perf_counter() - start
    workbook = mail_batch_workbook(batch)
    return time.perf_counter() - start, stored, batch.size, len(workbook)


def _rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The parcel and timeline rows the export stored, as plain tuples."""
    from ecert.distribution.models import MailParcel, PaperEvent

    parcels = [
        (*row[:9], row[9].isoformat(), row[10].isoformat())
        for row in MailParcel.objects.values_list(
            "reference",
            "certificate_id",
            "batch_id",
            "carrier",
            "recipient",
            "phone",
            "address",
            "postcode",
            "state",
            "created_at",
            "updated_at",
        )
    ]
    events = [
        (row[0], row[1].isoformat(), *row[2:6], json.dumps(row[6], ensure_ascii=False))
        for row in PaperEvent.objects.filter(kind="ordered").values_list(
            "certificate_id", "at", "kind", "state", "actor_id", "actor_label", "detail"
        )
    ]
    return parcels, events


def _baseline_sqlite(path: Path, parcels: list[Any], events: list[Any]) -> float:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"CREATE TABLE parcel ({_PARCEL_COLUMNS})")
        conn.execute(f"CREATE TABLE event (id integer primary key, {_EVENT_COLUMNS})")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO parcel VALUES ({', '.join(['?'] * 11)})", parcels)
        conn.executemany(
            "INSERT INTO event (certificate_id, at, kind, state, actor_id, actor_label, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            events,
        )
        conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()


def _baseline_postgres(url: str, parcels: list[Any], events: list[Any]) -> float:
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE TABLE bench_parcel ({_PARCEL_COLUMNS})")
        conn.execute(f"CREATE TABLE bench_event (id serial primary key, {_EVENT_COLUMNS})")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cursor:
            with cursor.copy("COPY bench_parcel FROM STDIN") as copy:
                for row in parcels:
                    copy.write_row(row)
            with cursor.copy(
                "COPY bench_event (certificate_id, at, kind, state, actor_id, actor_label, "
                "detail) FROM STDIN"
            ) as copy:
                for row in events:
                    copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


def measure(database: str, work_dir: Path) -> dict[str, Any]:
    databases.django_setup(database, work_dir)
    try:
        clerk, unit = _waiting(PARCELS)
        seconds, stored_seconds, parcels, workbook_bytes = _ours(clerk, unit)
        parcel_rows, event_rows = _rows()
        if database == "postgresql":
            url = databases.postgres_url(databases.POSTGRES_BENCH_DB)
            base_seconds = _baseline_postgres(url, parcel_rows, event_rows)
        else:
            base_seconds = _baseline_sqlite(work_dir / "baseline.sqlite3", parcel_rows, event_rows)
    finally:
        databases.django_teardown(database)
    return {
        "database": database,
        "parcels": parcels,
        "seconds": seconds,
        "stored_seconds": stored_seconds,
        "workbook_bytes": workbook_bytes,
        "baseline_seconds": base_seconds,
        "baseline_rows": len(parcel_rows) + len(event_rows),
    }


def figures_from(data: dict[str, Any]) -> list[Figure]:
    database = databases.LABELS[data["database"]]
    parcels = data["parcels"]
    ours = parcels / data["seconds"]
    bare = parcels / data["baseline_seconds"]
    return [
        Figure(
            benchmark=NAME,
            name=f"mail orders, {parcels:,} parcels (batch, parcels, timeline, workbook)",
            database=database,
            value=ours,
            unit="parcels/s",
            detail=f"{data['seconds']:.2f} s, of which storing {data['stored_seconds']:.2f} s; "
            f"workbook {data['workbook_bytes'] / 2**20:.1f} MiB",
            baseline=Baseline("bare insert of the same parcel and timeline rows", bare),
        ),
        Figure(
            benchmark=NAME,
            name="· ours to the bare insert",
            database=database,
            value=100 * ours / bare,
            unit="%",
            detail=f"bare insert {data['baseline_seconds']:.2f} s, ratio {ours / bare:.2f}",
            budget=Budget(100 * BUDGET_RATIO, higher_is_better=True, note="ratio ≥ 0.5"),
        ),
    ]


def run(rows: int, selected: list[str]) -> Report:
    """Parent side; ``rows`` does not apply (a day's 10,000 orders)."""
    del rows
    return run_children(NAME, "bench.mail_export", selected, figures_from, [load_note(NAME)])


def main(argv: list[str] | None = None) -> None:
    child_main("bench.mail_export", __doc__, measure, argv)


if __name__ == "__main__":
    main()
