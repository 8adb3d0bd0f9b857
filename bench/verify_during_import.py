"""Verification while a 100,000-row import runs, on the embedded default (SQLite, issue 15).

The import holds SQLite's one write lock until it commits; verification must answer as before
(the log goes to a spool meanwhile: src/ecert/verification/spool.py). The benchmark measures it
as a user would meet it:

1. A fresh data directory: ``ecert init``, ``ecert keys init``, a small pass list imported (the
   credentials asked about), the ``--rows`` pass list of the issue benchmark (``bench.passlist_file``).
2. The real server, ``ecert serve --no-task-worker`` (gunicorn, 2 sync workers).
3. Three clients, one per path: the QR landing page (GET /V/<payload>), the query page (POST
   /verify/) and the API (POST /api/v1/verify, anonymous), each sending one request every PACE
   seconds (a steady load, not a saturating one), from rotating loopback addresses (127.0.0.x) so
   the per-address limits of the query page and the API do not answer 429.
4. Baseline: BASELINE_SECONDS with no import. Then ``ecert import-passlist`` on the big list; the
   clients go on until the import's process ends; a probe notes whether the lock was held.
5. After: verifications go on until the spool is empty; the log must hold one row per answer.

``python -m bench --only verify-during-import`` runs it (``--rows`` sets the import's size).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.harness import Figure, Report
from bench.passlist_file import passlist_file

NAME = "verify-during-import"
PACE = 0.05  # seconds between one client's requests: 20 a second per path
BASELINE_SECONDS = 20
SMALL_LIST = 50
PATHS = ("landing", "query", "api")


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, seconds: float, outcome: str) -> None:
        if outcome == "ok":
            self.latencies.append(seconds)
        else:
            self.errors[outcome] = self.errors.get(outcome, 0) + 1

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "answered": len(self.latencies),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "max_ms": round(max(self.latencies, default=float("nan")) * 1000, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1)
            if self.latencies
            else None,
            "errors": self.errors,
        }


def _ecert(data_dir: Path, *args: str) -> None:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))
    }
    completed = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *args],
        env=environment | {"ECERT_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"ecert {' '.join(args)}: {completed.stderr[-800:]}")


_ADDRESSES = itertools.cycle(f"127.0.0.{n}" for n in range(2, 255))
_address_lock = threading.Lock()


def _csrf_token(port: int) -> str:
    """The query page's CSRF cookie (its unmasked value is also a valid form token)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/verify/")
        answer = connection.getresponse()
        answer.read()
        cookie = answer.getheader("Set-Cookie") or ""
    finally:
        connection.close()
    return cookie.split("csrftoken=", 1)[1].split(";", 1)[0]


@dataclass(frozen=True)
class Ask:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _request(port: int, ask: Ask) -> tuple[float, str]:
    with _address_lock:
        source = next(_ADDRESSES)
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=60, source_address=(source, 0)
    )
    started = time.perf_counter()
    try:
        connection.request(ask.method, ask.path, body=ask.body, headers=ask.headers)
        answer = connection.getresponse()
        text = answer.read()
    except OSError as error:
        return time.perf_counter() - started, type(error).__name__
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if answer.status != 200:
        return elapsed, str(answer.status)
    right = (
        b'data-verdict="valid"' in text
        or b'"verdict": "valid"' in text
        or b'"verdict":"valid"' in text
    )
    return elapsed, "ok" if right else "wrong answer"


