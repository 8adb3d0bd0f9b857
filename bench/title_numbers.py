"""Title certificate numbers taken by 8 concurrent writers (issue 7): numbers per second, and
proof that none is handed out twice and none skipped.

Each writer is a thread with its own database connection. It takes ``--per-writer`` numbers of
one (review year, region-department code, series-level code), each in its own transaction,
through the real ``title_number_allocate`` (the counter row is created under contention by the
first writers). All 8 writers number the same key, the worst case for the row lock.

Baseline: the plainest gap-free counter on the same server, in the same run: 8 threads, each with
its own psycopg connection in autocommit, each number one ``UPDATE … SET n = n + 1 RETURNING n``.

One child process per database (``python -m bench.title_numbers --database …``); the budget
line is zero duplicates and zero gaps; DESIGN.md §7 gives no rate for this.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg

from bench import databases
from bench.harness import Baseline, Budget, Figure, Report, child_main, run_children
from bench.rates import load_note

NAME = "title-numbers"
WRITERS = 8
PER_WRITER = 500
KEY = {"year": 2025, "region_code": "14020", "series_code": "012"}


def _in_threads(take: Callable[[], int], finish: Callable[[], None]) -> tuple[float, list[int]]:
    """WRITERS threads each call ``take`` PER_WRITER times after a common start; seconds, numbers."""
    barrier = threading.Barrier(WRITERS + 1)

    def writer() -> list[int]:
        try:
            barrier.wait(timeout=60)
            return [take() for _ in range(PER_WRITER)]
        finally:
            finish()

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(writer) for _ in range(WRITERS)]
        barrier.wait(timeout=60)
        start = time.perf_counter()
        taken = [number for future in futures for number in future.result()]
        seconds = time.perf_counter() - start
    return seconds, taken


def _ours() -> tuple[float, list[int]]:
    from django.db import connection, transaction

    from ecert.titles.certificates import title_number_allocate

    def take() -> int:
        with transaction.atomic():
            return title_number_allocate(**KEY)  # type: ignore[arg-type]

    return _in_threads(take, lambda: connection.close())  # each thread closes its own


def _baseline_postgres(url: str) -> tuple[float, list[int]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, n int NOT NULL)")
        conn.execute("INSERT INTO bench_counter VALUES (1, 0)")
    local = threading.local()

    def take() -> int:
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(url, autocommit=True)
        row = local.conn.execute(
            "UPDATE bench_counter SET n = n + 1 WHERE id = 1 RETURNING n"
        ).fetchone()
        return int(row[0])

    def finish() -> None:
        if hasattr(local, "conn"):
            local.conn.close()

    return _in_threads(take, finish)


def _baseline_sqlite(path: Path) -> tuple[float, list[int]]:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, n int NOT NULL)")
        conn.execute("INSERT INTO bench_counter VALUES (1, 0)")
    local = threading.local()

    def take() -> int:
        if not hasattr(local, "conn"):
            local.conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            local.conn.execute("PRAGMA synchronous=NORMAL")
        conn = local.conn
        conn.execute("BEGIN IMMEDIATE")
        row = conn.execute("UPDATE bench_counter SET n = n + 1 WHERE id = 1 RETURNING n").fetchone()
        conn.execute("COMMIT")
        return int(row[0])

    def finish() -> None:
        if hasattr(local, "conn"):
            local.conn.close()

    return _in_threads(take, finish)


def _check(taken: list[int]) -> dict[str, int]:
    """Duplicates, and gaps below the highest number handed out."""
    distinct = set(taken)
    return {
        "taken": len(taken),
        "duplicates": len(taken) - len(distinct),
        "gaps": (max(distinct) - len(distinct)) if distinct else 0,
    }


def measure(database: str, work_dir: Path) -> dict[str, Any]:
    databases.django_setup(database, work_dir)
    seconds, taken = _ours()
    if database == "postgresql":
        url = databases.postgres_url(databases.POSTGRES_BENCH_DB)
        base_seconds, base_taken = _baseline_postgres(url)
        server = databases.postgres_server_version()
    else:
        base_seconds, base_taken = _baseline_sqlite(work_dir / "baseline.sqlite3")
        server = ""
    databases.django_teardown(database)
    return {
        "database": database,
        "writers": WRITERS,
        "per_writer": PER_WRITER,
        "seconds": seconds,
        "check": _check(taken),
        "baseline_seconds": base_seconds,
        "baseline_check": _check(base_taken),
        "server_version": server,
    }


def figures_from(data: dict[str, Any]) -> list[Figure]:
    database = databases.LABELS[data["database"]]
    check, base = data["check"], data["baseline_check"]
    total = check["taken"]
    return [
        Figure(
            benchmark=NAME,
            name=f"title numbers, {data['writers']} concurrent writers, one key",
            database=database,
            value=total / data["seconds"],
            unit="numbers/s",
            detail=f"{total:,} in {data['seconds']:.2f} s, one transaction each",
            baseline=Baseline(
                "bare UPDATE … RETURNING counter, same threads",
                base["taken"] / data["baseline_seconds"],
            ),
        ),
        Figure(
            benchmark=NAME,
            name="· numbers handed out twice or skipped",
            database=database,
            value=check["duplicates"] + check["gaps"],
            unit="numbers",
            detail=f"duplicates {check['duplicates']}, gaps {check['gaps']} "
            f"(baseline: {base['duplicates']}, {base['gaps']})",
            budget=Budget(0, higher_is_better=False),
        ),
    ]


def run(rows: int, selected: list[str]) -> Report:
    """Parent side; ``rows`` does not apply (8 writers × 500 numbers)."""
    del rows
    return run_children(NAME, "bench.title_numbers", selected, figures_from, [load_note(NAME)])


def main(argv: list[str] | None = None) -> None:
    child_main("bench.title_numbers", __doc__, measure, argv)


if __name__ == "__main__":
    main()
