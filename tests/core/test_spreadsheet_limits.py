"""Zip bombs and oversized files meet a located, bilingual refusal in bounded memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecert.core.errors import EcertError
from ecert.core.spreadsheets.limits import ReadLimits
from ecert.core.spreadsheets.reader import read_rows
from tests.passlist_files import make_passers, write_xlsx
from tests.spreadsheet_bombs import bomb

STREAM = {"stream_above": 0}
READERS = pytest.mark.parametrize("reader", [{}, STREAM], ids=["calamine", "streaming"])
ISSUE_BOMB_BLOCKS = 4096  # the issue's case: about 10 MB whose shared strings unpack to 4 GiB


def refusal(path: Path, **options: Any) -> EcertError:
    with pytest.raises(EcertError) as caught:
        list(read_rows(path, **options))
    return caught.value


def test_a_small_bomb_below_its_limits_reads_as_a_workbook(tmp_path: Path) -> None:
    """The hand-made package is a real workbook: what the bombs below are refused for is size."""
    assert list(read_rows(bomb(tmp_path / "ok.xlsx", 2))) == [(1, ["ab"])]


@READERS
def test_the_issues_bomb_is_refused_naming_the_file_the_part_and_the_limit(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    path = bomb(tmp_path / "名单.xlsx", ISSUE_BOMB_BLOCKS)
    assert path.stat().st_size < 12 * 2**20

    error = refusal(path, **reader)

    assert error.code == "too_large"
    assert error.file == "名单.xlsx"
    zh, en = error.texts()
    assert zh.startswith("文件 名单.xlsx：工作簿解压后的内容超过文件大小的 100 倍")
    assert "xl/sharedStrings.xml" in zh
    assert "100 times the file's size" in en
    assert "xl/sharedStrings.xml" in en


@READERS
def test_a_shared_strings_table_too_heavy_to_hold_is_refused_while_it_is_inflated(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    """Within the file's allowance (16 MiB at least) but of too many items to hold in memory."""
    path = bomb(tmp_path / "名单.xlsx", 8)
    error = refusal(path, limits=ReadLimits(shared_strings=4 * 2**20), **reader)
    assert error.code == "too_large"
    assert "共享字符串表（部件 xl/sharedStrings.xml）超过上限 4 MiB" in error.zh
    assert "shared-strings table (part xl/sharedStrings.xml)" in error.en


@READERS
def test_a_workbook_past_the_configured_ceiling_is_refused(
    tmp_path: Path, reader: dict[str, int]
) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(300))
    assert len(list(read_rows(path, stream_above=reader.get("stream_above", 2**27)))) == 301
    error = refusal(path, limits=ReadLimits(ceiling=2**16), **reader)
    assert error.code == "too_large"
    assert "超过上限 64 KiB" in error.zh
    assert "the ceiling of 64 KiB" in error.en


def test_a_csv_larger_than_the_ceiling_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text("KSXM\r\n" + "张三\r\n" * 1000, "utf-8")
    error = refusal(path, limits=ReadLimits(ceiling=2**10))
    assert (error.code, error.file) == ("too_large", "名单.csv")
    assert "1 KiB" in error.zh


def test_a_part_whose_header_understates_its_size_is_not_read_past_it(tmp_path: Path) -> None:
    path = bomb(tmp_path / "名单.xlsx", 64, declared=2**20)
    assert refusal(path).code in ("corrupt", "too_large")


# The real defaults, in a process of its own: its peak memory is the measure.
MEASURE = """
import json, resource, sys
from pathlib import Path
from ecert.core.errors import EcertError
from ecert.core.spreadsheets.reader import read_rows
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    list(read_rows(Path(sys.argv[1]), stream_above=int(sys.argv[2])))
    code = "read"
except EcertError as error:
    code = error.code
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"code": code, "before_kib": before, "peak_kib": after}))
"""

BOMBS = {
    "honest header": {},
    "header understating 4 GiB as 900 MiB": {"declared": 900 * 2**20},
}


@pytest.mark.parametrize("stream_above", [128 * 2**20, 0], ids=["calamine", "streaming"])
@pytest.mark.parametrize("lie", BOMBS.values(), ids=BOMBS)
def test_the_issues_bomb_is_refused_at_the_default_limits_in_bounded_memory(
    tmp_path: Path, stream_above: int, lie: dict[str, int]
) -> None:
    """Before the limits, this file grew the importer to 7 GB and the process aborted."""
    path = bomb(tmp_path / "名单.xlsx", ISSUE_BOMB_BLOCKS, **lie)
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", MEASURE, str(path), str(stream_above)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout)
    assert measured["code"] == "too_large"
    assert measured["peak_kib"] - measured["before_kib"] < 200 * 1024
