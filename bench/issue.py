"""Import a pass list: N passers of 一级建造师 in Shandong become signed credentials (issue 4).

Two benchmarks share this module:

- ``issue``: the .xlsx of ``--rows`` passers (100,000) imported through the service
  (``passlist_import_create`` + ``passlist_import_run``: read, validate, store, sign, batch root),
  beside the bare signing rate of the same key over the same claims; then the reading alone and
  reading + validation alone, so the reader sees where the time goes.
- ``issue-1m``: a 1,000,000-row .xlsx (read by the streaming reader) imported on SQLite; the
  figure is the child's peak RSS, DESIGN.md §7's memory budget.
- ``records-1m``: the same file loaded as records of paper certificates (``ecert
  import-records``: form paper, the certificate database of issue 14), with the same budget.

The parent makes (or reuses) the file in its own process (``bench.passlist_file``), then starts one
child per database: ``python -m bench.issue --database sqlite --file F --rows N --out JSON``. The
child sets up a fresh database and the keys, times the import, checks what was stored, and writes
its raw measurements as JSON; the parent turns them into figures.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import databases
from bench.harness import Baseline, Budget, Figure, Report, peak_rss_mb, run_child
from bench.passlist_file import PassListFile, passlist_file
from bench.rates import load_note

NAME = "issue"
NAME_1M = "issue-1m"
NAME_RECORDS_1M = "records-1m"
# DESIGN.md §7: "issue 100,000 passers: read Excel, validate, sign, store ≤ 10 s on SQLite".
BUDGET_SECONDS_PER_100K = 10.0
BUDGET_ROWS_PER_SECOND = 100_000 / BUDGET_SECONDS_PER_100K
# DESIGN.md §7: "memory bounded by batch size, not file size: 1,000,000-row import under 500 MB".
MEMORY_ROWS = 1_000_000
MEMORY_BUDGET_MB = 500.0
EXAM = "constructor"  # 建造师; the file's rows are all 一级
IMPORTER = "sd-pta"  # 山东省人事考试中心 sends the list
OPERATOR = "sd-hrss"  # signs status lists, as `ecert keys init` defaults to
UPLOAD_CHUNK = 2**20  # the received file arrives in pieces, as an upload does


# --- the child ---------------------------------------------------------------------------------


def keys_init() -> None:
    """What `ecert keys init` does: an ES256 root, a key per signing authority, a trust list.

    The file key store lives in the data dir (``ECERT_DATA_DIR``/keys, the development password).
    """
    from ecert.core.formats.algorithms import Algorithm
    from ecert.core.formats.trust_list import Purpose
    from ecert.signing.selectors import authority_by_key, signing_plan
    from ecert.signing.services import root_create, signer_key_create, trust_list_publish

    now = datetime.now(UTC)
    root_create(actor=None, algorithm=Algorithm.ES256, now=now)
    plan = signing_plan()
    operator = authority_by_key(OPERATOR)
    assert operator is not None
    plan.setdefault(operator, set())
    for authority, kinds in sorted(plan.items(), key=lambda item: item[0].key):
        purposes = [Purpose.CREDENTIALS, Purpose.BATCH_ROOTS]
        if authority == operator:
            purposes.append(Purpose.STATUS_LISTS)
        signer_key_create(
            actor=None,
            authority=authority,
            algorithm=Algorithm.ES256,
            kinds=kinds,
            purposes=purposes,
            now=now,
        )
    trust_list_publish(actor=None, now=now)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(UPLOAD_CHUNK):
            yield chunk


def current_rss_mb() -> float:
    """Resident set size now (VmRSS), in MB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def watch_readers() -> list[str]:
    """Record which spreadsheet reader runs ("calamine" or "streaming"), by wrapping both.

    The wrappers add one list append per file; they only see which path ``read_rows`` took.
    """
    from ecert.core.spreadsheets import reader as spreadsheets

    used: list[str] = []
    targets = (
        (spreadsheets, "_calamine_rows", "calamine"),
        (getattr(spreadsheets, "_SheetReader", None), "rows", "streaming"),
    )
    for owner, attribute, label in targets:
        original = getattr(owner, attribute, None)
        if original is None:
            continue

        def wrapper(*args: Any, _original: Any = original, _label: str = label) -> Any:
            used.append(_label)
            return _original(*args)

        setattr(owner, attribute, wrapper)
    return used


