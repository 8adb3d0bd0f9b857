"""Rate limits and quotas, counted in fixed windows in the Django cache.

The cache is shared by every web process of a deployment (file-based on one machine, Redis or
Memcached on several), so a limit holds across processes. Counters are keyed by a keyed hash of
the address or account, never the address itself. Counting is not transactional: under heavy
concurrency a few requests past a limit may get through, which is acceptable for a rate limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

_CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int  # the window; a window of a day starts at midnight in China


# The online query needs name, ID number and certificate number; these keep it from being used
# to guess one of them. An office behind one address gets the per-address limit together.
QUERY_PER_ADDRESS = Limit("query-address", 30, 600)
QUERY_PER_ACCOUNT = Limit("query-account", 300, 86_400)
PDF_PER_ADDRESS = Limit("pdf-address", 30, 600)
REGISTER_PER_ADDRESS = Limit("register-address", 5, 3_600)
API_PER_ADDRESS = Limit("api-address", 120, 60)  # anonymous API callers; keys have a daily quota


def _window(limit: Limit, now: datetime) -> int:
    if limit.seconds == 86_400:
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
    used = int(cache.get(key, 0))
    if used + uses > allowed:
        return False
    cache.set(key, used + uses, timeout=limit.seconds + 60)
    return True


def limit_used(limit: Limit, who: str, now: datetime) -> int:
    """How many uses ``who`` has had in the current window."""
    used = cache.get(_key(limit, who, now), 0)
    return int(used)


def request_address(request: HttpRequest) -> str | None:
    """The client's address as the server saw it (behind a proxy, set REMOTE_ADDR from the
    proxy's header: docs/operations.md); what limits and the verification log count by."""
    return str(request.META.get("REMOTE_ADDR") or "") or None
