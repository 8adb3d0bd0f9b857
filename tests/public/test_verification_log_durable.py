"""The verification log on PostgreSQL: every answered verification is spooled to a synced file
before its answer goes out, and reaches the table in batches (verification/spool.py).

A process answering verifications is killed with SIGKILL mid-stream: every verification it had
answered is in the log after the next drain, each once. A drain while the database cannot be
reached (the primary stopped) fails and leaves every line, which a later drain stores.

Who drains (ECERT_SPOOL_DRAIN): by default a thread of the process that answered, within a
second; with "worker" (the test suite's setting) nothing in that process, and `ecert worker`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from ecert.credentials.models import Credential
from ecert.verification.models import Channel, VerificationEvent
from ecert.verification.services import Asker, qr_verify
from ecert.verification.spool import DRAIN_SECONDS, spool_append, spool_directory, spool_drain
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

# Three verifications answered, then up to argv[2] seconds for them to reach the log by themselves;
# prints how many are there.
_ANSWER_THREE_AND_WAIT = """
import sys
import time
import django
django.setup()
from django.utils import timezone
from ecert.verification.models import Channel, VerificationEvent
from ecert.verification.services import Asker, qr_verify
for n in range(3):
    qr_verify(text=sys.argv[1], now=timezone.now(), asker=Asker(f"198.51.100.{n}"), channel=Channel.API)
deadline = time.monotonic() + float(sys.argv[2])
while VerificationEvent.objects.count() < 3 and time.monotonic() < deadline:
    time.sleep(0.1)
print(VerificationEvent.objects.count())
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


def _spooled_lines() -> int:
    return sum(len(path.read_bytes().splitlines()) for path in spool_directory().glob("*.jsonl"))


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
    assert _spooled_lines() == 5  # kept (no drain thread runs in the test process)
    assert not VerificationEvent.objects.exists()
    spool_drain()

    assert sorted(str(a) for a in VerificationEvent.objects.values_list("address", flat=True)) == [
        f"192.0.2.{n}" for n in range(5)
    ]
    assert not list(spool_directory().glob("*.jsonl"))


def _answer_three_and_wait(proof: Credential, seconds: float, **env: str) -> str:
    answered = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _ANSWER_THREE_AND_WAIT, qr_of(proof), str(seconds)],
        env=_environment(_test_database_url()) | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert answered.returncode == 0, answered.stderr[-2000:]
    return answered.stdout.strip()


def test_the_test_process_runs_no_drain_thread_and_its_lines_wait_for_a_drain(
    proof: Credential,
) -> None:
    answer = qr_verify(
        text=qr_of(proof), now=timezone.now(), asker=Asker("198.51.100.7"), channel=Channel.API
    )
    assert answer.verdict.value == "valid"
    time.sleep(3 * DRAIN_SECONDS)  # a drain thread would have stored the line by now

    assert "verification-spool" not in {thread.name for thread in threading.enumerate()}
    assert _spooled_lines() == 1
    assert not VerificationEvent.objects.exists()
    assert spool_drain() == 1
    assert list(VerificationEvent.objects.values_list("address", flat=True)) == ["198.51.100.7"]


def test_by_default_a_process_drains_the_verifications_it_answered(proof: Credential) -> None:
    assert _answer_three_and_wait(proof, 30) == "3"  # ECERT_SPOOL_DRAIN unset: its thread
    assert _spooled_lines() == 0


def test_with_draining_left_to_the_worker_ecert_worker_stores_the_lines(
    proof: Credential,
) -> None:
    assert _answer_three_and_wait(proof, 6 * DRAIN_SECONDS, ECERT_SPOOL_DRAIN="worker") == "0"
    assert _spooled_lines() == 3

    worker = subprocess.Popen(
        [sys.executable, "-m", "ecert.cli", "worker"],
        env=_environment(_test_database_url()) | {"ECERT_SPOOL_DRAIN": "worker"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while VerificationEvent.objects.count() < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert sorted(str(a) for a in VerificationEvent.objects.values_list("address", flat=True)) == [
        f"198.51.100.{n}" for n in range(3)
    ], errors[-2000:]
    assert _spooled_lines() == 0


def test_a_line_whose_credential_has_gone_is_stored_without_it(
    own_storage: Path, proof: Credential
) -> None:
    at = timezone.now()
    spool_append(VerificationEvent(at=at, channel=Channel.QR, verdict="valid", credential=proof))
    gone = VerificationEvent(at=at, channel=Channel.QR, verdict="valid", asked="gone")
    gone.credential_id = 2**40  # no such row: the log has no constraint to refuse it (dec. 277)
    spool_append(gone)

    spool_drain()

    stored = dict(VerificationEvent.objects.values_list("asked", "credential_id"))
    assert stored == {"": proof.pk, "gone": None}
