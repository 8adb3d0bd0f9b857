"""Counting failed sign-ins and activations, per account (ID number or user name) and per
address, in the Django cache.

Counts live in the cache, not the database: they are short-lived, a flood of them must not bloat
the audit log, and the cache is shared by every web process of a deployment (file-based on one
machine, Redis or Memcached on several).
"""

from __future__ import annotations

import logging
import math
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
    """The counters one attempt is charged to; made of keyed hashes, so no ID number, user name or
    address is written to the cache in clear."""

    address: str
    account: str | None = None  # the ID number's or the user name's counter

    @property
    def all(self) -> tuple[str, ...]:
        return (self.address,) if self.account is None else (self.address, self.account)


def _digest(kind: str, value: str) -> str:
    return salted_hmac("ecert.accounts.throttle", f"{kind}\x00{value}").hexdigest()[:32]


def _account_key(scope: str, id_number: str | None, username: str | None) -> str | None:
    if id_number is not None:
        typed = "".join(unicodedata.normalize("NFKC", id_number).upper().split())[:64]
        return f"ecert:throttle:{scope}:id:{_digest('id', typed)}"
    if username is not None:
        typed = unicodedata.normalize("NFKC", username).strip().casefold()[:150]
        return f"ecert:throttle:{scope}:user:{_digest('user', typed)}"
    return None


def throttle_keys(
    *, scope: str, address: str, id_number: str | None = None, username: str | None = None
) -> ThrottleKeys:
    """Counters for ``scope`` (``signin``, ``activate``, ``staff-signin`` …): one per address and,
    when given, one per account: the ID number (holders) or the user name (staff), as typed and
    normalised; the account need not exist."""
    by_address = f"ecert:throttle:{scope}:address:{_digest('address', address)}"
    return ThrottleKeys(by_address, _account_key(scope, id_number, username))


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


def throttle_retry_after(keys: ThrottleKeys, now: datetime) -> int:
    """Whole seconds until every counter that has reached the limit opens again (0: none has)."""
    waits = [
        opened + FAILURE_WINDOW.total_seconds() - now.timestamp()
        for count, opened in (_count(key, now) for key in keys.all)
        if count >= FAILURE_LIMIT
    ]
    return max(0, math.ceil(max(waits))) if waits else 0


def throttle_failure(keys: ThrottleKeys, now: datetime) -> bool:
    """Charge one failure to every counter (a fixed window opened by the first failure); True when
    this failure brought a counter to the limit (the moment a lockout begins)."""
    reached = False
    for key in keys.all:
        count, opened = _count(key, now)
        remaining = opened + FAILURE_WINDOW.total_seconds() - now.timestamp()
        cache.set(key, (count + 1, opened), timeout=max(1, int(remaining) + 1))
        if count + 1 == FAILURE_LIMIT:
            logger.warning("throttle reached: %s", key)
            reached = True
    return reached


def throttle_success(keys: ThrottleKeys) -> None:
    """After a success, forget the account's failures (not the address's: many people may sign
    in from one office or one mobile carrier's gateway, and one success must not reset them)."""
    if keys.account is not None:
        cache.delete(keys.account)
