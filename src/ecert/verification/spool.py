"""The verification log's durable write-behind: answered verifications go to a spool file first.

SQLite has one write lock, and an import holds it until it commits (a 100,000-row import for a
minute or more). A verification must not wait for it, and must not go unlogged. So on SQLite a
log row is written at once when the lock comes within LOG_WAIT_MS; otherwise it is appended to
this process's spool file in ``ECERT_DATA_DIR/verification-spool`` before the answer goes out.
Spooled lines move into the table (``spool_drain``) at the next
verification that finds the lock free, when the log is read, and every few seconds in ``ecert
worker`` (docs/verification.md, decision 83).

On PostgreSQL every verification answered outside a caller's transaction is spooled (decision
207), where an INSERT and its commit cost a round trip and a transaction each.

When the line reaches the disk is ECERT_VERIFY_LOG_SYNC (decision 276). With "interval", the
default, it is written to the file (so it is the operating system's, and a crash or kill of the
server process loses nothing) before the answer goes out, and a thread of the process syncs the
file within SYNC_SECONDS: a power cut can lose the lines of that last moment. With "answer" it is
synced before the answer goes out: one ``fsync`` shared by the requests that wait for it at the
same time (group commit), which every answer waits for. A thread
in each web process (``spool_drainer_start``; unless ECERT_SPOOL_DRAIN is "worker") moves the
lines into the table every DRAIN_SECONDS in chunks; when the database cannot be reached the lines
stay and the next round tries again, so verification keeps answering while the primary is down
and nothing answered is lost.

Each file is moved aside (renamed ``draining-…``) under an exclusive ``flock`` before it is read,
and a writer appends only to the file it holds locked under the live name, so a renamed file is
complete. Its lines go into the table in chunks; each chunk's transaction also advances the file's
count in ``SpoolFile``, so a drain stopped anywhere (lock taken, crash, database gone) resumes
after the last line it stored and never stores one twice. A drainer holds a detached file's
``flock`` while it drains it, so two processes never drain the same file at once.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction

from ecert.accounts.models import User
from ecert.credentials.models import Credential
from ecert.sqlite_lock import lock_busy, waiting_at_most
from ecert.verification.models import Organisation, SpoolFile, VerificationEvent

LOG_WAIT_MS = 200  # a writer's commit takes milliseconds; an import's takes a minute
RETRY_SECONDS = 1.0  # after a busy lock, a process spools without asking again for this long
DRAIN_CHUNK = 1_000  # lines per drain transaction: the lock is held for a few milliseconds
DRAIN_SECONDS = 0.5  # on PostgreSQL, how often a web process moves its spool into the table
SYNC_SECONDS = 0.1  # ECERT_VERIFY_LOG_SYNC=interval: the longest a written line waits for the disk
LIVE_SUFFIX = ".jsonl"
DRAINING_PREFIX = "draining-"

_append_lock = threading.Lock()  # one writer at a time on this process's file
_sync_lock = threading.Lock()  # one fsync at a time; the others wait and are covered by it
_spool_until = 0.0  # monotonic clock; before it, this process spools without trying the table
_log = logging.getLogger(__name__)


class _Writer:
    """This process's spool file, kept open between appends (reopened after a drainer renamed it
    or after a fork), and the group commit's counters: lines written, lines known to be synced."""

    pid = -1
    path: Path | None = None
    descriptor = -1
    written = 0
    synced = 0


_writer = _Writer()


def spool_directory() -> Path:
    return Path(settings.ECERT_DATA_DIR) / "verification-spool"


@dataclass(frozen=True)
class Logged:
    """One verification to log, as the spool writes it: the log row's columns, no model object
    (building one costs more than the rest of the write on the hot path)."""

    at: datetime
    channel: str
    organisation_id: int | None
    user_id: int | None
    address: str | None
    credential_id: int | None
    verdict: str
    asked: str

    def event(self) -> VerificationEvent:
        return VerificationEvent(**asdict(self))


def event_store(logged: Logged) -> None:
    """Store one verification durably. Inside a caller's transaction: in the table with it.
    On PostgreSQL: in the spool (written, or synced, before this returns), drained by this process's thread
    (ECERT_SPOOL_DRAIN=thread) or by ``ecert worker``.
    On SQLite: in the table when the write lock is free within LOG_WAIT_MS, otherwise in the
    spool; then drain a chunk of the spool if any waits."""
    global _spool_until
    if connection.in_atomic_block:  # committed (or not) with the caller's own writes
        logged.event().save(force_insert=True)
        return
    if connection.vendor != "sqlite":
        spool_append(logged)
        spool_drainer_start()
        return
    if time.monotonic() >= _spool_until:
        try:
            with waiting_at_most(LOG_WAIT_MS):
                logged.event().save(force_insert=True)
        except OperationalError as error:
            if not lock_busy(error):
                raise
            _spool_until = time.monotonic() + RETRY_SECONDS
        else:
            if spool_waiting():
                spool_drain(chunks=1)
            return
    spool_append(logged)


