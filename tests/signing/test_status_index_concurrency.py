"""Status indexes handed out by concurrent writers: each exactly once, none skipped.

Its own module: the test needs real transactions and threads with their own connections, and on
SQLite the flush after such a test needs the append-only audit trigger lifted (tests/conftest.py).

On PostgreSQL the threads run here, against the test database. SQLite's in-memory test database
(shared cache) refuses a second writer outright ("database table is locked") instead of waiting,
which the embedded default never does: there the same threads run in an ``ecert`` process on a
freshly initialised data directory, the file database in WAL mode that deployments use.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from ecert.credentials.models import StatusIndexCounter
from ecert.credentials.pipeline import status_indexes_allocate
from tests.ecert_command import run_ecert

THREADS = 4
CALLS = 50

# Run by the threads: here on PostgreSQL, and as `ecert manage shell -c` on an SQLite file.
ALLOCATE = f"""
import json, threading
from concurrent.futures import ThreadPoolExecutor
from django.db import connection
from ecert.credentials.pipeline import status_indexes_allocate

barrier = threading.Barrier({THREADS})

def allocate():
    try:
        barrier.wait(timeout=30)
        return [index for _ in range({CALLS}) for index in status_indexes_allocate(1)]
    finally:
        connection.close()  # each thread has its own connection

with ThreadPoolExecutor({THREADS}) as pool:
    batches = [f.result() for f in [pool.submit(allocate) for _ in range({THREADS})]]
print(json.dumps([index for batch in batches for index in batch]))
"""


def _allocate_in_threads_here() -> tuple[int, list[int]]:
    # The migration's counter row is gone if an earlier transactional test flushed the tables.
    StatusIndexCounter.objects.get_or_create(pk=1)
    start = StatusIndexCounter.objects.get(pk=1).next_index
    barrier = threading.Barrier(THREADS)

    def allocate() -> list[int]:
        try:
            barrier.wait(timeout=30)
            return [index for _ in range(CALLS) for index in status_indexes_allocate(1)]
        finally:
            connection.close()  # each thread has its own connection

    with ThreadPoolExecutor(THREADS) as pool:
        batches = [f.result() for f in [pool.submit(allocate) for _ in range(THREADS)]]
    return start, [index for batch in batches for index in batch]


def _allocate_in_threads_on_an_sqlite_file(data_dir: Path) -> tuple[int, list[int]]:
    initialised = run_ecert(data_dir, "init", "--quiet")
    assert initialised.returncode == 0, initialised.stderr
    allocated = run_ecert(data_dir, "manage", "shell", "-c", ALLOCATE)
    assert allocated.returncode == 0, allocated.stderr
    return 0, json.loads(allocated.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_hand_out_every_index_once_without_gaps(
    audit_flush_allowed: None, tmp_path: Path
) -> None:
    if connection.vendor == "postgresql":
        start, handed_out = _allocate_in_threads_here()
    else:
        start, handed_out = _allocate_in_threads_on_an_sqlite_file(tmp_path / "data")
    assert len(handed_out) == THREADS * CALLS
    assert sorted(handed_out) == list(range(start, start + THREADS * CALLS))
