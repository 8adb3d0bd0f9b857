"""Rate limits and quotas, counted in fixed windows in the Django cache.

The cache is shared by the web processes of one machine (the file cache, by default) or by every
server of a deployment (Redis, ECERT_CACHE_URL; docs/scaling.md), so a limit holds across them.
Counters are keyed by a keyed hash of the address or account, never the address itself. On Redis
(and the in-memory cache of tests) a use is counted atomically: the counter is created if missing
(``add``) and increased in one command (``incr``, Redis's INCRBY); a use that passes the limit is
given back at once (``decr``), so concurrent askers never pass a limit together, though one of
them may be refused by another's use given back a moment later. The file cache cannot increase in
place: it reads and writes, and under heavy concurrency a few requests past a limit may get
through, which is acceptable for a rate limit on one machine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from math import ceil
from threading import Lock
from typing import TYPE_CHECKING, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ecert.outages import Outage

if TYPE_CHECKING:
    from ecert.verification.models import Organisation
    from ecert.verification.services import Asker

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
_CHINA = timezone(timedelta(hours=8))
DAY = 86_400


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int  # the window; a window of a day starts at midnight in China


# The rate policy, one table for the pages and the API (docs/verification.md). A verification
# (the online query, a verification code, and every call of the verification API) is charged to
# the organisation when the asker belongs to one (an API key, or its account signed in), else to
# the address and, when signed in, to the account. The query needs name, ID number and
# certificate number; the per-address limit keeps it from being used to guess one of them, and
# the keyless API shares its counter with the query page, so a script gains nothing by calling
# the API instead. An office behind one address gets the per-address limit together.
VERIFY_PER_ADDRESS = Limit("verify-address", 30, 600)
VERIFY_PER_ACCOUNT = Limit("verify-account", 300, DAY)
ORGANISATION_DAY = Limit("organisation-day", 10_000, DAY)  # the count is the organisation's quota
PDF_PER_ADDRESS = Limit("pdf-address", 30, 600)
REGISTER_PER_ADDRESS = Limit("register-address", 5, 3_600)


@dataclass(frozen=True)
class Refusal:
    """A use a limit refused: ``rate_limited`` or ``quota_exceeded``, and the whole seconds until
    the refusing window reopens (what a 429 answer's Retry-After says)."""

    code: str
    limit: Limit
    retry_after: int


def _window(limit: Limit, now: datetime) -> int:
    if limit.seconds == DAY:
        return now.astimezone(_CHINA).date().toordinal()
    return int(now.timestamp()) // limit.seconds


def _key(limit: Limit, who: str, now: datetime) -> str:
    digest = salted_hmac("ecert.verification.limits", f"{limit.name}\x00{who}").hexdigest()[:32]
    return f"ecert:limit:{limit.name}:{digest}:{_window(limit, now)}"


def limit_take(
    limit: Limit, who: str, now: datetime, *, count: int | None = None, uses: int = 1
) -> bool:
    """Count ``uses`` by ``who``; False, and nothing counted, when they would pass the limit.

    ``count`` overrides the limit's own (an organisation's daily quota).
    """
    allowed = limit.count if count is None else count
    key = _key(limit, who, now)
    return _counted(lambda counter: _take(counter, key, limit, allowed, uses))


def _take(counter: BaseCache, key: str, limit: Limit, allowed: int, uses: int) -> bool:
    if isinstance(counter, _COUNTS_IN_PLACE):
        return _take_in_place(counter, key, limit, allowed, uses)
    used = int(counter.get(key, 0))
    if used + uses > allowed:
        return False
    counter.set(key, used + uses, timeout=limit.seconds + 60)
    return True


# Caches whose ``incr`` is one atomic step that keeps the key's expiry (the file cache's is a read
# and a write, with the default timeout).
_COUNTS_IN_PLACE = (RedisCache, BaseMemcachedCache, LocMemCache)


def _take_in_place(counter: BaseCache, key: str, limit: Limit, allowed: int, uses: int) -> bool:
    if uses > allowed:
        return False
    for _ in range(2):
        counter.add(key, 0, timeout=limit.seconds + 60)  # only when missing: a window's first use
        try:
            used = int(counter.incr(key, uses))
            break
        except ValueError:  # expired between the two commands: create it again
            continue
    else:
        return False
    if used > allowed:
        counter.decr(key, uses)  # give the uses back: nothing counted
        return False
    return True


# While the shared cache (Redis) cannot be reached, this process counts in a cache of its own for
# SHARED_RETRY_SECONDS before it tries the shared one again (decision 288): the limits then hold
# per process, as they did before the cache was shared, and verification keeps answering.
SHARED_RETRY_SECONDS = 5.0
_own_counter = LocMemCache(
    "ecert-limits-while-shared-cache-down", {"OPTIONS": {"MAX_ENTRIES": 10_000}}
)
# The shared cache as this process last found it (ecert.outages).
shared_cache_outage = Outage("the shared cache", SHARED_RETRY_SECONDS, logger)


def _counted(count: Callable[[BaseCache], _T]) -> _T:
    """``count`` in the shared cache, or in this process's own while the shared one is down."""
    if shared_cache_outage.left_alone():
        return count(_own_counter)
    try:
        return count(caches["default"])
    except (RedisConnectionError, RedisTimeoutError) as error:
        shared_cache_outage.found_down(error, "rate limits and quotas are counted in this process")
        return count(_own_counter)


def shared_cache_down_forget() -> None:
    """Try the shared cache again at the next count, and forget the counts of this process."""
    shared_cache_outage.forget()
    _own_counter.clear()


def limit_used(limit: Limit, who: str, now: datetime) -> int:
    """How many uses ``who`` has had in the current window."""
    key = _key(limit, who, now)
    return _counted(lambda counter: int(counter.get(key, 0)))


def retry_after(limit: Limit, now: datetime) -> int:
    """Whole seconds from ``now`` until the window of ``limit`` that holds ``now`` ends (at least
    one): the next midnight in China for a day, else the end of the fixed window."""
    if limit.seconds == DAY:
        china = now.astimezone(_CHINA)
        midnight = datetime.combine(china.date() + timedelta(days=1), time(), _CHINA)
        return max(1, ceil((midnight - now).total_seconds()))
    return max(1, ceil(limit.seconds - now.timestamp() % limit.seconds))


def limits_take(uses: Sequence[tuple[Limit, str | None]], now: datetime) -> Refusal | None:
    """Count one use against each (limit, who) that has a who; the first refusal, or None.
    Counters before the refusing one keep their use."""
    for limit, who in uses:
        if who is not None and not limit_take(limit, who, now):
            return Refusal("rate_limited", limit, retry_after(limit, now))
    return None


def organisation_quota_take(
    organisation: Organisation, now: datetime, uses: int = 1
) -> Refusal | None:
    """Count ``uses`` verifications against the organisation's quota for the day."""
    if limit_take(
        ORGANISATION_DAY, organisation.reference, now, count=organisation.daily_quota, uses=uses
    ):
        return None
    return Refusal("quota_exceeded", ORGANISATION_DAY, retry_after(ORGANISATION_DAY, now))


# Uses of an organisation's quota this process has taken from the shared counter and not spent
# yet (decision 209): (reference, day, quota) -> uses left. A verification spends one here; only
# when none is left does the process take a block from the shared cache.
_held: dict[tuple[str, int, int], int] = {}
_held_lock = Lock()
BLOCK_MAX = 64  # uses taken at once at most
BLOCK_SHARE = 16  # and at most this share of what is left of the day's quota


def _organisation_use(organisation: Organisation, now: datetime) -> Refusal | None:
    """One verification against the organisation's quota, usually without touching the shared
    cache. A block is a small share of what is left, so that at the quota's end a process holds
    at most one or two uses another process might have answered with."""
    key = (organisation.reference, _window(ORGANISATION_DAY, now), organisation.daily_quota)
    with _held_lock:
        if _held.get(key, 0) > 0:
            _held[key] -= 1
            return None
        left = organisation.daily_quota - limit_used(ORGANISATION_DAY, organisation.reference, now)
        block = max(1, min(BLOCK_MAX, left // BLOCK_SHARE))
        refusal = organisation_quota_take(organisation, now, uses=block)
        if refusal is not None and block > 1:  # another process took some meanwhile
            block = 1
            refusal = organisation_quota_take(organisation, now)
        if refusal is not None:
            return refusal
        if len(_held) > 10_000:
            _held.clear()
        _held[key] = block - 1
        return None


def organisation_uses_forget() -> None:
    """Give up the uses this process holds (tests that start the day again)."""
    with _held_lock:
        _held.clear()


def verification_take(asker: Asker, now: datetime) -> Refusal | None:
    """Count one verification by ``asker`` under the rate policy above, for a page or the API."""
    if asker.organisation is not None:
        return _organisation_use(asker.organisation, now)
    account = str(asker.user.pk) if asker.user is not None and asker.user.pk else None
    return limits_take(
        ((VERIFY_PER_ADDRESS, asker.address or ""), (VERIFY_PER_ACCOUNT, account)), now
    )


def request_address(request: HttpRequest) -> str | None:
    """The client's address as the server saw it (behind a proxy, set REMOTE_ADDR from the
    proxy's header: docs/operations.md); what limits and the verification log count by."""
    return str(request.META.get("REMOTE_ADDR") or "") or None