def _line(event: VerificationEvent | Logged) -> bytes:
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


def spool_append(event: VerificationEvent | Logged) -> None:
    """Append the event to this process's spool file; returns once the file has it, or once it
    is on the disk when ECERT_VERIFY_LOG_SYNC is "answer"."""
    line = _line(event)
    with _append_lock:
        descriptor = _descriptor()
        while True:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if _still_live(descriptor):
                break
            descriptor = _reopen()  # closing the detached file releases its lock
        try:
            os.write(descriptor, line)
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        _writer.written += 1
        mine = _writer.written
    if settings.ECERT_VERIFY_LOG_SYNC == "answer":
        _sync(mine)
    else:
        _syncer_wake()


def _sync(mine: int) -> None:
    """Group commit: return once line number ``mine`` of this process is on the disk. One fsync
    covers every line written before it started, so concurrent requests share it."""
    with _sync_lock:
        if _writer.synced >= mine:
            return
        with _append_lock:
            target, descriptor = _writer.written, _writer.descriptor
        try:
            os.fsync(descriptor)
        except OSError as error:  # closed by a reopen, which synced it before closing
            if error.errno != errno.EBADF:
                raise
        _writer.synced = max(_writer.synced, target)


_unsynced = threading.Event()  # lines were written that the syncer has not synced
_syncer_pid = -1
_syncer_lock = threading.Lock()


def _syncer_wake() -> None:
    """Have this process's syncer sync the file within SYNC_SECONDS (started on first use)."""
    global _syncer_pid
    if _syncer_pid != os.getpid():
        with _syncer_lock:
            if _syncer_pid != os.getpid():
                _syncer_pid = os.getpid()
                threading.Thread(target=_sync_forever, name="spool-sync", daemon=True).start()
    _unsynced.set()


def _sync_forever() -> None:
    """Sync what was written, SYNC_SECONDS after the first line that is not on the disk yet."""
    while True:
        _unsynced.wait()
        time.sleep(SYNC_SECONDS)
        _unsynced.clear()  # a line written from now on sets it again, for the next round
        with _append_lock:
            written = _writer.written
        try:
            _sync(written)
        except OSError:  # the next line or reopen syncs it; keep the thread
            _log.exception("verification spool: sync failed")


def spool_synced() -> bool:
    """Every line this process wrote is on the disk."""
    with _append_lock:
        written = _writer.written
    return _writer.synced >= written


def _descriptor() -> int:
    """This process's open spool file for the current spool directory (under _append_lock)."""
    path = spool_directory() / f"{os.getpid()}{LIVE_SUFFIX}"
    if _writer.pid != os.getpid() or _writer.path != path or _writer.descriptor < 0:
        if _writer.pid != os.getpid():  # a forked child: the parent's descriptor is not ours
            _writer.descriptor, _writer.written, _writer.synced = -1, 0, 0
        return _reopen()
    return _writer.descriptor


def _still_live(descriptor: int) -> bool:
    """The descriptor's file is still under the live name (no drainer renamed it)."""
    assert _writer.path is not None
    try:
        return os.stat(_writer.path).st_ino == os.fstat(descriptor).st_ino
    except FileNotFoundError:
        return False


def _reopen() -> int:
    """Close (after syncing) the file a drainer detached, and open the live one (under
    _append_lock); every line written before is then on the disk."""
    old = _writer.descriptor
    if old >= 0 and _writer.pid == os.getpid():
        os.fsync(old)
        os.close(old)
        _writer.synced = _writer.written
    directory = spool_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{os.getpid()}{LIVE_SUFFIX}"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    _sync_directory(directory)
    _writer.pid, _writer.path, _writer.descriptor = os.getpid(), path, descriptor
    return descriptor


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
    finally:
        os.close(descriptor)  # the writer waiting for the lock goes on at once
    _sync_directory(path.parent)