def measure(
    database: str,
    file: Path,
    rows: int,
    work_dir: Path,
    memory_only: bool,
    profile: int = 0,
    records: bool = False,
) -> dict[str, Any]:
    """Run in the child: set up, time the import, check it, then the baseline and breakdown.

    With ``profile`` > 0 the import runs under cProfile (slower) and the top ``profile`` entries
    by cumulative and by own time are printed.
    """
    databases.django_setup(database, work_dir)
    try:
        return _measure(database, file, rows, memory_only, profile, records)
    finally:
        databases.django_teardown(database)


def _measure(
    database: str, file: Path, rows: int, memory_only: bool, profile: int, records: bool
) -> dict[str, Any]:
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification
    from ecert.core.rules.kinds import CredentialForm
    from ecert.issuance.services import passlist_import_create, passlist_import_run

    keys_init()
    authority = Authority.objects.get(key=IMPORTER)
    qualification = Qualification.objects.get(key=EXAM)
    readers = watch_readers()

    profiler = cProfile.Profile() if profile else None
    rss_before, rss_now_before = peak_rss_mb(), current_rss_mb()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler is not None:
        profiler.enable()
    job = passlist_import_create(
        actor=None,
        authority=authority,
        qualification=qualification,
        file_name=file.name,
        chunks=_chunks(file),
        form=CredentialForm.PAPER if records else CredentialForm.ELECTRONIC,
    )
    job = passlist_import_run(import_id=job.pk)
    if profiler is not None:
        profiler.disable()
    import_seconds = time.perf_counter() - wall
    import_cpu = time.process_time() - cpu
    rss_after = peak_rss_mb()
    # The signing worker the importer forks is this process's only child during the import.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    worker_cpu = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    worker_rss = children.ru_maxrss / 1024 if worker_cpu > 0 else 0.0
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(profile)
        stats.sort_stats("tottime").print_stats(profile)
    stored = _check(job, rows, CredentialForm.PAPER if records else CredentialForm.ELECTRONIC)
    data: dict[str, Any] = {
        "database": database,
        "rows": rows,
        "file": file.name,
        "reader": "+".join(readers) or "unknown",
        "import_seconds": import_seconds,
        "import_cpu_seconds": import_cpu,
        "rss_before_import_mb": rss_before,
        "rss_current_before_import_mb": rss_now_before,
        "rss_peak_mb": rss_after,
        "worker_rss_peak_mb": worker_rss,
        "worker_cpu_seconds": worker_cpu,
        "server_version": databases.postgres_server_version() if database == "postgresql" else "",
        **stored,
    }
    if not memory_only:
        data.update(_sign_baseline())
        data.update(_breakdown(file, qualification, rows))
    return data


def _check(job: Any, rows: int, form: Any) -> dict[str, Any]:
    """The import completed, and ``rows`` credentials of ``form`` are stored, signed and in signed
    batches."""
    from ecert.core.formats import cose
    from ecert.core.formats.algorithms import load_verification_key
    from ecert.credentials.models import Credential, IssuanceBatch
    from ecert.issuance.models import ImportState
    from ecert.signing.models import SignerKey
    from ecert.signing.services import keystore_open

    outcome = (job.state, job.rows_read, job.issued, job.rows_invalid)
    if outcome != (ImportState.COMPLETED, rows, rows, 0):
        raise RuntimeError(
            f"import {job.reference}: state, read, issued, invalid = {outcome}; {job.message}"
        )
    credentials = Credential.objects.filter(form=form).count()
    unsigned = Credential.objects.filter(signed__isnull=True).count()
    batches = list(IssuanceBatch.objects.all())
    in_batches = sum(batch.size for batch in batches)
    unsealed = [
        batch.reference for batch in batches if not batch.merkle_root or not batch.statement
    ]
    if credentials != rows or unsigned or in_batches != rows or unsealed:
        raise RuntimeError(
            f"expected {rows} signed credentials in sealed batches; stored {credentials}, "
            f"unsigned {unsigned}, in batches {in_batches}, batches without a root {unsealed}"
        )
    # Spot check: the first and the last credential verify with their batch's key.
    for credential in (
        Credential.objects.order_by("pk").first(),
        Credential.objects.order_by("pk").last(),
    ):
        assert credential is not None
        assert credential.batch is not None
        assert credential.signed is not None
        key = SignerKey.objects.get(kid_hex=credential.batch.kid_hex)
        public = keystore_open().signer(key.key_label).public_key_der()
        message = cose.decode_sign1(bytes(credential.signed))
        if not cose.verify_sign1(message, load_verification_key(public)):
            raise RuntimeError(f"credential {credential.public_id} does not verify")
    return {
        "credentials_stored": credentials,
        "batches": len(batches),
        "issuing_authorities": sorted({batch.issuing_authority.key for batch in batches}),
    }


