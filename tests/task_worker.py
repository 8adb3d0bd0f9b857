"""Running queued background tasks in tests with the real django-tasks database worker."""

from __future__ import annotations

import signal

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


def run_queued_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ecert worker` in batch mode, in this process: run every queued task, then return.

    The worker closes "old" connections between tasks; inside a test's transaction that would
    end the test's own transaction, so that step is left out. Its signal handlers are undone.
    """
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    kept = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0
        )
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