def spool_drain(*, chunks: int | None = None) -> int:
    """Move spooled verifications into the table, at most ``chunks`` transactions of DRAIN_CHUNK
    lines (all when None). Never waits for SQLite's write lock: stops when it is taken. A file
    another process is draining is left to it, or, for a whole drain, waited for (so that the
    log is complete when a whole drain returns). Returns the number of rows stored."""
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
        try:
            held = os.open(path, os.O_RDONLY)
        except FileNotFoundError:  # another process finished it
            continue
        try:
            try:  # a whole drain waits for another drainer of the file; a chunk goes on
                fcntl.flock(held, fcntl.LOCK_EX | (fcntl.LOCK_NB if chunks is not None else 0))
            except BlockingIOError:  # another process is draining it
                continue
            while chunks is None or chunks > 0:
                try:
                    added, finished = _drain_chunk(path)
                except OperationalError as error:
                    if lock_busy(error):
                        return stored
                    raise
                stored += added
                chunks = None if chunks is None else chunks - 1
                if finished:
                    path.unlink(missing_ok=True)
                    break
            else:
                return stored
        finally:
            os.close(held)
    return stored


def _drain_chunk(path: Path) -> tuple[int, bool]:
    """Store the next DRAIN_CHUNK lines of a detached file; (rows stored, whole file stored)."""
    # A line without its newline is a write cut short by a crash: its answer never went out.
    try:
        lines = path.read_bytes().split(b"\n")[:-1]
    except FileNotFoundError:  # another process finished it
        return 0, True
    with waiting_at_most(0), transaction.atomic():
        record, _ = SpoolFile.objects.select_for_update().get_or_create(name=path.name)
        part = lines[record.lines : record.lines + DRAIN_CHUNK]
        if part:
            _store(_rows(json.loads(line) for line in part))
            record.lines += len(part)
            record.save(update_fields=["lines"])
        return len(part), record.lines >= len(lines)


# The log row's columns as a spooled line gives them, in the order _rows makes them.
_COLUMNS = (
    "at",
    "channel",
    "organisation_id",
    "user_id",
    "address",
    "credential_id",
    "verdict",
    "asked",
)


def _rows(records: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows for spooled lines; a reference whose row has gone since is dropped, not the line (the
    log's references have no constraints of their own: decision 277)."""
    lines = list(records)
    existing = {
        field: set(
            model.objects.filter(pk__in={r[field] for r in lines if r[field]}).values_list(
                "pk", flat=True
            )
        )
        for field, model in (
            ("organisation", Organisation),
            ("user", User),
            ("credential", Credential),
        )
    }
    organisations, users, credentials = (
        existing["organisation"],
        existing["user"],
        existing["credential"],
    )
    return [
        (
            datetime.fromisoformat(r["at"]),
            r["channel"],
            r["organisation"] if r["organisation"] in organisations else None,
            r["user"] if r["user"] in users else None,
            r["address"],
            r["credential"] if r["credential"] in credentials else None,
            r["verdict"],
            r["asked"],
        )
        for r in lines
    ]


def _store(rows: list[tuple[Any, ...]]) -> None:
    """Write log rows in the caller's transaction: with COPY on PostgreSQL (a fraction of what a
    multi-row INSERT costs the server and the process per row; decision 278), as a bulk INSERT
    on SQLite."""
    if connection.vendor != "postgresql":
        VerificationEvent.objects.bulk_create(
            VerificationEvent(**dict(zip(_COLUMNS, row, strict=True))) for row in rows
        )
        return
    table = connection.ops.quote_name(VerificationEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in _COLUMNS)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


_drainer_pid = -1
_drainer_lock = threading.Lock()


def spool_drainer_start() -> None:
    """Start this process's drain thread (PostgreSQL) unless it runs already or the setting
    ECERT_SPOOL_DRAIN leaves draining to ``ecert worker`` ("worker", as the tests do: a thread
    of the test process would drain the spool of whichever test runs at the time)."""
    global _drainer_pid
    if _drainer_pid == os.getpid() or settings.ECERT_SPOOL_DRAIN != "thread":
        return
    with _drainer_lock:
        if _drainer_pid == os.getpid():
            return
        _drainer_pid = os.getpid()
        threading.Thread(target=_drain_forever, name="verification-spool", daemon=True).start()


def _drain_forever() -> None:
    """Every DRAIN_SECONDS, move the spool into the table. A database that cannot be reached (the
    primary stopped, a failover) leaves every line where it is for the next round."""
    while True:
        time.sleep(DRAIN_SECONDS)
        try:
            spool_drain()
        except DatabaseError as error:
            _log.warning("verification spool: the log cannot be written now (%s)", error)
            connection.close()  # this thread's own; the next round connects afresh
        except Exception:  # the thread must outlive any one bad round
            _log.exception("verification spool drain failed")
            connection.close()
        # Kept between rounds otherwise: a new connection every round cost the database a new
        # backend process twice a second per web process.
