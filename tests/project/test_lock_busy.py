"""A write that cannot get SQLite's lock within the busy timeout (an import holds it) answers 503
with Retry-After in Chinese, not 500, and changes nothing.

It runs in an ``ecert`` process on a file database, as deployments use it: a second connection
takes the write lock with BEGIN IMMEDIATE, the request's connection waits 0.2 s instead of the
deployment's 20 s, and a clerk signs in (which writes a session, the last sign-in and an audit
event)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ecert_command import run_ecert

SCRIPT = """
import json, sqlite3
from django.conf import settings
from django.db import connection
from django.test import Client
from ecert.accounts.models import User
from ecert.audit.models import AuditEvent

User.objects.create_user(username="clerk", password="a-long-password-2026")
events = AuditEvent.objects.count()
holder = sqlite3.connect(settings.DATABASES["default"]["NAME"], isolation_level=None)
holder.execute("BEGIN IMMEDIATE")
connection.ensure_connection()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA busy_timeout = 200")
client = Client(
    raise_request_exception=False, HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans"
)
page = client.post("/backoffice/login/", {"username": "clerk", "password": "a-long-password-2026"})
holder.execute("ROLLBACK")
print(json.dumps({
    "status": page.status_code,
    "retry_after": page.get("Retry-After"),
    "text": page.content.decode(),
    "events_added": AuditEvent.objects.count() - events,
    "last_login": str(User.objects.get(username="clerk").last_login),
}))
"""


def test_a_sign_in_behind_an_import_is_told_to_come_back_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    initialised = run_ecert(data_dir, "init", "--quiet")
    assert initialised.returncode == 0, initialised.stderr

    ran = run_ecert(data_dir, "manage", "shell", "-c", SCRIPT)

    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["status"] == 503, seen["text"][:500]
    assert seen["retry_after"] == "30"
    assert "系统正忙" in seen["text"]
    assert "未被保存" in seen["text"]
    assert seen["events_added"] == 0
    assert seen["last_login"] == "None"
