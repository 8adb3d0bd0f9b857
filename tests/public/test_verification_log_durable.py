"""The verification log on PostgreSQL: every answered verification is spooled to a synced file
before its answer goes out, and reaches the table in batches (verification/spool.py).

A process answering verifications is killed with SIGKILL mid-stream: every verification it had
answered is in the log after the next drain, each once. A drain while the database cannot be
reached (the primary stopped) fails and leaves every line, which a later drain stores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ecert.credentials.models import Credential
from ecert.verification.models import Channel, VerificationEvent
from ecert.verification.spool import spool_directory, spool_drain
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import qr_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the log's spool on PostgreSQL; SQLite's has its own tests",
    ),
]

ANSWERED_BEFORE_KILL = 40

# Answers verifications of the QR text in argv[1] one after another, as the API does, and prints
# the address of each once its answer is back; never stops by itself.
_ANSWERING = """
import sys
import django
django.setup()
from django.utils import timezone
from ecert.verification.models import Channel
from ecert.verification.services import Asker, qr_verify
text = sys.argv[1]
n = 0
while True:
    n += 1
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    answer = qr_verify(text=text, now=timezone.now(), asker=Asker(address), channel=Channel.API)
    print(answer.verdict.value, address, flush=True)
"""

# Five verifications spooled, then one drain round, against a database that cannot be reached.
_DRAIN_UNREACHABLE = """
import django
django.setup()
from datetime import UTC, datetime
from django.db import OperationalError
from ecert.verification.models import VerificationEvent
from ecert.verification.spool import spool_append, spool_drain
at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
for n in range(5):
    spool_append(VerificationEvent(at=at, channel="qr", verdict="valid", address=f"192.0.2.{n}"))
try:
    spool_drain()
except OperationalError:
    print("unreachable")
else:
    print("drained")
"""


def _environment(database_url: str) -> dict[str, str]:
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "ecert.settings",
        "ECERT_DATA_DIR": str(settings.ECERT_DATA_DIR),
        "DATABASE_URL": database_url,
    }


def _test_database_url() -> str:
    given = connection.settings_dict
    host, port = given["HOST"] or "127.0.0.1", given["PORT"] or "5432"
    return f"postgres://{given['USER']}@{host}:{port}/{given['NAME']}"


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Path) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def test_no_answered_verification_is_lost_when_the_process_is_killed(proof: Credential) -> None:
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _ANSWERING, qr_of(proof)],
        env=_environment(_test_database_url()),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    answered: list[str] = []
    deadline = time.monotonic() + 120
    while len(answered) < ANSWERED_BEFORE_KILL and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        answered.append(line.split()[1])
        assert line.split()[0] == "valid"
    os.kill(child.pid, signal.SIGKILL)
    rest, errors = child.communicate(timeout=30)
    answered += [line.split()[1] for line in rest.splitlines() if len(line.split()) == 2]
    assert len(answered) >= ANSWERED_BEFORE_KILL, errors[-2000:]

    spool_drain()

    logged = list(VerificationEvent.objects.values_list("address", "channel", "verdict"))
    addresses = [address for address, _, _ in logged]
    assert set(answered) <= set(addresses)  # every answer that went out is in the log
    assert len(addresses) == len(set(addresses))  # and once
    assert {(channel, verdict) for _, channel, verdict in logged} == {(Channel.API, "valid")}
    assert not list(spool_directory().glob("*.jsonl"))


def test_a_drain_while_the_database_is_down_keeps_every_line_for_later(own_storage: Path) -> None:
    down = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _DRAIN_UNREACHABLE],
        env=_environment("postgres://postgres@127.0.0.1:1/nothing"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert down.stdout.strip().splitlines()[-1:] == ["unreachable"], down.stderr[-2000:]
    # The lines are not looked for in the spool here: once an earlier test of this process has
    # logged a verification, this process runs the spool's drain thread, which may store them at
    # any moment. What must hold is below: after the failed drain, each is stored exactly once.
    spool_drain()

    assert sorted(str(a) for a in VerificationEvent.objects.values_list("address", flat=True)) == [
        f"192.0.2.{n}" for n in range(5)
    ]
    assert not list(spool_directory().glob("*.jsonl"))
