"""The verification log on SQLite when a writer holds the lock: a durable write-behind.

SQLite has one write lock, and an import holds it until it commits (a 100,000-row import for a
minute or more). A verification must not wait for it, and must not go unlogged. So on SQLite a
log row is written at once when the lock comes within LOG_WAIT_MS; otherwise it is appended to
this process's spool file in ``ECERT_DATA_DIR/verification-spool`` and flushed to the disk
before the answer goes out. Spooled lines move into the table (``spool_drain``) at the next
verification that finds the lock free, when the log is read, and every few seconds in ``ecert
worker`` (docs/verification.md, decision 83).

Each file is moved aside (renamed ``draining-…``) under an exclusive ``flock`` before it is read,
and a writer appends only to the file it holds locked under the live name, so a renamed file is
complete. Its lines go into the table in chunks; each chunk's transaction also advances the file's
count in ``SpoolFile``, so a drain stopped anywhere (lock taken, crash) resumes after the last
line it stored and never stores one twice.

PostgreSQL's writers do not block the log's inserts, so there a row goes to the table at once; but
with a read replica (ecert.replicas, docs/scaling.md) verification keeps answering while the
primary is down, and then the row cannot be written: it is spooled the same way, and drained when
the primary answers again (the next logged verification, the log's reader, ``ecert worker``).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from ecert.accounts.models import User
from ecert.credentials.models import Credential
from ecert.sqlite_lock import lock_busy, waiting_at_most
from ecert.verification.models import Organisation, SpoolFile, VerificationEvent

LOG_WAIT_MS = 200  # a writer's commit takes milliseconds; an import's takes a minute
RETRY_SECONDS = 1.0  # after a busy lock, a process spools without asking again for this long
DRAIN_CHUNK = 1_000  # lines per drain transaction: the lock is held for a few milliseconds
LIVE_SUFFIX = ".jsonl"
DRAINING_PREFIX = "draining-"

_append_lock = threading.Lock()
_spool_until = 0.0  # monotonic clock; before it, this process spools without trying the table


def spool_directory() -> Path:
    return Path(settings.ECERT_DATA_DIR) / "verification-spool"


def event_store(event: VerificationEvent) -> None:
    """Store one verification: on SQLite in the table when the write lock is free within
    LOG_WAIT_MS, on PostgreSQL when the primary answers; otherwise durably in the spool. Then
    drain a chunk of the spool if any waits."""
    global _spool_until
    if connection.vendor == "postgresql":
        _postgresql_store(event)
        return
    if connection.in_atomic_block:  # the caller's transaction already holds the lock
        event.save(force_insert=True)
        return
    if time.monotonic() >= _spool_until:
        try:
            with waiting_at_most(LOG_WAIT_MS):
                event.save(force_insert=True)
        except OperationalError as error:
            if not lock_busy(error):
                raise
            _spool_until = time.monotonic() + RETRY_SECONDS
        else:
            if spool_waiting():
                spool_drain(chunks=1)
            return
    spool_append(event)


def _postgresql_store(event: VerificationEvent) -> None:
    """The row in the table, its commit not waiting for the disk (a crash may lose the last
    fraction of a second of log lines, never a certificate); in the spool when the primary cannot
    be reached, and then without asking it again for RETRY_SECONDS."""
    global _spool_until
    if connection.in_atomic_block:  # one commit for a list's rows (lists.py)
        event.save(force_insert=True)
        return
    if time.monotonic() >= _spool_until:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                event.save(force_insert=True)
        except (OperationalError, InterfaceError):  # the primary is down or unreachable
            _spool_until = time.monotonic() + RETRY_SECONDS
        else:
            if spool_waiting():
                spool_drain(chunks=1)
            return
    spool_append(event)


def _write_unavailable(error: OperationalError) -> bool:
    """The table cannot be written now: SQLite's lock is taken, or PostgreSQL's primary is down."""
    return connection.vendor == "postgresql" or lock_busy(error)


def _line(event: VerificationEvent) -> bytes:
    record = {
        "at": event.at.isoformat(),
        "channel": event.channel,
        "organisation": event.organisation_id,
        "user": event.user_id,
        "address": event.address,
        "credential": event.credential_id,
        "verdict": event.verdict,
        "asked": event.asked,
    }
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


def spool_append(event: VerificationEvent) -> None:
    """Append the event to this process's spool file and flush it to the disk."""
    directory = spool_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{os.getpid()}{LIVE_SUFFIX}"
    line = _line(event)
    with _append_lock:
        descriptor = _open_locked(path)
        try:
            created = os.fstat(descriptor).st_size == 0
            os.write(descriptor, line)
            os.fsync(descriptor)
            if created:
                _sync_directory(directory)
        finally:
            os.close(descriptor)  # releases the flock


