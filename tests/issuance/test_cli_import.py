"""`ecert import-passlist` as a real process: summary and exit codes, the error workbook, the same
file twice, and a process killed with SIGKILL in the middle of an import."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from tests.ecert_command import ecert_environment, run_ecert
from tests.passlist_files import make_passers, write_csv, write_xlsx
from tests.photos import id_photo


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deployment with its catalogue and signing keys, made once for the module."""
    data_dir = tmp_path_factory.mktemp("deployment")
    for command in (("init", "--quiet"), ("keys", "init")):
        result = run_ecert(data_dir, *command)
        assert result.returncode == 0, result.stdout + result.stderr
    return data_dir


def _counts(data_dir: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    try:
        holders, credentials, batches = (
            db.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in (
                "credentials_holder",
                "credentials_credential",
                "credentials_issuancebatch",
            )
        )
        return holders, credentials, batches
    finally:
        db.close()


def _states(data_dir: Path) -> list[str]:
    db = sqlite3.connect(data_dir / "ecert.sqlite3")
    try:
        return [s for (s,) in db.execute("select state from issuance_passlistimport order by id")]
    finally:
        db.close()


def _import(data_dir: Path, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_ecert(
        data_dir,
        "import-passlist",
        str(path),
        "--exam",
        "constructor",
        "--authority",
        "sd-pta",
        *extra,
    )


def test_a_pass_list_is_issued_once_and_a_second_run_changes_nothing(
    deployment: Path, tmp_path: Path
) -> None:
    path = tmp_path / "202406-034-一级建造师合格名单.xlsx"
    write_xlsx(path, make_passers(40, seed=21))
    before = _counts(deployment)

    first = _import(deployment, path)
    second = _import(deployment, path)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "新签发 / issued: 40" in first.stdout
    assert "Merkle root" in first.stdout
    assert second.returncode == 0
    assert "新签发 / issued: 0" in second.stdout
    assert "此前已签发 / already issued: 40" in second.stdout
    holders, credentials, batches = _counts(deployment)
    assert (holders - before[0], credentials - before[1], batches - before[2]) == (40, 40, 1)


def test_a_bad_file_exits_1_stores_nothing_and_writes_the_error_workbook(
    deployment: Path, tmp_path: Path
) -> None:
    passers = make_passers(10, seed=22)
    passers[7] = dataclasses.replace(passers[7], city="火星市")
    path = tmp_path / "list.xlsx"
    write_xlsx(path, passers, numeric_id_rows={2})
    errors = tmp_path / "errors.xlsx"
    before = _counts(deployment)

    result = _import(deployment, path, "--errors", str(errors))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "有错误的行 / rows with errors: 2" in result.stdout
    assert "nothing was stored" in result.stdout
    assert _counts(deployment) == before
    rows = CalamineWorkbook.from_path(str(errors)).get_sheet_by_index(0).to_python()
    assert [row[0] for row in rows[1:]] == ["4", "9"]
    assert "火星市" in str(rows[2][-2])


def test_a_zip_of_photos_gives_the_holders_their_photos(deployment: Path, tmp_path: Path) -> None:
    passers = make_passers(3, seed=25)
    path = tmp_path / "list.csv"
    write_csv(path, passers)
    photos = tmp_path / "photos.zip"
    with zipfile.ZipFile(photos, "w") as archive:  # ZP is blank: the photo is named ZJHM.jpg
        archive.writestr(f"list/{passers[0].id_number}.jpg", id_photo())

    result = _import(deployment, path, "--photos", str(photos))

    assert result.returncode == 0, result.stdout + result.stderr
    db = sqlite3.connect(deployment / "ecert.sqlite3")
    try:
        with_photo = db.execute(
            "select name from credentials_holder where photo_jpeg is not null"
        ).fetchall()
    finally:
        db.close()
    assert with_photo == [(passers[0].name,)]


def test_options_that_cannot_be_used_exit_2(deployment: Path, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    write_csv(path, make_passers(2, seed=23))

    unknown_exam = run_ecert(deployment, "import-passlist", str(path), "--exam", "alchemy",
                             "--authority", "sd-pta")  # fmt: skip
    missing_file = _import(deployment, tmp_path / "absent.xlsx")

    assert unknown_exam.returncode == 2
    assert "alchemy" in unknown_exam.stderr
    assert missing_file.returncode == 2


def test_a_kill_9_in_the_middle_leaves_nothing_and_the_same_command_completes(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    for command in (("init", "--quiet"), ("keys", "init")):
        assert run_ecert(data_dir, *command).returncode == 0
    path = tmp_path / "list.csv"
    write_csv(path, make_passers(10_000, seed=24, rare_every=50))
    args = ["import-passlist", str(path), "--exam", "constructor", "--authority", "sd-pta"]

    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *args],
        env=ecert_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = ""
    for line in process.stderr:  # progress lines come after each stored and signed chunk
        seen += line
        if "read" in line:
            break
    workers = _children(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)

    assert process.returncode == -signal.SIGKILL, seen
    assert workers, "the import signs in a forked worker"
    assert _gone(workers, within=10), "the signing worker outlived the killed import"
    assert _counts(data_dir) == (0, 0, 0)
    assert _states(data_dir) == ["running"]

    again = run_ecert(data_dir, *args)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "新签发 / issued: 10000" in again.stdout
    assert _counts(data_dir) == (10_000, 10_000, 1)
    assert _states(data_dir) == ["failed", "completed"]  # the killed run is marked interrupted


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux: read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _gone(pids: set[int], *, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.2)
    return False
