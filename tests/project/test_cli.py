"""The `ecert` command on the embedded default, run as a real process in a fresh data directory."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ecert_command import run_ecert


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    data_dir = tmp_path_factory.mktemp("ecert-data")
    first = run_ecert(data_dir, "init", "--quiet")
    second = run_ecert(data_dir, "init", "--quiet")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    return data_dir, first.stdout, second.stdout


def test_init_builds_a_database_with_authorities_catalogue_and_superuser(
    initialised: tuple[Path, str, str],
) -> None:
    data_dir, first, _ = initialised
    assert "64 new" in first
    assert "superuser created: admin" in first
    assert "admin-password-for-tests" not in first  # a password from the environment is not echoed
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    assert db.execute("select count(*) from authorities_authority").fetchone() == (64,)
    assert db.execute("select count(*) from catalogue_cataloguelist").fetchone() == (6,)
    assert db.execute(
        "select is_superuser from accounts_user where username='admin'"
    ).fetchone() == (1,)


def test_init_twice_changes_nothing(initialised: tuple[Path, str, str]) -> None:
    _, _, second = initialised
    assert "0 new, 0 updated, 64 unchanged" in second
    assert "no change" in second
    assert "already exists" in second


def test_audit_verify_reports_an_intact_chain_after_init(
    initialised: tuple[Path, str, str],
) -> None:
    data_dir, _, _ = initialised
    result = run_ecert(data_dir, "audit-verify")
    assert result.returncode == 0
    assert "audit chain intact" in result.stdout


def test_load_catalogue_with_a_broken_file_says_where_and_changes_nothing(
    initialised: tuple[Path, str, str], tmp_path: Path
) -> None:
    data_dir, _, _ = initialised
    (tmp_path / "bad.toml").write_text(
        '[[qualification]]\nkey = "x"\ncode = 999\nnmae = "typo"\n', encoding="utf-8"
    )
    result = run_ecert(data_dir, "load-catalogue", str(tmp_path))
    assert result.returncode == 1
    assert "bad.toml（[[qualification]] #1" in result.stdout
    assert "missing required field 'name'" in result.stdout
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    assert db.execute("select count(*) from catalogue_qualification where key='x'").fetchone() == (
        0,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_and_keeps_searched_id_numbers_out_of_its_access_log(
    initialised: tuple[Path, str, str],
) -> None:
    data_dir, _, _ = initialised
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))}
    env |= {"ECERT_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "ecert.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    searched = "370102198805170011"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/backoffice/login/", timeout=5
                ) as page:
                    assert "登录" in page.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "ecert serve did not answer within 60 s"
                time.sleep(0.3)
        url = f"http://127.0.0.1:{port}/backoffice/credentials/?q={searched}"
        with urllib.request.urlopen(url, timeout=5):
            pass
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "GET /backoffice/credentials/ HTTP/1.1" in output
    assert searched not in output
