"""A PostgreSQL primary and its streaming replica of a test's own, on loopback (docs/scaling.md).

The shared server on 5432 is never touched: ``PostgresPair.start`` makes a new cluster with
``initdb`` (``wal_level=replica``) on a free port, copies it with ``pg_basebackup -R`` (which
writes the standby's connection to the primary) and starts the copy on another free port as a hot
standby. Both live in a temporary directory and are stopped and removed by ``close``. initdb
refuses to run as root, so as root the server programs run as the ``postgres`` OS user.
``python -m bench.verify_replica`` starts its pair the same way.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=4 "
    "-c hot_standby=on -c shared_buffers=64MB"
)


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's server programs, or None when there are none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresPair:
    """A primary and its streaming replica; ``url`` gives a database's URL on either."""

    bin: Path
    root: Path
    primary_port: int = field(default_factory=free_port)
    replica_port: int = 0

    def __post_init__(self) -> None:
        self.replica_port = self.replica_port or free_port()

    # --- running the server programs -------------------------------------------------------------

    def _run(self, program: str, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(  # noqa: S603 - the installed PostgreSQL programs
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{program} failed: {completed.stdout}\n{completed.stderr}")

    def _pg_ctl(self, directory: Path, action: str, port: int) -> None:
        args = ["-D", str(directory), "-w", "-t", "60", "-l", str(directory.with_suffix(".log"))]
        if action == "start":
            args += ["-o", f"-c port={port} -c unix_socket_directories={self.root} "]
            args[-1] += SERVER_OPTIONS
        else:
            args += ["-m", "fast"]
        self._run("pg_ctl", action, *args)

    @property
    def primary_dir(self) -> Path:
        return self.root / "primary"

    @property
    def replica_dir(self) -> Path:
        return self.root / "replica"

    def start(self, database: str) -> None:
        """initdb the primary, create ``database``, start it; base backup and start the replica."""
        self._run(
            "initdb", "--no-sync", "-A", "trust", "-U", "postgres", "-D", str(self.primary_dir)
        )
        self.primary_start()
        with self.connect("postgres", replica=False) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        self._run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres"),
            *("-D", str(self.replica_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        self._pg_ctl(self.replica_dir, "start", self.replica_port)

    def primary_start(self) -> None:
        self._pg_ctl(self.primary_dir, "start", self.primary_port)

    def primary_stop(self) -> None:
        self._pg_ctl(self.primary_dir, "stop", self.primary_port)

    def replica_start(self) -> None:
        self._pg_ctl(self.replica_dir, "start", self.replica_port)

    def replica_stop(self) -> None:
        self._pg_ctl(self.replica_dir, "stop", self.replica_port)

    def close(self) -> None:
        for directory, port in ((self.replica_dir, self.replica_port), (self.primary_dir, 0)):
            if (directory / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._pg_ctl(directory, "stop", port)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- talking to them -------------------------------------------------------------------------

    def url(self, database: str, *, replica: bool) -> str:
        port = self.replica_port if replica else self.primary_port
        return f"postgres://postgres@127.0.0.1:{port}/{database}?connect_timeout=3"

    def connect(self, database: str, *, replica: bool) -> psycopg.Connection[tuple[object, ...]]:
        port = self.replica_port if replica else self.primary_port
        return psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
        )

    def replica_catch_up(self, database: str, timeout: float = 60) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        with self.connect(database, replica=False) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + timeout
        with self.connect(database, replica=True) as replica:
            while time.monotonic() < deadline:
                behind = replica.execute(
                    "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", [target]
                ).fetchone()[0]  # type: ignore[index]
                if not behind:
                    return
                time.sleep(0.05)
        raise RuntimeError(f"the replica did not replay up to {target} in {timeout} s")


def pair_create(database: str) -> PostgresPair:
    """A started pair in a new temporary directory (owned by ``postgres`` when run as root)."""
    server = postgres_bin()
    if server is None:
        raise FileNotFoundError("no PostgreSQL server programs (initdb, pg_ctl, pg_basebackup)")
    root = Path(tempfile.mkdtemp(prefix="ecert-replica-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    pair = PostgresPair(server, root)
    try:
        pair.start(database)
    except BaseException:
        pair.close()
        raise
    return pair
