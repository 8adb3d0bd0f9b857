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

``read_alias()`` is the one answer to "which connection do verification reads use", for code that
reads with SQL of its own instead of the ORM. Without a replica it is ``default``, the router and
the middleware are not installed, and nothing changes. Migrations run on the primary only; the
replica receives them through replication.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"

# The views that only read (and log): "namespace:name" as Django resolves them.
VERIFICATION_VIEWS = frozenset(
    {
        "verify:landing",
        "verify:pdf",
        "verify:seal",
        "verify:offline",
        "api:verify",
        "api:query",
        "api:status",
        "api:trust_list",
        "api:status_list",
        "api:root_certificate",
    }
)

_reading_for_verification: ContextVar[bool] = ContextVar("ecert_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The database alias verification reads use: ``replica`` when one is configured, else
    ``default``. Reads made in a transaction on the primary must use ``default`` instead."""
    return REPLICA if replica_configured() else PRIMARY


@contextmanager
def verification_reads() -> Iterator[None]:
    """Within the block, ORM reads outside a primary transaction go to the replica (when one is
    configured): what the middleware does for a verification request, for other callers."""
    token = _reading_for_verification.set(True)
    try:
        yield
    finally:
        _reading_for_verification.reset(token)


class ReplicaRouter:
    """Reads of a verification request to the replica, everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if _reading_for_verification.get() and not connections[PRIMARY].in_atomic_block:
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY  # also for a row read from the replica: never write to it

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The two aliases are one database: a log row may point at a credential read from either.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaReadsMiddleware:
    """Marks a request for one of VERIFICATION_VIEWS, so that its reads go to the replica."""

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
            _reading_for_verification.set(True)
