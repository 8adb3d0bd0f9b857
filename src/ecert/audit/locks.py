"""The one lock order of every writer (DESIGN.md §3; docs/operations.md, "Lock order").

A transaction takes its locks in the order of ``Lock``, lowest first, and never a lower one after
a higher one: then no two writers can each hold what the other waits for. After the bulk lock of
an import, the rows a service changes come first (``rows_locked``), then the global locks, each
guarding one shared thing (``locks_take``); the audit chain head, which every write ends with, is
last. A transaction that
will need a lock again after taking a higher one — it issues several titles, corrects a
credential and republishes its status list — takes them all up front, in this order.

On PostgreSQL each global lock is a transaction-level advisory lock, held until commit or
rollback. On SQLite nothing needs taking: write transactions begin IMMEDIATE and so run one at a
time. The order is checked on both: a lock taken after a higher one raises ``LockOrderError``
where ``ECERT_LOCK_ORDER_CHECK`` is on (development and tests), else it is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar
from weakref import WeakKeyDictionary

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import Model, QuerySet

log = logging.getLogger(__name__)

# The first key of every advisory lock ecert takes ("ecer"); the second is the lock's rank.
_NAMESPACE = 0x65636572

_M = TypeVar("_M", bound="Model")


class Lock(IntEnum):
    """What a writer may lock, in the order it must take them."""

    BULK = 0  # one bulk issuance at a time (a pass-list import, credentials_issue): first of all
    ROWS = 10  # the rows of the objects a service changes (SELECT … FOR UPDATE)
    TITLE_NUMBERS = 20  # the counters of title certificate numbers
    HOLDERS = 30  # inserting holders; the credential pipeline's duplicate checks and inserts
    STATUS_INDEXES = 40  # the counter of status indexes
    STATUS_LISTS = 50  # signing and storing status lists
    TRUST_LIST = 60  # signing and storing the trust list
    AUDIT_HEAD = 90  # the audit chain head (audit_record): always last


class LockOrderError(RuntimeError):
    """A transaction took a lock after a higher one: two such writers could deadlock."""


@dataclass
class _Held:
    """The locks the current transaction of one connection holds."""

    transaction: tuple[int, str | None]
    ends: Callable[[], None]  # an on-commit hook: gone once the transaction commits or rolls back
    locks: set[Lock] = field(default_factory=set)


_held: WeakKeyDictionary[BaseDatabaseWrapper, _Held] = WeakKeyDictionary()
_held_guard = threading.Lock()


def locks_take(*locks: Lock) -> frozenset[Lock]:
    """Take ``locks`` (in rank order, whatever order they are given in) until the caller's
    transaction ends; the ones it holds already are not taken again. Returns those newly taken."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("locks are taken inside the transaction they protect")
    held = _held_of(connection)
    taken = set()
    for lock in sorted(set(locks)):
        if lock in held.locks:
            continue
        _check_order(held, lock)
        if lock is not Lock.ROWS and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, int(lock)])
        held.locks.add(lock)
        taken.add(lock)
    return frozenset(taken)


def rows_locked(rows: QuerySet[_M], *, of: tuple[str, ...] = ()) -> QuerySet[_M]:
    """``rows`` to be read with SELECT … FOR UPDATE (only the tables ``of`` names, if given): the
    first locks of a transaction. Several rows of one kind are locked in one order (the
    primary key's, or the model's own)."""
    locks_take(Lock.ROWS)
    return rows.select_for_update(of=of)


def _check_order(held: _Held, lock: Lock) -> None:
    highest = max(held.locks, default=None)
    if highest is None or lock > highest:
        return
    message = (
        f"lock {lock.name} taken after {highest.name}: every transaction takes its locks in the "
        "order of ecert.audit.locks.Lock"
    )
    if getattr(settings, "ECERT_LOCK_ORDER_CHECK", False):
        raise LockOrderError(message)
    log.warning(message, stack_info=True)


def _held_of(connection: BaseDatabaseWrapper) -> _Held:
    """What this connection's transaction holds; a new record once another transaction began."""
    current = _transaction_of(connection)
    with _held_guard:
        held = _held.get(connection)
        if held is not None and held.transaction == current and _pending(connection, held.ends):
            return held

    def ends() -> None:
        """Runs when the transaction commits; only its presence is looked at."""

    transaction.on_commit(ends, using=connection.alias)
    held = _Held(transaction=current, ends=ends)
    with _held_guard:
        _held[connection] = held
    return held


def _transaction_of(connection: BaseDatabaseWrapper) -> tuple[int, str | None]:
    """Which transaction this is, as the code that runs it sees it: the outermost atomic block
    that is not a test case's (tests run each test in a transaction of their own, and each
    service in it behind a savepoint, whose name is unique)."""
    blocks = connection.atomic_blocks
    depth = next(
        (d for d, block in enumerate(blocks) if not getattr(block, "_from_testcase", False)),
        len(blocks) - 1,
    )
    savepoint = connection.savepoint_ids[depth - 1] if depth > 0 else None
    return depth, savepoint


def _pending(connection: BaseDatabaseWrapper, hook: Callable[[], None]) -> bool:
    entries: list[Any] = connection.run_on_commit
    return any(entry[1] is hook for entry in entries)
