"""One application server's share of a limit, counted in the shared cache (tests/project/
test_shared_cache.py).

Run as a child, because Django reads its settings once per process:
``python -m tests.shared_cache_child KIND WHO COUNT TRIES GO`` with ``ECERT_CACHE_URL`` set. It
says it is ready (a file ready-PID beside GO) and waits until the file GO exists (so that the children count at the same time), then tries TRIES
uses: of a 10-minute limit of COUNT uses by WHO (KIND ``limit``), or of the day's quota of COUNT
of an organisation WHO, one verification at a time as the API spends it, until the first refusal
(KIND ``quota``: a process refused holds no unspent use of a block, decision 209). It
prints JSON: the cache's backend and how many uses were allowed.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def main(kind: str, who: str, count: int, tries: int, go: Path) -> None:
    import django

    django.setup()
    from django.core.cache import caches

    from ecert.verification.limits import Limit, limit_take, verification_take
    from ecert.verification.models import Organisation
    from ecert.verification.services import Asker

    now = datetime.now(UTC)
    limit = Limit("shared-cache-test", count, 600)
    asker = Asker("192.0.2.1", None, Organisation(reference=who, daily_quota=count))
    (go.parent / f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    allowed = 0
    for _ in range(tries):
        if kind == "limit":
            allowed += limit_take(limit, who, now)
        elif verification_take(asker, now) is None:
            allowed += 1
        else:
            break
    backend = type(caches["default"]).__name__
    print(json.dumps({"backend": backend, "allowed": allowed}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
