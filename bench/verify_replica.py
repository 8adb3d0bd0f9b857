"""The verification API answered from a streaming replica (issue 18 part 2, docs/scaling.md).

``python -m bench.verify_replica [--credentials 20000] [--duration 15]``:

1. A primary and its ``pg_basebackup -R`` replica of the bench's own, on loopback
   (tests/streaming_replica.py), in a temporary directory removed at the end.
2. On the primary, the verify-api benchmark's database at a small size (``bench.verify_api_setup``
   run in a child with ``BENCH_POSTGRES_URL`` at the primary and its data directory under
   ``bench/out/verify-replica/``): N passers imported and signed through the real import, an
   approved organisation, a fresh API key, a sample of stored QR texts. The replica catches up.
3. ``ecert serve --no-task-worker`` (gunicorn, 2 sync workers) with ``DATABASE_URL`` at the primary
   and ``DATABASE_REPLICA_URL`` at the replica. Timed with wrk (1 thread, 8 connections), each after
   a warm-up: POST /api/v1/verify with the key (the verify-api script), GET
   /api/v1/root-certificate (the trivial endpoint: same server, one small read, now from the
   replica), then POST /api/v1/verify again with the primary STOPPED (the log lines spooled).
4. The primary is started again and the spool drained (what ``ecert worker`` does); the log must
   then hold one row per verification answered. The transactions each server counted
   (``pg_stat_database.xact_commit``; Django's connection health check counts one per request on
   each server it uses) show where the reads went.

It writes ``bench/out/verify-replica/result.json`` and prints a table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from tests.streaming_replica import PostgresPair, free_port, pair_create

from bench import verify_api, verify_api_setup
from bench.harness import OUT_DIR

DIRECTORY = OUT_DIR / "verify-replica"
LOG_TABLE = "verification_verificationevent"


def _child_main(argv: list[str]) -> None:
    """The set-up child: verify-api's set-up, with its data directories under DIRECTORY."""
    verify_api_setup.DATA_ROOT = DIRECTORY
    verify_api_setup.main(argv)


def _commits(pair: PostgresPair, database: str, *, replica: bool) -> int:
    with pair.connect(database, replica=replica) as conn:
        row = conn.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()
    return int(str(row[0])) if row else 0


def _log_rows(pair: PostgresPair, database: str) -> int:
    with pair.connect(database, replica=False) as conn:
        row = conn.execute(f"SELECT count(*) FROM {LOG_TABLE}").fetchone()
    return int(str(row[0])) if row else 0


def _timed(
    pair: PostgresPair,
    database: str,
    url: str,
    script: Path,
    load: verify_api.LoadSettings,
    *,
    primary_up: bool,
) -> dict[str, Any]:
    warm = verify_api.wrk(url, script, load, load.warm_up)
    before = {
        "replica_commits": _commits(pair, database, replica=True),
        "primary_commits": _commits(pair, database, replica=False) if primary_up else 0,
    }
    run = verify_api.wrk(url, script, load, load.duration)
    after = {
        "replica_commits": _commits(pair, database, replica=True),
        "primary_commits": _commits(pair, database, replica=False) if primary_up else 0,
    }
    deltas = {key: after[key] - before[key] for key in before}
    return run.as_dict() | deltas | {"warm_up_2xx": warm.status["2xx"]}


