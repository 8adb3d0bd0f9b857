"""Figures, budgets and baselines: how every benchmark reports, on screen and in JSON.

A figure is one measured number. It is printed on one line beside its budget (from DESIGN.md §7
or our own allocation of it) and a baseline measured in the same run, with a PASS/OVER verdict.
Benchmarks inform; nothing here changes the exit status.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

OUT_DIR = Path(__file__).resolve().parent / "out"


@dataclass(frozen=True)
class Budget:
    """A limit on a figure: at least `limit` when higher is better, at most `limit` otherwise."""

    limit: float
    higher_is_better: bool
    note: str = ""  # shown in brackets, e.g. "≤ 3 s"

    def met_by(self, value: float) -> bool:
        return value >= self.limit if self.higher_is_better else value <= self.limit

    def describe(self, unit: str) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        limit = math.ceil(self.limit) if self.higher_is_better else math.floor(self.limit)
        text = f"{sign} {number(limit)} {unit}"
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class Baseline:
    """The same work done the plainest way, in the same run and unit as the figure."""

    label: str
    value: float


@dataclass(frozen=True)
class Figure:
    benchmark: str
    name: str
    database: str
    value: float
    unit: str
    detail: str = ""  # e.g. the elapsed time behind a rate
    budget: Budget | None = None
    baseline: Baseline | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline.value == 0:
            return None
        return self.value / self.baseline.value

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return "INFO"
        return "PASS" if self.budget.met_by(self.value) else "OVER"


@dataclass
class Report:
    """Everything one `python -m bench` run found: figures, notes, skips and failures."""

    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    measurements: list[dict[str, Any]] = field(default_factory=list)  # raw, for the JSON only

    def extend(self, other: Report) -> None:
        self.figures.extend(other.figures)
        self.measurements.extend(other.measurements)
        self.notes.extend(other.notes)
        self.skipped.extend(other.skipped)
        self.failed.extend(other.failed)


def number(value: float) -> str:
    """Thousands separators; one decimal below 100, none above."""
    return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"


def _columns(figure: Figure) -> list[str]:
    value = f"{number(figure.value)} {figure.unit}"
    if figure.detail:
        value += f" ({figure.detail})"
    budget = f"budget {figure.budget.describe(figure.unit)}" if figure.budget else "no budget"
    baseline = (
        f"baseline {figure.baseline.label} {number(figure.baseline.value)} {figure.unit}"
        if figure.baseline
        else "no baseline"
    )
    ratio = f"ratio {figure.ratio:.2f}" if figure.ratio is not None else ""
    return [figure.name, figure.database, value, budget, baseline, ratio, figure.verdict]


def format_figures(figures: list[Figure]) -> list[str]:
    """One aligned line per figure."""
    rows = [_columns(figure) for figure in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))] if rows else []
    return [
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cores": len(os.sched_getaffinity(0)),  # what `nproc` prints
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def write_json(report: Report, argv: list[str], path: Path | None = None) -> Path:
    """Write the run to bench/out/latest.json (git-ignored) and return the path."""
    path = path or OUT_DIR / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "-m", "bench", *argv]),
        "machine": machine(),
        "figures": [{**asdict(f), "ratio": f.ratio, "verdict": f.verdict} for f in report.figures],
        "measurements": report.measurements,
        "notes": report.notes,
        "skipped": report.skipped,
        "failed": report.failed,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def print_report(report: Report, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for line in format_figures(report.figures):
        print(line, file=out)
    for note in report.notes:
        print(f"  note: {note}", file=out)
    for skip in report.skipped:
        print(f"  SKIPPED: {skip}", file=out)
    for failure in report.failed:
        print(f"  FAILED: {failure}", file=out)


def run_child(module: str, database: str, out: Path, *args: str) -> dict[str, Any]:
    """Run ``python -m <module> --database <database> <args> --out <out>`` to its end and read
    the JSON it wrote; ``failed`` with the end of its stderr when it exits non-zero."""
    command = [sys.executable, "-m", module, "--database", database, *args, "--out", str(out)]
    completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        command, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        return {"database": database, "failed": f"exit {completed.returncode}\n{tail}"}
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def run_children(
    name: str,
    module: str,
    selected: list[str],
    figures_from: Callable[[dict[str, Any]], list[Figure]],
    notes: list[str],
) -> Report:
    """The parent side of a benchmark measured in one child process per database
    (``python -m <module>``): its figures, or why a database was skipped or failed."""
    from bench import databases

    report = Report(notes=notes)
    with tempfile.TemporaryDirectory(prefix="ecert-bench-") as tmp:
        for database in selected:
            data = run_child(module, database, Path(tmp) / f"{database}.json")
            label = databases.LABELS[database]
            if "skipped" in data:
                report.skipped.append(f"{name} on {label}: {data['skipped']}")
            elif "failed" in data:
                report.failed.append(f"{name} on {label}: {data['failed']}")
            else:
                report.figures.extend(figures_from(data))
                report.measurements.append({"benchmark": name, **data})
    return report


def child_main(
    module: str,
    description: str | None,
    measure: Callable[[str, Path], dict[str, Any]],
    argv: list[str] | None = None,
) -> None:
    """The child side: measure one database in a scratch folder and write the JSON the parent
    reads (``skipped`` when the database cannot be reached)."""
    import argparse

    from bench import databases

    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--database", choices=databases.DATABASES, required=True)
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix=f"ecert-bench-{args.database}-") as work_dir:
        try:
            data = measure(args.database, Path(work_dir))
        except databases.DatabaseUnavailable as exc:
            data = {"database": args.database, "skipped": str(exc)}
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
