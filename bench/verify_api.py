"""The online verification API under load: POST /api/v1/verify with 1,000,000 credentials stored.

DESIGN.md §7: "online verification API with 1,000,000 credentials stored (PostgreSQL): ≥ 2,000
requests/s, p99 ≤ 25 ms", measured with wrk on loopback beside a trivial endpoint of the same
server in the same run.

1. A child (``bench.verify_api_setup``) builds the database once (1,000,000 passers imported and
   signed through the real pass-list import) or reuses it, makes a fresh API token of an approved
   organisation (quota out of reach) and draws a fixed sample of 10,000 stored QR texts.
2. The sample and the token go into a wrk Lua script (``bench/out/verify-api/verify.lua``); each
   request POSTs ``{"qr": "<one of the texts, at random>"}`` with ``Authorization: Bearer``.
3. The real server is started as ``ecert serve --no-task-worker`` starts it (gunicorn on
   127.0.0.1, ``DATABASE_URL`` at the bench database); the worker class and threads, which
   ``ecert serve`` leaves at gunicorn's defaults, are given through ``GUNICORN_CMD_ARGS``.
4. Before any clock: a few verifications through urllib must answer 200 ``"verdict": "valid"``,
   the baseline endpoint 200; then a short warm-up of both.
5. Timed: wrk on POST /api/v1/verify, then wrk on GET /api/v1/root-certificate (the baseline: the
   same server, middleware and API framework, one small query), each ``--duration`` seconds with
   ``--latency``. The scripts count responses by status class; the access log is counted too.
   Every verification writes one log row: the rows added must equal the verifications answered.

``python -m bench --only verify-api`` runs it with the defaults; ``python -m bench.verify_api``
takes options (workers, worker class, threads, connections, duration) to compare server settings.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import databases, verify_api_setup
from bench.harness import Baseline, Budget, Figure, Report, machine, print_report
from bench.rates import load_note

NAME = "verify-api"
WRK = "/usr/bin/wrk"
BUDGET_RPS = 2_000.0  # DESIGN.md §7
BUDGET_P99_MS = 25.0  # DESIGN.md §7
VERIFY_PATH = "/api/v1/verify"
LANDING_PATH = "/V/"  # the QR landing page: GET /V/<payload>, the anonymous scan
RATIO_BUDGET = 0.8  # issue 18: verification ≥ 0.8 × the trivial endpoint of the same run
DRAIN_WAIT = 30.0  # seconds to wait for the spooled log rows to reach the table
BASELINE_PATH = "/api/v1/root-certificate"
SAMPLE = 10_000
CHECKED = 5  # verifications answered through urllib before the clock
LOG_TABLE = "verification_verificationevent"
_ACCESS = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d{3}) ')


@dataclass(frozen=True)
class ServerSettings:
    """How gunicorn runs: ``ecert serve``'s options, plus what it leaves to gunicorn."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def describe(self) -> str:
        text = f"gunicorn {self.workers} × {self.worker_class}"
        return text + (f", {self.threads} threads each" if self.worker_class == "gthread" else "")


@dataclass(frozen=True)
class LoadSettings:
    connections: int = 8
    duration: int = 20
    threads: int = 1  # wrk's threads; one drives far more than this server answers
    warm_up: int = 5


# --- wrk ---------------------------------------------------------------------------------------

_LUA_COMMON = r"""
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(20261125 + 7919 * id)
  s2, s3, s4, s5, sx = 0, 0, 0, 0, 0
end

function response(status, headers, body)
  if status < 300 then s2 = s2 + 1
  elseif status < 400 then s3 = s3 + 1
  elseif status < 500 then s4 = s4 + 1
  elseif status < 600 then s5 = s5 + 1
  else sx = sx + 1 end
end

function done(summary, latency, requests)
  local c = {0, 0, 0, 0, 0}
  for _, t in ipairs(threads) do
    c[1] = c[1] + t:get("s2")
    c[2] = c[2] + t:get("s3")
    c[3] = c[3] + t:get("s4")
    c[4] = c[4] + t:get("s5")
    c[5] = c[5] + t:get("sx")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p75": %d, "p90": %d, "p99": %d, ' ..
    '"p999": %d}, "status": {"2xx": %d, "3xx": %d, "4xx": %d, "5xx": %d, "other": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(75),
    latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    c[1], c[2], c[3], c[4], c[5]))
end
"""


