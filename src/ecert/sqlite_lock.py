"""Writes that do not queue behind SQLite's one write lock.

On the embedded default every write waits up to the busy timeout (config.py, 20 s) for the lock,
which a running import holds until it commits. A write a request can do without (a token's
last use) or put aside (the verification log, verification/spool.py) waits a bounded time here
instead, and learns from ``lock_busy`` that the lock was not free. On PostgreSQL both do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection


@contextmanager
def waiting_at_most(milliseconds: int) -> Iterator[None]:
    """Within the block, a write on SQLite waits at most ``milliseconds`` for the write lock and
    then fails with "database is locked" (test it with ``lock_busy``)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(before)}")


def lock_busy(error: OperationalError) -> bool:
    """The error says another connection holds SQLite's write lock."""
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text
