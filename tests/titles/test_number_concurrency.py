"""Title certificate numbers taken by 8 concurrent writers: each once, none skipped, per key.

Its own module for the reasons tests/signing/test_status_index_concurrency.py gives: on PostgreSQL
the threads run against the test database; on SQLite they run in an ``ecert`` process on a fresh
file database in WAL mode, as deployments use it. Half the threads number one series and half
another, so the counter rows are also created under contention.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection, transaction

from ecert.titles.certificates import title_number_allocate
from tests.ecert_command import run_ecert

THREADS = 8
CALLS = 25
SERIES = ("011", "012")


def allocate_in_threads() -> list[tuple[str, list[int]]]:
    """Each thread takes CALLS numbers of one series, one transaction each."""
    barrier = threading.Barrier(THREADS)

    def allocate(series: str) -> tuple[str, list[int]]:
        try:
            barrier.wait(timeout=30)
            taken = []
            for _ in range(CALLS):
                with transaction.atomic():
                    taken.append(
                        title_number_allocate(year=2025, region_code="14020", series_code=series)
                    )
            return series, taken
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(allocate, SERIES[i % 2]) for i in range(THREADS)]
        return [f.result() for f in futures]


def _on_an_sqlite_file(data_dir: Path) -> list[tuple[str, list[int]]]:
    initialised = run_ecert(data_dir, "init", "--quiet")
    assert initialised.returncode == 0, initialised.stderr
    script = (
        "import json; from tests.titles.test_number_concurrency import allocate_in_threads; "
        "print(json.dumps(allocate_in_threads()))"
    )
    ran = run_ecert(data_dir, "manage", "shell", "-c", script)
    assert ran.returncode == 0, ran.stderr
    return [
        (series, numbers) for series, numbers in json.loads(ran.stdout.strip().splitlines()[-1])
    ]


@pytest.mark.django_db(transaction=True)
def test_eight_writers_take_every_number_once_without_gaps(
    audit_flush_allowed: None, tmp_path: Path
) -> None:
    if connection.vendor == "postgresql":
        results = allocate_in_threads()
    else:
        results = _on_an_sqlite_file(tmp_path / "data")

    taken: dict[str, list[int]] = {series: [] for series in SERIES}
    for series, numbers in results:
        taken[series].extend(numbers)
    per_series = THREADS // len(SERIES) * CALLS
    assert sorted(taken["011"]) == list(range(1, per_series + 1))
    assert sorted(taken["012"]) == list(range(1, per_series + 1))
