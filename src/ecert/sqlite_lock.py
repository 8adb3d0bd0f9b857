"""Writes that do not queue behind SQLite's one write lock.

On the embedded default every write waits up to the busy timeout (config.py, 20 s) for the lock,
which a running import holds until it commits. A write a request can do without (a token's
last use) or put aside (the verification log, verification/spool.py) waits a bounded time here
instead, and learns from ``lock_busy`` that the lock was not free. On PostgreSQL both do nothing.
Any other write that still finds the lock taken after the busy timeout is answered 503
(``LockBusyMiddleware``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@contextmanager
def waiting_at_most(milliseconds: int) -> Iterator[None]:
    """Within the block, a write on SQLite waits at most ``milliseconds`` for the write lock and
    then fails with "database is locked" (test it with ``lock_busy``)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(before)}")


def lock_busy(error: OperationalError) -> bool:
    """The error says another connection holds SQLite's write lock."""
    text = str(error).lower()
    return "database is locked" in text or "database is busy" in text


class LockBusyMiddleware:
    """A request whose write could not get SQLite's lock within the busy timeout (a long import
    holds it) is answered 503 with Retry-After, in Chinese first, never 500. Nothing was written:
    the failed statement's transaction was rolled back."""

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError) or not lock_busy(exception):
            return None
        if request.path.startswith("/api/"):
            body = {
                "code": "busy",
                "message_zh": "系统正忙（正在写入大批数据），请稍后重试",
                "message_en": "the system is busy writing a large batch; try again shortly",
            }
            response: HttpResponse = HttpResponse(
                json.dumps(body, ensure_ascii=False),
                status=503,
                content_type="application/json",
            )
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
