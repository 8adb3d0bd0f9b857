"""The pass list the issue benchmarks import, made once per (rows, seed) and kept in a cache.

N distinct passers of one 一级建造师 sitting, registered in the 16 Shandong cities (names from the
packaged authorities) across the exam's ten specialties (from the packaged catalogue), written as
an exam centre sends the list: an .xlsx with the pinyin header (ZSGLH, KSXM, ZJHM …), every column
filled, text cells formatted "@", the approval date (PZRQ) a date-formatted cell. Rows and
workbook come from the test suite's generator (``tests.passlist_files``: ``make_passers``, valid
GB 11643 numbers that belong to nobody, one name in seven with a rare character such as 堃 or the
astral 𠮷; ``write_xlsx``, XlsxWriter in constant_memory mode above 10,000 rows), so the benchmark
imports the same kind of file the tests do.

The file goes to ``bench/out/cache`` (git-ignored) with a JSON sidecar; a later run reuses it when
the row count, the seed and the generator's source are the same. It is made in a process of its
own (``python -m bench.passlist_file``), so its memory never counts in a measured child's RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import OUT_DIR

CACHE_DIR = OUT_DIR / "cache"
SEED = 2026  # management numbers are f"{seed:04d}{row:012d}": 16 digits
EXAM = "constructor"
PROVINCE = "sd-hrss"
GENERATOR = Path(__file__).resolve().parent.parent / "tests" / "passlist_files.py"


@dataclass(frozen=True)
class PassListFile:
    path: Path
    rows: int
    seed: int
    bytes: int
    sheet_bytes: int  # the first worksheet's XML, unpacked: what decides the streaming reader
    generate_seconds: float
    reused: bool


def _generator_digest() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:16]


def _paths(rows: int) -> tuple[Path, Path]:
    path = CACHE_DIR / f"passlist-constructor-sd-{rows}-seed{SEED}.xlsx"
    return path, path.with_suffix(".json")


def _cached(rows: int) -> dict[str, Any] | None:
    path, sidecar = _paths(rows)
    try:
        meta: dict[str, Any] = json.loads(sidecar.read_text(encoding="utf-8"))
        size = path.stat().st_size
    except (OSError, ValueError):
        return None
    wanted = {"rows": rows, "seed": SEED, "generator": _generator_digest(), "bytes": size}
    return meta if all(meta.get(key) == value for key, value in wanted.items()) else None


def passlist_file(rows: int) -> PassListFile:
    """The cached file of ``rows`` passers, generated first (in a child process) if needed."""
    path, _ = _paths(rows)
    meta, reused = _cached(rows), True
    if meta is None:
        reused = False
        command = [sys.executable, "-m", "bench.passlist_file", "--rows", str(rows)]
        completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            command, capture_output=True, text=True, check=False
        )
        meta = _cached(rows)
        if completed.returncode != 0 or meta is None:
            tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
            raise RuntimeError(f"exit {completed.returncode}\n{tail}")
    return PassListFile(
        path=path,
        rows=rows,
        seed=SEED,
        bytes=meta["bytes"],
        sheet_bytes=meta["sheet_bytes"],
        generate_seconds=meta["generate_seconds"],
        reused=reused,
    )


def shandong_cities() -> list[str]:
    """济南市 … 菏泽市: the cities whose HR bureaus sit under Shandong's department."""
    from ecert.core.rules.authorities import default_authorities_path, load_authorities
    from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel

    suffix = "人力资源和社会保障局"
    return [
        record.name.removesuffix(suffix)
        for record in load_authorities(default_authorities_path())
        if record.parent == PROVINCE
        and record.level == AuthorityLevel.CITY
        and record.kind == AuthorityKind.HR_BUREAU
    ]


def specialties() -> tuple[str, ...]:
    from ecert.core.rules.catalogue import default_catalogue_dir, load_catalogue

    return load_catalogue(default_catalogue_dir()).qualifications[EXAM].specialties


def generate(rows: int) -> None:
    """Write the file and its sidecar (run in a process of its own)."""
    from tests.passlist_files import make_passers, write_xlsx

    path, sidecar = _paths(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)
    partial = path.with_suffix(".partial.xlsx")
    start = time.perf_counter()
    passers = make_passers(rows, seed=SEED, specialties=specialties(), cities=shandong_cities())
    write_xlsx(partial, passers, constant_memory=True)
    seconds = time.perf_counter() - start
    partial.replace(path)
    with zipfile.ZipFile(path) as archive:
        sheet_bytes = max(
            info.file_size
            for info in archive.infolist()
            if info.filename.startswith("xl/worksheets/")
        )
    meta = {
        "rows": rows,
        "seed": SEED,
        "generator": _generator_digest(),
        "bytes": path.stat().st_size,
        "sheet_bytes": sheet_bytes,
        "generate_seconds": seconds,
    }
    sidecar.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.passlist_file", description=__doc__)
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args(argv)
    generate(args.rows)


if __name__ == "__main__":
    main()