def _sign_baseline() -> dict[str, Any]:
    """The bare signing of the same claims with the same key: ``cose.sign1(claims.to_cbor(), …)``.

    The claim sets are the ones the import signed, read back and decoded before the clock starts.
    """
    from ecert.core.formats import cose
    from ecert.core.formats.claims import claims_from_cbor
    from ecert.credentials.models import Credential, IssuanceBatch
    from ecert.signing.models import SignerKey
    from ecert.signing.services import keystore_open

    batch = IssuanceBatch.objects.select_related("issuing_authority").order_by("pk").first()
    assert batch is not None  # _check
    key = SignerKey.objects.get(kid_hex=batch.kid_hex)
    signer, kid = keystore_open().signer(key.key_label), bytes(key.kid)
    claims = [
        claims_from_cbor(cose.decode_sign1(bytes(signed)).payload)
        for signed in Credential.objects.order_by("pk").values_list("signed", flat=True).iterator()
        if signed is not None  # _check: none is
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    for claim_set in claims:
        cose.sign1(claim_set.to_cbor(), signer, kid=kid, tagged=False)
    return {
        "sign_seconds": time.perf_counter() - wall,
        "sign_cpu_seconds": time.process_time() - cpu,
        "sign_count": len(claims),
        "sign_key": f"{batch.issuing_authority.key} {key.kid_hex}",
    }


def _breakdown(file: Path, qualification: Any, rows: int) -> dict[str, Any]:
    """The reading alone, then reading + validation alone, of the same file."""
    from django.utils import timezone

    from ecert.core.spreadsheets.passlist import ExamRules, PassRow, RowValidator, read_layout
    from ecert.core.spreadsheets.reader import read_rows
    from ecert.issuance.importer import EARLIEST_APPROVAL, city_table, province_of

    levels = tuple(qualification.levels.values_list("name", flat=True))
    rules = ExamRules(
        qualification_name=qualification.name,
        levels=levels,
        specialties=tuple(qualification.specialties.values_list("name", flat=True)),
        cities=city_table(province_of(_importer())),
        today=timezone.localdate(),
        earliest_approval=EARLIEST_APPROVAL,
    )

    start = time.perf_counter()
    read = sum(1 for _ in read_rows(file)) - 1  # less the header
    read_seconds = time.perf_counter() - start

    start = time.perf_counter()
    stream = read_rows(file)
    header = next(stream)
    validator = RowValidator(read_layout(header[1], levels_required=bool(levels)), rules)
    valid = sum(isinstance(validator.validate(number, cells), PassRow) for number, cells in stream)
    validate_seconds = time.perf_counter() - start
    if read != rows or valid != rows:
        raise RuntimeError(f"breakdown: read {read} rows, {valid} valid; expected {rows}")
    return {"read_seconds": read_seconds, "read_validate_seconds": validate_seconds}


def _importer() -> Any:
    from ecert.authorities.models import Authority

    return Authority.objects.get(key=IMPORTER)


# --- the parent ---------------------------------------------------------------------------------


def _child(
    database: str, file: PassListFile, out: Path, memory_only: bool, records: bool = False
) -> dict[str, Any]:
    """Start `python -m bench.issue` for one database and read what it wrote."""
    args = ["--file", str(file.path), "--rows", str(file.rows)]
    args += ["--memory-only"] if memory_only else []
    args += ["--records"] if records else []
    return run_child("bench.issue", database, out, *args)


def _count(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    return f"{rows // 1000:,}k" if rows % 1000 == 0 else f"{rows:,}"


def _cpu(seconds: float, cpu_seconds: float, worker_cpu_seconds: float = 0.0) -> str:
    """Elapsed time, and the CPU of the importer (and of its signing worker) as cores' shares."""
    if not seconds:
        return "0 s"
    text = f"{seconds:.2f} s, importer {cpu_seconds / seconds:.0%} of a core"
    if worker_cpu_seconds:
        text += f" + signing worker {worker_cpu_seconds / seconds:.0%}"
    return text


def figures_from(data: dict[str, Any]) -> list[Figure]:
    """The import rate beside the bare signing rate, peak RSS, and the breakdown (INFO)."""
    database, rows = databases.LABELS[data["database"]], data["rows"]
    budget = None
    if data["database"] == "sqlite":  # §7's budget is for SQLite; PostgreSQL is shown as INFO
        budget = Budget(
            BUDGET_ROWS_PER_SECOND,
            higher_is_better=True,
            note=f"≤ {rows / BUDGET_ROWS_PER_SECOND:g} s",
        )
    figures = [
        Figure(
            benchmark=NAME,
            name=f"issue {_count(rows)} passers (read .xlsx, validate, store, sign)",
            database=database,
            value=rows / data["import_seconds"],
            unit="rows/s",
            detail=_cpu(
                data["import_seconds"],
                data["import_cpu_seconds"],
                data.get("worker_cpu_seconds", 0.0),
            ),
            budget=budget,
            baseline=Baseline(
                f"bare signing of the same claims, same ES256 key ({data['sign_seconds']:.2f} s)",
                data["sign_count"] / data["sign_seconds"],
            ),
        ),
        _rss_figure(NAME, data, None),
    ]
    for name, key in (
        ("· read the .xlsx alone (read_rows)", "read_seconds"),
        ("· read + validate alone (RowValidator)", "read_validate_seconds"),
    ):
        figures.append(
            Figure(
                benchmark=NAME,
                name=name,
                database=database,
                value=rows / data[key],
                unit="rows/s",
                detail=f"{data[key]:.2f} s",
            )
        )
    return figures


def _rss_figure(benchmark: str, data: dict[str, Any], budget: Budget | None) -> Figure:
    """Peak RSS of the importing process plus that of its forked signing worker (their shared
    pages counted twice, so the sum overstates what the import holds)."""
    database = databases.LABELS[data["database"]]
    worker = data.get("worker_rss_peak_mb", 0.0)
    return Figure(
        benchmark=benchmark,
        name=f"peak RSS of the {database} import process + signing worker (ru_maxrss)",
        database=database,
        value=data["rss_peak_mb"] + worker,
        unit="MB",
        detail=f"{data['rss_peak_mb']:.0f} MB + worker {worker:.0f} MB; "
        f"+{data['rss_peak_mb'] - data['rss_before_import_mb']:.0f} MB in the import",
        budget=budget,
        baseline=Baseline("peak before the import", data["rss_before_import_mb"]),
    )


def _breakdown_note(data: dict[str, Any]) -> str:
    """The parts of the import, each timed alone. Signing runs in the importer's forked worker
    beside reading, checking and storing, so the parts overlap and do not add up to the whole."""
    total, read = data["import_seconds"], data["read_seconds"]
    validate = data["read_validate_seconds"] - read
    return (
        f"{NAME} on {databases.LABELS[data['database']]}: the {total:.2f} s against its parts, each "
        f"timed alone in the same child (wall clock): read {read:.2f} s, validate {validate:.2f} s, "
        f"bare signing {data['sign_seconds']:.2f} s; the importer's own CPU "
        f"{data['import_cpu_seconds']:.2f} s, its signing worker's "
        f"{data.get('worker_cpu_seconds', 0.0):.2f} s (they overlap); reader {data['reader']}"
    )


def _file_note(benchmark: str, file: PassListFile) -> str:
    how = "reused from the cache" if file.reused else f"generated in {file.generate_seconds:.1f} s"
    return (
        f"{benchmark}: {file.path.name}, {file.rows:,} rows, {file.bytes / 2**20:.1f} MiB "
        f"(sheet XML {file.sheet_bytes / 2**20:.1f} MiB unpacked), {how} before the clock "
        f"in a separate process"
    )


def _record(report: Report, benchmark: str, database: str, data: dict[str, Any]) -> bool:
    label = databases.LABELS[database]
    if "skipped" in data:
        report.skipped.append(f"{benchmark} on {label}: {data['skipped']}")
        return False
    if "failed" in data:
        report.failed.append(f"{benchmark} on {label}: {data['failed']}")
        return False
    report.measurements.append({"benchmark": benchmark, **data})
    if data["server_version"]:
        report.notes.append(f"PostgreSQL server {data['server_version']}")
    return True


def run(rows: int, selected: list[str]) -> Report:
    """Parent side of ``issue``: one child per database, one after the other."""
    report = Report(notes=[load_note(NAME)])
    try:
        file = passlist_file(rows)
    except RuntimeError as error:
        report.failed.append(f"{NAME}: making the pass list: {error}")
        return report
    report.notes.append(_file_note(NAME, file))
    with tempfile.TemporaryDirectory(prefix="ecert-bench-") as tmp:
        for database in selected:
            print(
                f"  {NAME}: importing {rows:,} rows on {databases.LABELS[database]} …", flush=True
            )
            data = _child(database, file, Path(tmp) / f"{database}.json", memory_only=False)
            if _record(report, NAME, database, data):
                report.figures.extend(figures_from(data))
                report.notes.append(_breakdown_note(data))
    report.notes.append(
        f"{NAME}: timed = passlist_import_create (the file received in 1 MiB pieces) + "
        "passlist_import_run, wall clock; budget from DESIGN.md §7 (≤ 10 s per 100,000 rows on "
        "SQLite; PostgreSQL INFO). Baseline: cose.sign1(claims.to_cbor(), signer, kid, "
        "tagged=False) over the same claim sets with the same key from the key store."
    )
    return report


def run_memory(rows: int, selected: list[str]) -> Report:
    """Parent side of ``issue-1m``: 1,000,000 rows on SQLite (``rows`` does not apply)."""
    del rows
    return _memory(NAME_1M, selected, records=False)


def run_records_memory(rows: int, selected: list[str]) -> Report:
    """Parent side of ``records-1m``: the same file loaded as records of paper certificates."""
    del rows
    return _memory(NAME_RECORDS_1M, selected, records=True)


def _memory(benchmark: str, selected: list[str], *, records: bool) -> Report:
    report = Report(notes=[load_note(benchmark)])
    if "sqlite" not in selected:
        report.skipped.append(f"{benchmark}: the memory budget is measured on SQLite only")
        return report
    try:
        file = passlist_file(MEMORY_ROWS)
    except RuntimeError as error:
        report.failed.append(f"{benchmark}: making the pass list: {error}")
        return report
    report.notes.append(_file_note(benchmark, file))
    what = "records" if records else "passers"
    with tempfile.TemporaryDirectory(prefix="ecert-bench-") as tmp:
        print(f"  {benchmark}: importing {MEMORY_ROWS:,} rows on SQLite …", flush=True)
        data = _child("sqlite", file, Path(tmp) / "sqlite.json", memory_only=True, records=records)
        if _record(report, benchmark, "sqlite", data):
            budget = Budget(MEMORY_BUDGET_MB, higher_is_better=False)
            report.figures.append(_rss_figure(benchmark, data, budget))
            report.figures.append(
                Figure(
                    benchmark=benchmark,
                    name=f"{'load' if records else 'issue'} {_count(MEMORY_ROWS)} {what} "
                    "(read .xlsx, validate, store, sign)",
                    database="SQLite",
                    value=MEMORY_ROWS / data["import_seconds"],
                    unit="rows/s",
                    detail=_cpu(
                        data["import_seconds"],
                        data["import_cpu_seconds"],
                        data.get("worker_cpu_seconds", 0.0),
                    ),
                )
            )
            report.notes.append(
                f"{benchmark}: reader {data['reader']}; RSS just before the import "
                f"{data['rss_current_before_import_mb']:.0f} MB (peak so far "
                f"{data['rss_before_import_mb']:.0f} MB: Django, migrate, keys)"
            )
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.issue", description=__doc__)
    parser.add_argument("--database", choices=databases.DATABASES, required=True)
    parser.add_argument("--file", type=Path, required=True, help="the .xlsx to import")
    parser.add_argument("--rows", type=int, required=True, help="data rows in the file")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON")
    parser.add_argument("--memory-only", action="store_true", help="no baseline, no breakdown")
    parser.add_argument(
        "--records", action="store_true", help="load as records of paper certificates"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="TOP", help="cProfile the import, print TOP"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix=f"ecert-bench-{args.database}-") as work_dir:
        try:
            data = measure(
                args.database,
                args.file,
                args.rows,
                Path(work_dir),
                args.memory_only,
                args.profile,
                args.records,
            )
        except databases.DatabaseUnavailable as exc:
            data = {"database": args.database, "skipped": str(exc)}
    args.out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
