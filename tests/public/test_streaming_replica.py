"""Verification from a real streaming replica (docs/scaling.md, ecert.replicas).

A PostgreSQL primary and a ``pg_basebackup -R`` replica of the test's own run on loopback
(tests/streaming_replica.py); a real ``ecert serve`` is started with ``DATABASE_URL`` at the
primary and ``DATABASE_REPLICA_URL`` at the replica. It shows that the API and the QR landing page
read the registry from the replica, that they keep answering while the primary is stopped,
with every answered verification in the log once the primary is back and the spool is drained,
and that they answer from the primary while the replica is stopped and from the replica again
once it is back.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ecert.replicas import REPLICA_RETRY_SECONDS
from tests.streaming_replica import PostgresPair, free_port, pair_create, postgres_bin

pytestmark = pytest.mark.skipif(
    postgres_bin() is None,
    reason="the PostgreSQL server programs (initdb, pg_ctl, pg_basebackup) are not installed; "
    "tools/system_packages.sh installs them",
)

DATABASE = "ecert"


@dataclass
class Served:
    pair: PostgresPair
    data_dir: Path
    base: str
    env: dict[str, str]
    world: dict[str, Any]

    def qr(self, n: int) -> str:
        return str(self.world["credentials"][n]["qr"])

    def public_id(self, n: int) -> str:
        return str(self.world["credentials"][n]["public_id"])


def _environment(pair: PostgresPair, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_"))}
    return env | {
        "DJANGO_SETTINGS_MODULE": "ecert.settings",
        "ECERT_DATA_DIR": str(data_dir),
        "DATABASE_URL": pair.url(DATABASE, replica=False),
        "DATABASE_REPLICA_URL": pair.url(DATABASE, replica=True),
    }


def _child(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(  # noqa: S603 - our own modules
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[PostgresPair]:
    """A primary (wal_level=replica) and its streaming replica on free loopback ports, each a
    cluster of its own in a temporary directory; stopped and removed at the end."""
    pair = pair_create(DATABASE)
    try:
        yield pair
    finally:
        pair.close()


@pytest.fixture(scope="session")
def served(
    streaming_replica: PostgresPair, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A small registry on the primary, replicated, and ``ecert serve`` reading from the replica."""
    pair = streaming_replica
    data_dir = tmp_path_factory.mktemp("replica-data")
    env = _environment(pair, data_dir)
    setup_env = {k: v for k, v in env.items() if k != "DATABASE_REPLICA_URL"}
    _child(setup_env, "-m", "tests.replica_world", str(data_dir / "world.json"))
    world = json.loads((data_dir / "world.json").read_text(encoding="utf-8"))
    pair.replica_catch_up(DATABASE)
    port = free_port()
    log = (data_dir / "serve.log").open("w")
    command = [sys.executable, "-m", "ecert.cli", "serve", "--no-task-worker", "--workers", "2"]
    server = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--bind", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/root-certificate", timeout=30)  # noqa: S310
                break
            except OSError:  # not listening yet, or still loading
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((data_dir / "serve.log").read_text()) from None
                time.sleep(0.2)
        yield Served(pair, data_dir, base, env, world)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def _verify(served: Served, qr: str, *, key: bool = False) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {served.world['token']}"
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        served.base + "/api/v1/verify",
        data=json.dumps({"qr": qr}).encode(),
        headers=headers,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def _landing(served: Served, qr: str) -> str:
    path = qr.split("/V/", 1)[1]
    request = urllib.request.Request(  # noqa: S310 - our own server on loopback
        served.base + "/V/" + path, headers={"Accept-Language": "zh-hans"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        return str(response.read().decode())


def _log(served: Served) -> list[str]:
    with served.pair.connect(DATABASE, replica=False) as primary:
        rows = primary.execute(
            "SELECT asked FROM verification_verificationevent ORDER BY id"
        ).fetchall()
    return [str(row[0]) for row in rows]


def _primary_status(served: Served, public_id: str) -> str:
    with served.pair.connect(DATABASE, replica=False) as primary:
        row = primary.execute(
            "SELECT status FROM credentials_credential WHERE public_id = %s", [public_id]
        ).fetchone()
    assert row is not None
    return str(row[0])


def _serve_log(served: Served) -> str:
    return (served.data_dir / "serve.log").read_text(encoding="utf-8", errors="replace")


def _status_change(served: Served, public_id: str, change: str) -> None:
    """The real command, on the primary (a command is no verification view)."""
    _child(
        served.env,
        *("-m", "ecert.cli", "credential", "status", public_id, change),
        *("--reason", "replica test"),
    )


def test_verification_reads_the_registry_from_the_replica(served: Served) -> None:
    pair = served.pair
    qr, public_id = served.qr(0), served.public_id(0)
    assert _verify(served, qr)["verdict"] == "valid"

    # The replica stops replaying; the credential is revoked on the primary with the real command.
    with pair.connect(DATABASE, replica=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
    try:
        _child(
            served.env,
            *("-m", "ecert.cli", "credential", "status", public_id, "revoke"),
            *("--reason", "replica test"),
        )
        assert _primary_status(served, public_id) == "revoked"
        # The server still answers from the replica, which has not seen the revocation ...
        assert _verify(served, qr)["verdict"] == "valid"
        assert _verify(served, qr, key=True)["verdict"] == "valid"
        assert "真实有效" in _landing(served, qr)
    finally:
        with pair.connect(DATABASE, replica=True) as replica:
            replica.execute("SELECT pg_wal_replay_resume()")
    # ... and once it has replayed, every answer says revoked.
    pair.replica_catch_up(DATABASE)
    assert _verify(served, qr)["verdict"] == "revoked"
    assert _verify(served, qr, key=True)["verdict"] == "revoked"
    page = _landing(served, qr)
    assert "真实，已撤销" in page
    assert "真实有效" not in page


def _drain(served: Served) -> None:
    """What `ecert worker` does every few seconds: move every spooled log line into the table."""
    _child(
        served.env,
        "-c",
        "import django; django.setup(); "
        "from ecert.verification.spool import spool_drain; spool_drain()",
    )


def test_verification_answers_while_the_primary_is_stopped_and_loses_no_log_line(
    served: Served,
) -> None:
    pair = served.pair
    _drain(served)  # the log rows of earlier answers reach the table in batches
    logged_before = len(_log(served))
    qr = served.qr(1)
    assert _verify(served, qr)["verdict"] == "valid"
    pair.primary_stop()
    answered = 0
    try:
        with pytest.raises(psycopg.OperationalError):  # the primary is really down
            _log(served)
        for n in range(6):
            assert _verify(served, qr, key=n % 2 == 0)["verdict"] == "valid"
            answered += 1
        for _ in range(3):
            assert "真实有效" in _landing(served, qr)
            answered += 1
        spool = served.data_dir / "verification-spool"
        assert any(spool.iterdir()), "what was answered waits in the spool"
    finally:
        pair.primary_start()
    # With the primary back, one more answer; then the drain moves every spooled line in.
    assert _verify(served, qr)["verdict"] == "valid"
    _drain(served)
    logged = _log(served)
    public_id = served.public_id(1)
    assert len(logged) == logged_before + 1 + answered + 1
    assert logged[logged_before:].count(public_id) == 1 + answered + 1
    assert not [p for p in (served.data_dir / "verification-spool").iterdir()]


def test_verification_answers_from_the_primary_while_the_replica_is_stopped(
    served: Served,
) -> None:
    pair = served.pair
    qr, public_id = served.qr(2), served.public_id(2)
    assert _verify(served, qr)["verdict"] == "valid"
    pair.replica_stop()
    try:
        with pytest.raises(psycopg.OperationalError):  # the replica is really down
            pair.connect(DATABASE, replica=True).close()
        for n in range(6):  # within a second: both server processes, not one warning a request
            assert _verify(served, qr, key=n % 2 == 1)["verdict"] == "valid"
        warnings = _serve_log(served).count("the read replica cannot be reached")
        assert 1 <= warnings <= 2, _serve_log(served)[-3000:]
        # Suspended on the primary while the replica is down: every answer (200, from both
        # server processes, with and without a key) reads the primary and sees it at once.
        _status_change(served, public_id, "suspend")
        for n in range(4):
            assert _verify(served, qr, key=n % 2 == 1)["verdict"] == "suspended"
        for _ in range(2):
            assert "真实，已暂停使用" in _landing(served, qr)
    finally:
        pair.replica_start()
    pair.replica_catch_up(DATABASE)
    assert _primary_status(served, public_id) == "suspended"
    # Back: once the processes' pause after the failure is over, reads go to the replica again.
    # With its replay paused, a reinstatement on the primary is not seen by the answers yet.
    time.sleep(REPLICA_RETRY_SECONDS + 1)
    with pair.connect(DATABASE, replica=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
    try:
        _status_change(served, public_id, "reinstate")
        assert _primary_status(served, public_id) == "valid"
        for n in range(4):
            assert _verify(served, qr, key=n % 2 == 1)["verdict"] == "suspended"
        assert "真实，已暂停使用" in _landing(served, qr)
    finally:
        with pair.connect(DATABASE, replica=True) as replica:
            replica.execute("SELECT pg_wal_replay_resume()")
    pair.replica_catch_up(DATABASE)
    assert _verify(served, qr)["verdict"] == "valid"
    assert "真实有效" in _landing(served, qr)
