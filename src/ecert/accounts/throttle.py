"""Counting failed sign-ins and activations, per ID number and per address, in the Django cache.

Counts live in the cache, not the database: they are short-lived, a flood of them must not bloat
the audit log, and the cache is shared by every web process of a deployment (file-based on one
machine, Redis or Memcached on several).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils.crypto import salted_hmac

FAILURE_LIMIT = 10
FAILURE_WINDOW = timedelta(minutes=15)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ThrottleKeys:
    """The counters one attempt is charged to; made of keyed hashes, so no ID number or address
    is written to the cache in clear."""

    address: str
    id_number: str | None = None

    @property
    def all(self) -> tuple[str, ...]:
        return (self.address,) if self.id_number is None else (self.address, self.id_number)


def _digest(kind: str, value: str) -> str:
    return salted_hmac("ecert.accounts.throttle", f"{kind}\x00{value}").hexdigest()[:32]


def throttle_keys(*, scope: str, address: str, id_number: str | None = None) -> ThrottleKeys:
    """Counters for ``scope`` (``signin``, ``activate``): one per address and, when given, one per
    ID number (as typed, normalised: the number need not exist)."""
    by_address = f"ecert:throttle:{scope}:address:{_digest('address', address)}"
    if id_number is None:
        return ThrottleKeys(by_address)
    typed = "".join(unicodedata.normalize("NFKC", id_number).upper().split())[:64]
    return ThrottleKeys(by_address, f"ecert:throttle:{scope}:id:{_digest('id', typed)}")


def _count(key: str, now: datetime) -> tuple[int, float]:
    """Failures so far in the current window and when the window opened (a POSIX timestamp)."""
    stored = cache.get(key)
    if not isinstance(stored, tuple) or len(stored) != 2:
        return 0, now.timestamp()
    count, opened = stored
    if now.timestamp() - opened >= FAILURE_WINDOW.total_seconds():
        return 0, now.timestamp()
    return int(count), float(opened)


def throttle_blocked(keys: ThrottleKeys, now: datetime) -> bool:
    """True when any counter has reached the limit within its window."""
    return any(_count(key, now)[0] >= FAILURE_LIMIT for key in keys.all)


def throttle_failure(keys: ThrottleKeys, now: datetime) -> None:
    """Charge one failure to every counter (a fixed window opened by the first failure)."""
    for key in keys.all:
        count, opened = _count(key, now)
        remaining = opened + FAILURE_WINDOW.total_seconds() - now.timestamp()
        cache.set(key, (count + 1, opened), timeout=max(1, int(remaining) + 1))
        if count + 1 == FAILURE_LIMIT:
            logger.warning("throttle reached: %s", key)


def throttle_success(keys: ThrottleKeys) -> None:
    """After a success, forget the ID number's failures (not the address's: many people may sign
    in from one office or one mobile carrier's gateway, and one success must not reset them)."""
    if keys.id_number is not None:
        cache.delete(keys.id_number)