def verify_script(path: Path, token: str, texts: list[str]) -> Path:
    """POST one of ``texts`` at random per request, with the organisation's token."""
    bodies = [json.dumps({"qr": text}) for text in texts]
    if any("]==]" in body for body in bodies):
        raise ValueError("a body would end the Lua long string")
    lines = [
        f"-- bench/verify_api.py: POST {VERIFY_PATH}, one of {len(bodies):,} stored credentials",
        "local bodies = {",
        *(f"[==[{body}]==]," for body in bodies),
        "}",
        "local count = #bodies",
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        f'wrk.headers["Authorization"] = "Bearer {token}"',
        "function request()",
        "  return wrk.format(nil, nil, nil, bodies[math.random(count)])",
        "end",
        _LUA_COMMON,
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def landing_script(path: Path, texts: list[str]) -> Path:
    """GET the landing page of one of ``texts`` at random, as a phone that scanned it: no key."""
    paths = [LANDING_PATH + text.split(LANDING_PATH, 1)[1] for text in texts]
    lines = [
        f"-- bench/verify_api.py: GET {LANDING_PATH}<payload>, one of {len(paths):,} credentials",
        "local paths = {",
        *(f'"{path}",' for path in paths),
        "}",
        "local count = #paths",
        'wrk.method = "GET"',
        "function request()",
        "  return wrk.format(nil, paths[math.random(count)])",
        "end",
        _LUA_COMMON,
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def baseline_script(path: Path) -> Path:
    """GET the baseline path, no token (the route is public)."""
    lines = [f"-- bench/verify_api.py: GET {BASELINE_PATH}", 'wrk.method = "GET"', _LUA_COMMON]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class WrkRun:
    url: str
    seconds: float
    requests: int
    latency_us: dict[str, float]
    errors: dict[str, int]
    status: dict[str, int]
    output: str
    wrk_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def ms(self, key: str) -> float:
        return self.latency_us[key] / 1000

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")

    @property
    def not_2xx(self) -> int:
        return self.requests - self.status["2xx"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "seconds": self.seconds,
            "requests": self.requests,
            "per_second": self.per_second,
            "latency_us": self.latency_us,
            "errors": self.errors,
            "status": self.status,
            "wrk_cpu_seconds": self.wrk_cpu_seconds,
            "output": self.output,
        }


def wrk(url: str, script: Path, load: LoadSettings, seconds: int) -> WrkRun:
    command = [WRK, f"-t{load.threads}", f"-c{load.connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script), url]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(  # noqa: S603 - fixed program, our own arguments
        command, capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = [line for line in completed.stdout.splitlines() if line.startswith("BENCHJSON ")]
    if completed.returncode != 0 or not found:
        raise RuntimeError(f"wrk exit {completed.returncode}: {completed.stderr.strip()[-400:]}")
    data = json.loads(found[-1].removeprefix("BENCHJSON "))
    return WrkRun(
        url=url,
        seconds=data["duration_us"] / 1e6,
        requests=data["requests"],
        latency_us=data["latency_us"],
        errors=data["errors"],
        status=data["status"],
        output="\n".join(line for line in completed.stdout.splitlines() if line not in found),
        wrk_cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


# --- CPU accounting ----------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from 3 (state) on


def _pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of the gunicorn master and its workers, of every ``postgres`` process,
    and of the machine (busy and all, over every core)."""
    server = postgres = 0.0
    for pid in _pids():
        fields = _stat(pid)
        if fields is None:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
        if pid == server_pid or int(fields[1]) == server_pid:  # the master or a worker
            server += seconds
        elif _comm(pid) == "postgres":
            postgres += seconds
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    jiffies = [int(x) for x in cpu]
    idle = jiffies[3] + jiffies[4]  # idle, iowait
    return {
        "server": server,
        "postgres": postgres,
        "machine_busy": (sum(jiffies[:8]) - idle) / _TICK,
        "machine_all": sum(jiffies[:8]) / _TICK,
    }


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {key: after[key] - before[key] for key in before}


# --- the server --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - loopback URL
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _post(url: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    log: Path
    command: list[str]
    environment: dict[str, str]


@contextmanager
def server(credentials: int, settings: ServerSettings, log: Path) -> Iterator[Server]:
    """gunicorn as ``ecert serve --no-task-worker`` starts it, stopped (SIGTERM) on the way out."""
    port = _free_port()
    command = [sys.executable, "-m", "ecert.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(settings.workers), "--no-task-worker"]
    extra = {
        **verify_api_setup.server_environment(credentials),
        "GUNICORN_CMD_ARGS": f"--worker-class {settings.worker_class} --threads {settings.threads}",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **extra}
        )
    running = Server(process, f"http://127.0.0.1:{port}", log, command, extra)
    try:
        _wait_ready(running)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _log_tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").strip().splitlines()[-lines:])


def _wait_ready(running: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running.process.poll() is not None:
            raise RuntimeError(f"the server exited: {_log_tail(running.log)}")
        try:
            status, _ = _get(running.base + BASELINE_PATH, timeout=2)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise RuntimeError(f"{BASELINE_PATH} answered {status}: {_log_tail(running.log)}")
    raise RuntimeError(f"the server did not answer within {timeout:g} s: {_log_tail(running.log)}")


def _check_answers(running: Server, token: str, texts: list[str]) -> None:
    """Before any clock: verifications answer 200 "valid", the baseline 200."""
    for text in texts[:CHECKED]:
        status, body = _post(running.base + VERIFY_PATH, {"qr": text}, token)
        if status != 200 or body.get("verdict") != "valid":
            raise RuntimeError(f"{VERIFY_PATH} answered {status} {str(body)[:300]}")
    status, data = _get(running.base + BASELINE_PATH)
    if status != 200 or not data:
        raise RuntimeError(f"{BASELINE_PATH} answered {status}")
    for text in texts[:CHECKED]:
        status, data = _get(running.base + LANDING_PATH + text.split(LANDING_PATH, 1)[1])
        if status != 200 or "真实有效".encode() not in data:
            raise RuntimeError(f"{LANDING_PATH}… answered {status} {data[:300]!r}")


def access_log_counts(path: Path) -> dict[str, int]:
    """Responses in the server's access log by "path status" (e.g. "/api/v1/verify 200")."""
    counts: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        found = _ACCESS.search(line)
        if found:
            counts[f"{found.group(2)} {found.group(3)}"] += 1
    return dict(counts)


def _log_rows_settled(credentials: int, expected: int) -> int:
    """The log's rows once the spooled ones are in: the count when it reaches ``expected`` or
    stops rising for 3 s (at most DRAIN_WAIT)."""
    deadline, last, still = time.monotonic() + DRAIN_WAIT, -1, 0
    while True:
        rows = _log_rows(credentials)
        if rows >= expected or time.monotonic() > deadline:
            return rows
        still = still + 1 if rows == last else 0
        if still >= 6:
            return rows
        last = rows
        time.sleep(0.5)


def _log_rows(credentials: int) -> int:
    url = databases.postgres_url(verify_api_setup.database_name(credentials))
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute(f"SELECT count(*) FROM {LOG_TABLE}").fetchone()
    assert row is not None
    return int(row[0])


# --- one run -----------------------------------------------------------------------------------


def measure(
    credentials: int, settings: ServerSettings, load: LoadSettings, rebuild: bool = False
) -> dict[str, Any]:
    """Set up (or reuse) the database, serve it, check answers, warm up, time both endpoints."""
    directory = verify_api_setup.DATA_ROOT
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ecert-bench-verify-") as tmp:
        prepared = verify_api_setup.run_child(
            credentials, SAMPLE, rebuild, Path(tmp) / "setup.json"
        )
    if "failed" in prepared or "skipped" in prepared:
        return prepared
    token, texts = prepared.pop("token"), prepared.pop("qr_texts")
    verify_lua = verify_script(directory / "verify.lua", token, texts)
    landing_lua = landing_script(directory / "landing.lua", texts)
    baseline_lua = baseline_script(directory / "baseline.lua")
    log = directory / "server.log"
    with server(credentials, settings, log) as running:
        initial = _log_rows(credentials)
        _check_answers(running, token, texts)
        # The checks' own log rows (API and landing page) reach the table through the spool.
        rows_before = _log_rows_settled(credentials, initial + 2 * CHECKED)
        verify_url, baseline_url = running.base + VERIFY_PATH, running.base + BASELINE_PATH
        landing_url = running.base + LANDING_PATH  # the script picks the payload
        warm = [
            wrk(verify_url, verify_lua, load, load.warm_up),
            wrk(landing_url, landing_lua, load, load.warm_up),
            wrk(baseline_url, baseline_lua, load, load.warm_up),
        ]
        before = cpu_snapshot(running.process.pid)
        verify_run = wrk(verify_url, verify_lua, load, load.duration)
        middle = cpu_snapshot(running.process.pid)
        landing_run = wrk(landing_url, landing_lua, load, load.duration)
        later = cpu_snapshot(running.process.pid)
        baseline_run = wrk(baseline_url, baseline_lua, load, load.duration)
        after = cpu_snapshot(running.process.pid)
        expected = sum(run.status["2xx"] for run in (warm[0], warm[1], verify_run, landing_run))
        rows_added = _log_rows_settled(credentials, rows_before + expected) - rows_before
    served = access_log_counts(log)
    return {
        **prepared,
        "credentials": credentials,
        "server": {
            "command": " ".join(running.command),
            "environment": {k: v for k, v in running.environment.items() if k != "DATABASE_URL"},
            "database_url": running.environment["DATABASE_URL"],
            "workers": settings.workers,
            "worker_class": settings.worker_class,
            "threads": settings.threads,
        },
        "load": {
            "connections": load.connections,
            "duration": load.duration,
            "wrk_threads": load.threads,
            "warm_up": load.warm_up,
            "sample": len(texts),
        },
        "warm_up": [run.as_dict() for run in warm],
        "verify": verify_run.as_dict(),
        "landing": landing_run.as_dict(),
        "baseline": baseline_run.as_dict(),
        "cpu_verify": cpu_delta(before, middle),
        "cpu_landing": cpu_delta(middle, later),
        "cpu_baseline": cpu_delta(later, after),
        "log_rows_added": rows_added,
        "log_rows_expected": expected,
        "access_log": served,
        "load_average_start": os.getloadavg()[0],
    }


# --- figures -----------------------------------------------------------------------------------


def _run_of(data: dict[str, Any], key: str) -> WrkRun:
    return WrkRun(**{k: v for k, v in data[key].items() if k != "per_second"})


def _cpu_note(data: dict[str, Any], key: str, run: WrkRun, label: str) -> str:
    cpu = data[key]
    per = 1000 / run.requests if run.requests else 0.0
    busy = cpu["machine_busy"] / cpu["machine_all"] if cpu["machine_all"] else 0.0
    return (
        f"{NAME} {label}: CPU per request — gunicorn {cpu['server'] * per:.2f} ms, PostgreSQL "
        f"{cpu['postgres'] * per:.2f} ms, wrk {run.wrk_cpu_seconds * per:.2f} ms; machine busy "
        f"{busy:.0%} of its {machine()['cores']} cores over {run.seconds:.1f} s"
    )


def _endpoint_figures(run: WrkRun, base: WrkRun, label: str, connections: int) -> list[Figure]:
    """Rate (DESIGN.md §7's budget), ratio to the trivial endpoint (issue 18's) and p99."""
    return [
        Figure(
            benchmark=NAME,
            name=label,
            database="PostgreSQL",
            value=run.per_second,
            unit="requests/s",
            detail=f"p50 {run.ms('p50'):.1f} ms, p99 {run.ms('p99'):.1f} ms; "
            f"{run.requests:,} in {run.seconds:.1f} s, {connections} connections",
            budget=Budget(BUDGET_RPS, higher_is_better=True),
            baseline=Baseline(f"GET {BASELINE_PATH}, same server", base.per_second),
        ),
        Figure(
            benchmark=NAME,
            name="· its rate as a share of the trivial endpoint's, same run",
            database="PostgreSQL",
            value=100 * run.per_second / base.per_second if base.per_second else 0.0,
            unit="%",
            detail=f"{run.per_second:,.0f} / {base.per_second:,.0f} requests/s",
            budget=Budget(100 * RATIO_BUDGET, higher_is_better=True, note="issue 18"),
        ),
        Figure(
            benchmark=NAME,
            name="· p99 latency of the same run",
            database="PostgreSQL",
            value=run.ms("p99"),
            unit="ms",
            detail=f"p50 {run.ms('p50'):.1f}, p90 {run.ms('p90'):.1f}, "
            f"p99.9 {run.ms('p999'):.1f}, max {run.ms('max'):.1f} ms",
            budget=Budget(BUDGET_P99_MS, higher_is_better=False),
            baseline=Baseline(f"GET {BASELINE_PATH} p99", base.ms("p99")),
        ),
    ]


def figures_from(data: dict[str, Any]) -> list[Figure]:
    verify, base = _run_of(data, "verify"), _run_of(data, "baseline")
    landing = _run_of(data, "landing") if "landing" in data else None
    credentials = data["credentials"]
    count = f"{credentials // 1_000_000}M" if credentials % 1_000_000 == 0 else f"{credentials:,}"
    connections = data["load"]["connections"]
    runs = [verify, base] + ([landing] if landing else [])
    bad = sum(run.not_2xx + run.socket_errors for run in runs)
    served = data["access_log"]
    server_5xx = sum(n for key, n in served.items() if key.split()[-1].startswith("5"))
    setup = data["setup"]
    if data["reused"]:
        setup_detail = f"reused; built {setup['built_at']}"
    else:
        setup_detail = (
            f"built now: CSV {setup['write_csv_seconds']:.0f} s, migrate+keys "
            f"{setup['migrate_keys_seconds']:.0f} s, import {setup['import_seconds']:.0f} s, "
            f"VACUUM ANALYZE {setup['vacuum_analyze_seconds']:.0f} s"
        )
    landing_detail = (
        f"; landing 4xx {landing.status['4xx']}, 5xx {landing.status['5xx']}, socket "
        f"{landing.socket_errors}"
        if landing
        else ""
    )
    figures = _endpoint_figures(
        verify, base, f"verify API (POST {VERIFY_PATH}), {count} credentials stored", connections
    )
    if landing is not None:
        figures += _endpoint_figures(
            landing,
            base,
            f"QR landing page (GET {LANDING_PATH}<payload>, no key), {count} credentials stored",
            connections,
        )
    return [
        *figures,
        Figure(
            benchmark=NAME,
            name=f"· baseline GET {BASELINE_PATH}, same server",
            database="PostgreSQL",
            value=base.per_second,
            unit="requests/s",
            detail=f"p50 {base.ms('p50'):.1f} ms, p99 {base.ms('p99'):.1f} ms; "
            f"{base.requests:,} in {base.seconds:.1f} s, {connections} connections",
        ),
        Figure(
            benchmark=NAME,
            name="· non-2xx responses and socket errors (all runs)",
            database="PostgreSQL",
            value=bad,
            unit="responses",
            detail=f"verify 4xx {verify.status['4xx']}, 5xx {verify.status['5xx']}, socket "
            f"{verify.socket_errors}{landing_detail}; baseline non-2xx {base.not_2xx}, socket "
            f"{base.socket_errors}; access log 5xx {server_5xx}",
            budget=Budget(0, higher_is_better=False),
        ),
        Figure(
            benchmark=NAME,
            name=f"set-up of {count} signed credentials (one-time)",
            database="PostgreSQL",
            value=setup["setup_seconds"],
            unit="s",
            detail=setup_detail,
        ),
    ]


def notes_from(data: dict[str, Any], settings: ServerSettings) -> list[str]:
    verify, base = _run_of(data, "verify"), _run_of(data, "baseline")
    notes = [
        f"{NAME}: server {settings.describe()} ({data['server']['command']}); "
        f"{data['server']['database_url']}; PostgreSQL {data['server_version']}; wrk "
        f"{data['load']['wrk_threads']} thread(s), {data['load']['connections']} connections, "
        f"{data['load']['duration']} s per endpoint after {data['load']['warm_up']} s warm-up each; "
        f"{data['load']['sample']:,} QR texts drawn from the stored credentials",
        _cpu_note(data, "cpu_verify", verify, "verify"),
        *(
            [_cpu_note(data, "cpu_landing", _run_of(data, "landing"), "landing")]
            if "landing" in data
            else []
        ),
        _cpu_note(data, "cpu_baseline", base, "baseline"),
    ]
    added, expected = data["log_rows_added"], data["log_rows_expected"]
    # wrk stops with up to one request per connection in flight, answered (and logged) unseen.
    slack = 4 * data["load"]["connections"]  # four timed or warm-up runs that verify
    if not expected <= added <= expected + slack:
        notes.append(
            f"{NAME}: WARNING verification log rows added {added:,}, expected {expected:,} "
            f"(+ up to {slack} in flight when wrk stopped): one per verification answered"
        )
    else:
        notes.append(
            f"{NAME}: verification log rows added {added:,} for {expected:,} verifications wrk "
            f"saw answered (+{added - expected} in flight when wrk stopped): one row each"
        )
    return notes


def run(rows: int, selected: list[str], **options: Any) -> Report:
    """Parent side of ``verify-api``; ``rows`` does not apply (always 1,000,000 credentials)."""
    del rows
    report = Report(notes=[load_note(NAME)])
    if "postgresql" not in selected:
        report.skipped.append(f"{NAME}: the budget is for PostgreSQL")
        return report
    settings = options.get("settings", ServerSettings())
    load = options.get("load", LoadSettings())
    credentials = options.get("credentials", verify_api_setup.MILLION)
    print(f"  {NAME}: {credentials:,} credentials, {settings.describe()} …", flush=True)
    try:
        data = measure(credentials, settings, load, rebuild=options.get("rebuild", False))
    except (RuntimeError, OSError, subprocess.SubprocessError, psycopg.Error) as error:
        report.failed.append(f"{NAME}: {error}")
        return report
    if "skipped" in data:
        report.skipped.append(f"{NAME}: {data['skipped']}")
        return report
    if "failed" in data:
        report.failed.append(f"{NAME}: {data['failed']}")
        return report
    report.measurements.append({"benchmark": NAME, **data})
    report.figures.extend(figures_from(data))
    report.notes.extend(notes_from(data, settings))
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.verify_api", description=__doc__)
    defaults, load_defaults = ServerSettings(), LoadSettings()
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument(
        "--worker-class", choices=("sync", "gthread"), default=defaults.worker_class
    )
    parser.add_argument("--threads", type=int, default=defaults.threads, help="gthread only")
    parser.add_argument("--connections", type=int, default=load_defaults.connections)
    parser.add_argument("--duration", type=int, default=load_defaults.duration, help="seconds")
    parser.add_argument("--warm-up", type=int, default=load_defaults.warm_up, help="seconds")
    parser.add_argument("--credentials", type=int, default=verify_api_setup.MILLION)
    parser.add_argument("--rebuild", action="store_true", help="drop and build the database")
    args = parser.parse_args(argv)
    report = run(
        0,
        ["postgresql"],
        settings=ServerSettings(args.workers, args.worker_class, args.threads),
        load=LoadSettings(args.connections, args.duration, warm_up=args.warm_up),
        credentials=args.credentials,
        rebuild=args.rebuild,
    )
    print_report(report)
    path = verify_api_setup.DATA_ROOT / "last.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": " ".join(["python", "-m", "bench.verify_api", *argv]),
        "machine": machine(),
        "figures": [{**asdict(f), "ratio": f.ratio, "verdict": f.verdict} for f in report.figures],
        "measurements": report.measurements,
        "notes": report.notes,
        "failed": report.failed,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