def measure(credentials: int, load: verify_api.LoadSettings) -> dict[str, Any]:
    DIRECTORY.mkdir(parents=True, exist_ok=True)
    database = verify_api_setup.database_name(credentials)
    started = time.perf_counter()
    pair = pair_create(database)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_"))}
        env["BENCH_POSTGRES_URL"] = pair.url("postgres", replica=False).split("?")[0]
        out = DIRECTORY / "setup.json"
        command = [sys.executable, "-m", "bench.verify_replica", "--child"]
        command += ["--credentials", str(credentials), "--sample", "2000", "--out", str(out)]
        command.append("--rebuild")  # the cluster is new: nothing to reuse
        subprocess.run(command, env=env, check=True)  # noqa: S603 - our own module
        setup = json.loads(out.read_text(encoding="utf-8"))
        if "token" not in setup:
            raise RuntimeError(f"set-up: {setup}")
        setup_seconds = time.perf_counter() - started
        pair.replica_catch_up(database)
        data_dir = DIRECTORY / database
        server_env = env | {
            "DJANGO_SETTINGS_MODULE": "ecert.settings",
            "ECERT_DATA_DIR": str(data_dir),
            "DATABASE_URL": pair.url(database, replica=False),
            "DATABASE_REPLICA_URL": pair.url(database, replica=True),
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serve = [sys.executable, "-m", "ecert.cli", "serve", "--no-task-worker", "--workers", "2"]
        log = (DIRECTORY / "serve.log").open("w")
        server = subprocess.Popen(  # noqa: S603 - our own command
            [*serve, "--bind", f"127.0.0.1:{port}"],
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(base + "/api/v1/root-certificate", timeout=30)  # noqa: S310
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            verify_lua = verify_api.verify_script(
                DIRECTORY / "verify.lua", setup["token"], setup["qr_texts"]
            )
            baseline_lua = verify_api.baseline_script(DIRECTORY / "baseline.lua")
            logged_before = _log_rows(pair, database)
            result: dict[str, Any] = {
                "credentials": credentials,
                "setup_seconds": setup_seconds,
                "load_average_start": os.getloadavg(),
            }
            result["verify"] = _timed(
                pair, database, base + "/api/v1/verify", verify_lua, load, primary_up=True
            )
            result["baseline"] = _timed(
                pair,
                database,
                base + "/api/v1/root-certificate",
                baseline_lua,
                load,
                primary_up=True,
            )
            pair.primary_stop()
            try:
                result["verify_primary_stopped"] = _timed(
                    pair, database, base + "/api/v1/verify", verify_lua, load, primary_up=False
                )
            finally:
                pair.primary_start()
            result["load_average_end"] = os.getloadavg()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            log.close()
        drain = "import django; django.setup(); from ecert.verification.spool import spool_drain; print(spool_drain())"
        drained = subprocess.run(  # noqa: S603 - our own code
            [sys.executable, "-c", drain],
            env=server_env,
            capture_output=True,
            text=True,
            check=True,
        )
        answered = sum(
            result[k]["status"]["2xx"] + result[k]["warm_up_2xx"]
            for k in ("verify", "verify_primary_stopped")
        )
        result["spool_drained"] = int(drained.stdout.strip().splitlines()[-1])
        result["log_rows_added"] = _log_rows(pair, database) - logged_before
        result["verifications_answered"] = answered  # seen by wrk, warm-ups included
        if result["log_rows_added"] < answered:
            raise RuntimeError(
                f"{answered} verifications answered, {result['log_rows_added']} logged"
            )
        return result
    finally:
        pair.close()


def report(result: dict[str, Any]) -> str:
    def line(label: str, run: dict[str, Any]) -> str:
        lat = run["latency_us"]
        return (
            f"| {label} | {run['per_second']:,.0f} requests/s ({run['requests']:,} in "
            f"{run['seconds']:.1f} s) | {lat['p50'] / 1000:.1f} / {lat['p99'] / 1000:.1f} ms | "
            f"{run['status']['2xx']:,} / {run['requests'] - run['status']['2xx']:,} | "
            f"{run['replica_commits']:,} / {run['primary_commits']:,} |"
        )

    rows = [
        "| run | rate | p50 / p99 | 2xx / other | transactions replica / primary |",
        "| --- | --- | --- | --- | --- |",
        line("POST /api/v1/verify, reads from the replica", result["verify"]),
        line("GET /api/v1/root-certificate (trivial endpoint)", result["baseline"]),
        line("POST /api/v1/verify, primary stopped", result["verify_primary_stopped"]),
    ]
    ratio = result["verify"]["per_second"] / result["baseline"]["per_second"]
    rows.append("")
    rows.append(
        f"verify / trivial endpoint: {ratio:.2f}; verifications answered (wrk, warm-ups "
        f"included) {result['verifications_answered']:,}, log rows added "
        f"{result['log_rows_added']:,} "
        f"(spool drained afterwards: {result['spool_drained']:,}); load average "
        f"{result['load_average_start'][0]:.2f} at the start, {result['load_average_end'][0]:.2f} "
        "at the end"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child_main(argv[1:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.verify_replica", description=__doc__)
    parser.add_argument("--credentials", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    load = verify_api.LoadSettings(connections=args.connections, duration=args.duration)
    result = measure(args.credentials, load)
    (DIRECTORY / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(report(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
