"""Verification while another process holds SQLite's write lock, as a running import does.

A deployment on an SQLite file in WAL mode (``ecert init``, ``keys init``, a small pass list
imported); a second process opens it, takes the write lock with ``BEGIN IMMEDIATE`` and keeps it
until the test lets it go. Meanwhile an ``ecert`` process asks the QR landing page, the query page
and the API (with and without a key), and downloads a status list due to be signed again. The
answers must be right, and must come while the lock is still held: the holder lets go by itself
only after HOLD_AT_MOST seconds and says so, which a verification that waited out the 20 s busy
timeout behind it would need. Once the lock is free,
every verification must be in the log, each once.

PostgreSQL has no database-wide write lock, so this runs on the SQLite suite only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.ecert_command import ecert_environment, run_ecert
from tests.passlist_files import Passer, make_passers, write_xlsx

HOLD_AT_MOST = 40  # seconds; a verification waiting for the lock would need 20 per write
PASSERS = 3

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's write lock; PostgreSQL has none"
)

_HOLDER = """
import sqlite3, sys, time
from pathlib import Path
database, held, release = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
db = sqlite3.connect(database, isolation_level=None)
db.execute("BEGIN IMMEDIATE")
held.write_text("held")
deadline = time.monotonic() + float(sys.argv[4])
while not release.exists() and time.monotonic() < deadline:
    time.sleep(0.05)
db.execute("ROLLBACK")
print("released" if release.exists() else "gave up")
"""


def payload_and_token() -> dict[str, str]:
    """In the deployment: a stored credential's QR payload, and an API key of the admin."""
    from django.conf import settings
    from django.utils import timezone

    from ecert.accounts.models import User
    from ecert.accounts.services import api_token_create
    from ecert.core.formats.qr import qr_text
    from ecert.credentials.models import Credential
    from ecert.credentials.status_lists import status_list_fresh
    from ecert.signing.models import StatusListPublication

    credential = Credential.objects.exclude(signed=None).order_by("pk").first()
    assert credential is not None
    assert credential.signed is not None
    text = qr_text(settings.ECERT_VERIFY_HOST, bytes(credential.signed))
    _, token = api_token_create(actor=None, user=User.objects.get(username="admin"), name="test")
    # Signed, then older than an hour: the next download would sign it again (a write).
    assert status_list_fresh(list_number=0, now=timezone.now()) is not None
    StatusListPublication.objects.update(issued_at=timezone.now() - timedelta(hours=2))
    return {"payload": text.split("/V/", 1)[1], "qr": text, "token": token}


def verify_everywhere(known: dict[str, str], passer: dict[str, str]) -> dict[str, Any]:
    """In the deployment: the landing page, the query page, the API's verify (anonymous and with
    a key) and query; what each answered, and the rows the log table held meanwhile."""
    from django.test import Client

    from ecert.verification.models import VerificationEvent

    client = Client()
    landing = client.get(f"/V/{known['payload']}")
    query = client.post(
        "/verify/",
        {"name": passer["name"], "id_number": passer["id_number"], "number": passer["number"]},
    )
    api = client.post("/api/v1/verify", {"qr": known["qr"]}, content_type="application/json")
    keyed = client.post(
        "/api/v1/verify",
        {"qr": known["qr"]},
        content_type="application/json",
        headers={"authorization": f"Bearer {known['token']}"},
    )
    api_query = client.post(
        "/api/v1/query",
        {"name": passer["name"], "id_number": passer["id_number"], "number": passer["number"]},
        content_type="application/json",
    )
    status_list = client.get("/api/v1/status-lists/0")
    return {
        "status_list": [status_list.status_code, status_list.get("Content-Type")],
        "landing": [landing.status_code, 'data-verdict="valid"' in landing.content.decode()],
        "query": [query.status_code, 'data-verdict="valid"' in query.content.decode()],
        "api": [api.status_code, api.json().get("verdict") if api.status_code == 200 else None],
        "keyed": [
            keyed.status_code,
            keyed.json().get("verdict") if keyed.status_code == 200 else None,
        ],
        "api_query": [
            api_query.status_code,
            api_query.json().get("found") if api_query.status_code == 200 else None,
        ],
        "logged_meanwhile": VerificationEvent.objects.count(),
    }


def _in_deployment(data_dir: Path, call: str) -> Any:
    """Run ``call`` (an expression of this module) in an ``ecert`` process; its JSON result."""
    script = f"import json; from tests.public import test_verify_during_import as t; print(json.dumps({call}))"
    ran = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", "manage", "shell", "-c", script],
        env=ecert_environment(data_dir) | {"ECERT_ALLOWED_HOSTS": "testserver,localhost"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return json.loads(ran.stdout.strip().splitlines()[-1])


def _log(data_dir: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    try:
        return list(
            db.execute("select channel, verdict from verification_verificationevent order by id")
        )
    finally:
        db.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Passer]:
    data_dir = tmp_path_factory.mktemp("deployment")
    passers = make_passers(PASSERS, seed=15)
    write_xlsx(data_dir / "passers.xlsx", passers)
    for command in (
        ("init", "--quiet"),
        ("keys", "init"),
        ("import-passlist", str(data_dir / "passers.xlsx"), "--exam", "constructor"),
    ):
        args = command + (("--authority", "sd-pta") if command[0] == "import-passlist" else ())
        result = run_ecert(data_dir, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return data_dir, passers[0]


def test_verification_answers_while_a_writer_holds_the_lock_and_logs_every_answer(
    deployment: tuple[Path, Passer], tmp_path: Path
) -> None:
    data_dir, passer = deployment
    known = _in_deployment(data_dir, "t.payload_and_token()")
    asked = {"name": passer.name, "id_number": passer.id_number, "number": passer.management_number}
    before = len(_log(data_dir))
    held, release = tmp_path / "held", tmp_path / "release"
    holder = subprocess.Popen(  # noqa: S603 - our own script
        [
            sys.executable,
            "-c",
            _HOLDER,
            str(data_dir / "ecert.sqlite3"),
            str(held),
            str(release),
            str(HOLD_AT_MOST),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        while not held.exists():
            assert holder.poll() is None, "the lock holder ended before taking the lock"
            os.sched_yield()
        answered = _in_deployment(data_dir, f"t.verify_everywhere({known!r}, {asked!r})")
    finally:
        release.touch()
        holder_said = holder.communicate(timeout=HOLD_AT_MOST + 30)[0].strip()

    assert holder_said == "released", "the answers came only after the lock holder gave up"
    assert answered["landing"] == [200, True]
    assert answered["query"] == [200, True]
    assert answered["api"] == [200, "valid"]
    assert answered["keyed"] == [200, "valid"]
    assert answered["api_query"] == [200, True]
    assert answered["status_list"] == [200, "application/cose"]  # as last signed
    assert answered["logged_meanwhile"] == before  # spooled: the table was locked
    assert (data_dir / "verification-spool").is_dir()

    # The next verification that finds the lock free moves the spooled ones into the table.
    after = _in_deployment(data_dir, f"t.verify_everywhere({known!r}, {asked!r})")
    assert after["landing"] == [200, True]
    log = _log(data_dir)[before:]
    assert sorted(log) == sorted(
        [("qr", "valid"), ("query", "valid"), ("api", "valid")] * 2 + [("api", "valid")] * 4
    )
    assert not list((data_dir / "verification-spool").iterdir())