def _open_locked(path: Path) -> int:
    """A descriptor of the file under ``path``, locked; reopened when a drainer renamed it."""
    while True:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino == os.fstat(descriptor).st_ino:
                return descriptor
        except FileNotFoundError:
            pass
        os.close(descriptor)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def spool_waiting() -> bool:
    """Some spooled verification is not in the table yet."""
    try:
        with os.scandir(spool_directory()) as entries:
            return any(entry.name.endswith(LIVE_SUFFIX) for entry in entries)
    except FileNotFoundError:
        return False


def _detach(path: Path) -> None:
    """Rename a live spool file aside, so that no process appends to it any more."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            if os.stat(path).st_ino != os.fstat(descriptor).st_ino:
                return  # another drainer took it first
        except FileNotFoundError:
            return
        os.rename(path, path.with_name(f"{DRAINING_PREFIX}{uuid.uuid4().hex}{LIVE_SUFFIX}"))
        _sync_directory(path.parent)
    finally:
        os.close(descriptor)


def spool_drain(*, chunks: int | None = None) -> int:
    """Move spooled verifications into the table, at most ``chunks`` transactions of DRAIN_CHUNK
    lines (all when None). Never waits for the write lock: stops when it is taken. Returns the
    number of rows stored. On PostgreSQL it stops when the primary cannot be reached."""
    directory = spool_directory()
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return 0
    for name in names:
        if name.endswith(LIVE_SUFFIX) and not name.startswith(DRAINING_PREFIX):
            _detach(directory / name)
    stored = 0
    for path in sorted(directory.glob(f"{DRAINING_PREFIX}*{LIVE_SUFFIX}")):
        while chunks is None or chunks > 0:
            try:
                added, finished = _drain_chunk(path)
            except (OperationalError, InterfaceError) as error:
                if isinstance(error, InterfaceError) or _write_unavailable(error):
                    return stored
                raise
            stored += added
            chunks = None if chunks is None else chunks - 1
            if finished:
                path.unlink(missing_ok=True)
                break
        else:
            return stored
    return stored


def _drain_chunk(path: Path) -> tuple[int, bool]:
    """Store the next DRAIN_CHUNK lines of a detached file; (rows stored, whole file stored)."""
    # A line without its newline is a write cut short by a crash: its answer never went out.
    try:
        lines = path.read_bytes().split(b"\n")[:-1]
    except FileNotFoundError:  # another process finished it
        return 0, True
    with waiting_at_most(0), transaction.atomic():
        record, _ = SpoolFile.objects.get_or_create(name=path.name)
        part = lines[record.lines : record.lines + DRAIN_CHUNK]
        if part:
            VerificationEvent.objects.bulk_create(_events(json.loads(line) for line in part))
            record.lines += len(part)
            record.save(update_fields=["lines"])
        return len(part), record.lines >= len(lines)


def _events(records: Iterable[dict[str, Any]]) -> list[VerificationEvent]:
    """Rows for spooled lines; a reference whose row has gone since is dropped, not the line."""
    rows = list(records)
    existing = {
        field: set(
            model.objects.filter(pk__in={r[field] for r in rows if r[field]}).values_list(
                "pk", flat=True
            )
        )
        for field, model in (
            ("organisation", Organisation),
            ("user", User),
            ("credential", Credential),
        )
    }
    return [
        VerificationEvent(
            at=datetime.fromisoformat(r["at"]),
            channel=r["channel"],
            organisation_id=r["organisation"]
            if r["organisation"] in existing["organisation"]
            else None,
            user_id=r["user"] if r["user"] in existing["user"] else None,
            address=r["address"],
            credential_id=r["credential"] if r["credential"] in existing["credential"] else None,
            verdict=r["verdict"],
            asked=r["asked"],
        )
        for r in rows
    ]
