"""`make bench`: run the benchmarks, print each figure beside its budget and baseline.

Exits 0 when figures are over budget (benchmarks inform, tests do not time things); exits 1 only
when a benchmark could not run to the end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import (
    databases,
    documents,
    insert,
    issue,
    mail_export,
    ofd_render,
    offline_verify,
    paper_assign,
    replacement_package,
    sd_jwt_issue,
    sealed_ofd,
    signing,
    title_numbers,
    verify_api,
    verify_during_import,
    w3c_vc_issue,
)
from bench.harness import Report, machine, print_report, write_json

# name -> run(rows, databases) ; each benchmark runs its databases in child processes.
# signing and offline-verify use no database and run in this process (per-core rates).
# issue-1m always imports 1,000,000 rows on SQLite (--rows does not apply).
# verify-during-import measures on SQLite only (its write lock), with --rows rows imported.
# verify-api always serves 1,000,000 stored credentials on PostgreSQL (built once, then reused).
BENCHMARKS: dict[str, Callable[[int, list[str]], Report]] = {
    insert.NAME: insert.run,
    signing.NAME: signing.run,
    offline_verify.NAME: offline_verify.run,
    issue.NAME: issue.run,
    issue.NAME_1M: issue.run_memory,
    issue.NAME_RECORDS_1M: issue.run_records_memory,
    documents.NAME_SEALED: documents.run_sealed,
    documents.NAME_PRINT: documents.run_print,
    verify_api.NAME: verify_api.run,
    title_numbers.NAME: title_numbers.run,
    verify_during_import.NAME: verify_during_import.run,
    paper_assign.NAME: paper_assign.run,
    mail_export.NAME: mail_export.run,
    replacement_package.NAME: replacement_package.run,
    sd_jwt_issue.NAME: sd_jwt_issue.run,
    ofd_render.NAME: ofd_render.run,
    sealed_ofd.NAME: sealed_ofd.run,
    w3c_vc_issue.NAME: w3c_vc_issue.run,
}


def _database_list(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in databases.DATABASES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"choose from {','.join(databases.DATABASES)}; got {text!r}"
        )
    return chosen


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), help="run one benchmark")
    parser.add_argument(
        "--rows",
        type=_positive,
        default=100_000,
        help="rows per run (100000); issue-1m always 1000000",
    )
    parser.add_argument(
        "--databases",
        type=_database_list,
        default=list(databases.DATABASES),
        help="comma-separated: sqlite,postgresql (both)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    about = machine()
    print(
        f"ecert benchmarks · {about['cores']} cores · Python {about['python']} · "
        f"SQLite {about['sqlite']} · {args.rows:,} rows · {', '.join(args.databases)}",
        flush=True,
    )
    total = Report()
    for name, run in BENCHMARKS.items():
        if args.only and name != args.only:
            continue
        total.extend(run(args.rows, args.databases))
    print_report(total)
    path = write_json(total, argv)
    print(f"results written to {path}")
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
