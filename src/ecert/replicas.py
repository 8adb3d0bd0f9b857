"""Verification reads from a PostgreSQL streaming replica (docs/scaling.md).

When ``DATABASE_REPLICA_URL`` is set, the database alias ``replica`` exists and the verification
path reads from it: the QR landing page, the PDF check, the seal pictures, the offline files and
the public API's verify, query, status, trust list, status lists and root certificate. Those
requests are recognised by their URL name (``VERIFICATION_VIEWS``) in ``ReplicaReadsMiddleware``,
which marks the request; while it is marked, ``ReplicaRouter`` sends every ORM read there,
including the API key and organisation checks, the session of a signed-in asker and the trust
list's rows. Every write goes to the primary (``default``), and so does every read inside a
transaction on the primary, so a service that reads what it is about to change (re-signing a
status list) reads it from the primary. Nothing else reads from the replica: the back office and
the portal read what they have just written.

A replica that cannot be reached does not fail the request: before it marks a request, the
middleware makes sure the replica's connection works (``replica_usable``); when it does not, the
request reads from the primary, and for REPLICA_RETRY_SECONDS no request of this process tries the
replica again (one warning in the log per such period). The mark is the one decision: the router
and ``read_alias()`` (for code that reads with SQL of its own instead of the ORM) both follow it.
Without a replica the router and the middleware are not installed, and nothing changes.
Migrations run on the primary only; the replica receives them through replication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from ecert.outages import Outage

PRIMARY = "default"
REPLICA = "replica"
# After the replica could not be reached, this process reads verifications from the primary for so
# many seconds before it tries the replica again (decision 285).
REPLICA_RETRY_SECONDS = 5.0

logger = logging.getLogger(__name__)

# The views that only read (and log): "namespace:name" as Django resolves them.
VERIFICATION_VIEWS = frozenset(
    {
        "verify:landing",
        "verify:pdf",
        "verify:seal",
        "verify:offline",
        "verify:offline_worker",
        "api:verify",
        "api:query",
        "api:status",
        "api:trust_list",
        "api:status_list",
        "api:root_certificate",
    }
)

_reading_for_verification: ContextVar[bool] = ContextVar("ecert_replica_reads", default=False)

# The replica as this process last found it (ecert.outages): left alone for REPLICA_RETRY_SECONDS.
replica_outage = Outage("the read replica", REPLICA_RETRY_SECONDS, logger)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_usable() -> bool:
    """Whether verification reads may go to the replica now: it is configured, was not found
    down in the last REPLICA_RETRY_SECONDS, and its connection answers (an open connection is
    health-checked, a closed one opened, within the URL's connect_timeout). When it does not
    answer, the primary takes the reads for the next REPLICA_RETRY_SECONDS, and a warning says so
    once for that period."""
    if not replica_configured() or replica_outage.left_alone():
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        with suppress(DatabaseError):
            connection.close()
        replica_outage.found_down(error, "verification reads go to the primary")
        return False
    return True


def replica_down_forget() -> None:
    """Try the replica again at the next verification (tests)."""
    replica_outage.forget()


def read_alias() -> str:
    """The database alias the current reads use: ``replica`` inside a verification request (or
    ``verification_reads``) when the replica was usable at its start and no transaction is open
    on the primary, else ``default``. The router answers the same."""
    if _reading_for_verification.get() and not connections[PRIMARY].in_atomic_block:
        return REPLICA
    return PRIMARY


@contextmanager
def verification_reads() -> Iterator[None]:
    """Within the block, ORM reads outside a primary transaction go to the replica when it is
    usable (``replica_usable``): what the middleware does for a verification request, for other
    callers."""
    token = _reading_for_verification.set(replica_usable())
    try:
        yield
    finally:
        _reading_for_verification.reset(token)


class ReplicaRouter:
    """Reads of a verification request to the replica, everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY  # also for a row read from the replica: never write to it

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The two aliases are one database: a log row may point at a credential read from either.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Marks a request for one of VERIFICATION_VIEWS, so that its reads go to the replica, when the
    replica is usable; otherwise the request reads from the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _reading_for_verification.set(False)
        try:
            return self.get_response(request)
        finally:
            _reading_for_verification.reset(token)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if match is not None and match.view_name in VERIFICATION_VIEWS:
            _reading_for_verification.set(replica_usable())