def _ask(port: int, path: str, known: dict[str, str]) -> Ask:
    if path == "landing":
        return Ask("GET", f"/V/{known['payload']}")
    if path == "query":
        token = _csrf_token(port)
        form = {"name": known["name"], "id_number": known["id_number"], "number": known["number"]}
        return Ask(
            "POST",
            "/verify/",
            urlencode(form | {"csrfmiddlewaretoken": token}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={token}"},
        )
    body = json.dumps({"qr": known["qr"]}).encode()
    return Ask("POST", "/api/v1/verify", body, {"Content-Type": "application/json"})


def _client(
    port: int,
    path: str,
    known: dict[str, str],
    stop: threading.Event,
    phase: list[str],
    samples: dict[str, dict[str, Samples]],
) -> None:
    ask = _ask(port, path, known)
    while not stop.is_set():
        began = time.perf_counter()
        seconds, outcome = _request(port, ask)
        samples[phase[0]][path].add(seconds, outcome)
        time.sleep(max(0.0, PACE - (time.perf_counter() - began)))


def _lock_held(database: Path) -> bool:
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


_KNOWN = """
import json
from django.conf import settings
from ecert.core.formats.qr import qr_text
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
c = Credential.objects.exclude(signed=None).select_related("holder").order_by("pk").first()
text = qr_text(settings.ECERT_VERIFY_HOST, bytes(c.signed))
print(json.dumps({"payload": text.split("/V/", 1)[1], "qr": text, "name": c.holder_name,
  "id_number": holder_id_number(c.holder), "number": c.management_number}))
"""


def _log_rows(database: Path) -> int:
    db = sqlite3.connect(database)
    try:
        return int(db.execute("select count(*) from verification_verificationevent").fetchone()[0])
    finally:
        db.close()


def measure(rows: int, work: Path) -> dict[str, Any]:
    data_dir = work / "data"
    big = passlist_file(rows)
    _ecert(data_dir, "init", "--quiet")
    _ecert(data_dir, "keys", "init")
    from tests.passlist_files import make_passers, write_xlsx

    small = work / "small.xlsx"
    write_xlsx(small, make_passers(SMALL_LIST, seed=15))
    _ecert(
        data_dir, "import-passlist", str(small), "--exam", "constructor", "--authority", "sd-pta"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))
    }
    environment |= {"ECERT_DATA_DIR": str(data_dir)}
    shell = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", "manage", "shell", "-c", _KNOWN],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    known = json.loads(shell.stdout.strip().splitlines()[-1])
    database = data_dir / "ecert.sqlite3"
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "ecert.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--no-task-worker",
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("wb"),
    )
    try:
        _wait_for(port)
        phase = ["warm-up"]
        samples = {
            name: {path: Samples() for path in PATHS}
            for name in ("warm-up", "baseline", "import", "after")
        }
        stop = threading.Event()
        clients = [
            threading.Thread(target=_client, args=(port, path, known, stop, phase, samples))
            for path in PATHS
        ]
        before_rows = _log_rows(database)
        for client in clients:
            client.start()
        time.sleep(3)
        phase[0] = "baseline"
        time.sleep(BASELINE_SECONDS)
        phase[0] = "import"
        started = time.monotonic()
        importer = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "ecert.cli",
                "import-passlist",
                str(big.path),
                "--exam",
                "constructor",
                "--authority",
                "sd-pta",
            ],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        held = probes = 0
        while importer.poll() is None:
            probes += 1
            held += _lock_held(database)
            time.sleep(0.5)
        import_seconds = time.monotonic() - started
        phase[0] = "after"
        spool = data_dir / "verification-spool"
        deadline = time.monotonic() + 120
        while any(spool.glob("*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.5)
        stop.set()
        for client in clients:
            client.join()
        time.sleep(1)
        # Every right answer is one verification logged: against the rows the log gained.
        answered = sum(
            len(s.latencies) for phase_samples in samples.values() for s in phase_samples.values()
        )
        logged = _log_rows(database) - before_rows
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "rows": rows,
        "import_seconds": round(import_seconds, 1),
        "import_exit": importer.returncode,
        "lock_held_share": round(held / probes, 2) if probes else None,
        "phases": {
            name: {path: s.summary() for path, s in samples[name].items()}
            for name in ("baseline", "import", "after")
        },
        "answered": answered,
        "log_rows_added": logged,
        "spool_left": [p.name for p in spool.glob("*.jsonl")],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/root-certificate")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


def run(rows: int, databases: list[str]) -> Report:
    report = Report()
    if "sqlite" not in databases:
        report.skipped.append(f"{NAME}: SQLite only (PostgreSQL has no database-wide write lock)")
        return report
    with tempfile.TemporaryDirectory(prefix="ecert-verify-import-") as work:
        try:
            result = measure(rows, Path(work))
        except Exception as error:  # a benchmark that cannot finish says why, the others go on
            report.failed.append(f"{NAME}: {error}")
            return report
    report.measurements.append({"benchmark": NAME, **result})
    for phase in ("baseline", "import"):
        for path in PATHS:
            summary = result["phases"][phase][path]
            detail = f"p50 {summary['p50_ms']} ms, {summary['answered']} answered, errors {summary['errors'] or 0}"
            report.figures.append(
                Figure(NAME, f"{path} p99 ({phase})", "sqlite", summary["p99_ms"], "ms", detail)
            )
    report.notes.append(
        f"{NAME}: import of {rows:,} rows {result['import_seconds']} s (exit {result['import_exit']}), "
        f"lock held at {result['lock_held_share']:.0%} of probes; {result['answered']} "
        f"answers, {result['log_rows_added']} log rows added, spool left {result['spool_left']}"
    )
    return report


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.verify_during_import")
    parser.add_argument("--rows", type=int, default=100_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ecert-verify-import-") as work:
        print(json.dumps(measure(arguments.rows, Path(work)), indent=2))
