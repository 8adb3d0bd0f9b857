"""A province's month of replacements (issue 17): 20,000 applications from the 16 Shandong cities,
in their submitted batches, aggregated by the provincial exam centre into the package it sends on
(per exam one .XLS of the 11 text columns, the photo folder, one zip), through the real
``aggregate_packages`` and ``package_files``: read the applications and their records, decrypt
the ID numbers, format and check every row, write the workbooks and the zip.

One application in ten carries a photo (a certificate approved before 2017, seed 001 附件 二.3);
the photo is the same 15 KB JPEG each time.

Baseline: the bare writing of the same workbook rows and photos in the same run: xlwt with one
text style and zipfile, from rows already in memory, with no database, no check and no
decryption. The budget is on the ratio of our rate to the baseline's: at least 0.5.

One child process per database (``python -m bench.replacement_package --database …``).
"""

from __future__ import annotations

import io
import random
import time
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bench import databases
from bench.harness import Baseline, Budget, Figure, Report, child_main, run_children
from bench.rates import load_note

NAME = "replacement-package"
APPLICATIONS = 20_000
PHOTO_SHARE = 10  # one application in ten carries a photo
BUDGET_RATIO = 0.5
MONTH = "202611"


def _photo() -> bytes:
    from ecert.cli.demo import demo_photo

    return demo_photo(7)


def _month_of_batches(count: int) -> Any:
    """``count`` paper records in the Shandong cities and one submitted application each, in
    each city's batch of the month; returns the exam centre."""
    from bench.issue import keys_init
    from bench.rows import credential_drafts
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification, QualificationLevel
    from ecert.core.identity.idnumbers import mask_id_number
    from ecert.core.rules.kinds import CredentialForm
    from ecert.core.rules.replacement import BatchState, Channel, Outcome, Reason, Route, State
    from ecert.credentials.models import Credential
    from ecert.credentials.pipeline import insert_rows
    from ecert.credentials.services import credentials_issue
    from ecert.replacement.models import Application, Batch

    keys_init()
    now = datetime.now(UTC)
    rng = random.Random(17)
    drafts = []
    for n, draft in enumerate(credential_drafts(count)):
        old = n % PHOTO_SHARE == 0
        approval = date(2012 + n % 5, 9, 1) if old else draft.approval_date
        drafts.append(
            replace(
                draft,
                form=CredentialForm.PAPER,
                approval_date=approval,
                issue_date=approval,
            )
        )
    credentials_issue(actor=None, drafts=drafts, now=now)
    # Every exam of the month needs its code (the catalogue gives only some).
    for n, level in enumerate(QualificationLevel.objects.filter(exam_code="")):
        level.exam_code = f"{900 - n:03d}"
        level.save(update_fields=["exam_code"])
    for n, qualification in enumerate(Qualification.objects.filter(exam_code="")):
        qualification.exam_code = f"{700 - n:03d}"
        qualification.save(update_fields=["exam_code"])
    centre = Authority.objects.get(key="sd-pta")
    records = list(
        Credential.objects.order_by("id").values_list(
            "pk", "holder_id", "registration_authority_id", "holder_name", "approval_date"
        )
    )
    batches = {
        city: Batch.objects.create(
            reference=f"PCBENCH{city}",
            unit_id=city,
            target=centre,
            month=MONTH,
            state=BatchState.SUBMITTED.value,
            state_since=now,
            submitted_at=now,
            created_at=now,
        )
        for city in sorted({r[2] for r in records})
    }
    photo = _photo()
    columns = (
        "reference", "credential", "holder", "reason", "outcome", "route", "channel", "state",
        "state_since", "unit", "target", "exam_centre", "batch", "applicant_name",
        "applicant_id_hash", "applicant_id_masked", "applicant_level", "applicant_specialty",
        "phone", "changes", "work_need", "score_proof_asked", "method", "mail_recipient",
        "mail_phone", "mail_address", "mail_postcode", "photo_jpeg", "photo_sha256",
        "ministry_form_type", "ministry_form_name", "return_reason", "created_at",
    )  # fmt: skip
    rows = []
    for n, (pk, holder, city, name, approval) in enumerate(records):
        carries = approval.year < 2017
        rows.append(
            (
                f"BHBENCH-{n:06d}", pk, holder, Reason.LOST.value, Outcome.REPLACEMENT.value,
                Route.PROVINCE.value, Channel.COUNTER.value, State.FORWARDED.value, now, city,
                centre.pk, centre.pk, batches[city].pk, name, f"{rng.getrandbits(64):016x}",
                mask_id_number("370102199001011234"), "", "", "", "{}", "", False, "counter",
                "", "", "", "", photo if carries else None, "", "", "", "", now,
            )
        )  # fmt: skip
    insert_rows(Application, columns, rows)
    return centre, list(batches.values())


def _ours(centre: Any, batches: list[Any]) -> tuple[float, float, list[Any], int]:
    """Seconds for the aggregate and its zip, of which reading and checking; the packages; the
    zip's bytes."""
    from ecert.replacement.packages import aggregate_packages, package_files

    start = time.perf_counter()
    packages = aggregate_packages(batches, authority=centre, month=MONTH)
    built = time.perf_counter() - start
    data, _files = package_files(packages)
    return time.perf_counter() - start, built, packages, len(data)


def _bare(packages: list[Any]) -> float:
    """The same rows and photos written the plainest way: xlwt with one text style, zipfile."""
    import xlwt  # type: ignore[import-untyped]

    from ecert.core.spreadsheets.replacement_package import EXTENSION, HEADER, package_base_name

    plain = [(package_base_name(p), [row.cells() for row in p.rows], p.rows) for p in packages]
    start = time.perf_counter()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, cells, rows in plain:
            book = xlwt.Workbook(encoding="utf-8")
            sheet = book.add_sheet("Sheet1")
            text = xlwt.easyxf(num_format_str="@")
            for column, title in enumerate(HEADER):
                sheet.write(0, column, title, text)
            for r, values in enumerate(cells, start=1):
                for column, value in enumerate(values):
                    sheet.write(r, column, value, text)
            workbook = io.BytesIO()
            book.save(workbook)
            archive.writestr(name + EXTENSION, workbook.getvalue())
            for row in rows:
                if row.photo is not None:
                    archive.writestr(f"{name}/{row.zp}", row.photo)
    return time.perf_counter() - start


def measure(database: str, work_dir: Path) -> dict[str, Any]:
    databases.django_setup(database, work_dir)
    try:
        centre, batches = _month_of_batches(APPLICATIONS)
        seconds, built_seconds, packages, zip_bytes = _ours(centre, batches)
        base_seconds = _bare(packages)
        rows = sum(len(p.rows) for p in packages)
        photos = sum(1 for p in packages for r in p.rows if r.photo is not None)
    finally:
        databases.django_teardown(database)
    return {
        "database": database,
        "applications": rows,
        "exams": len(packages),
        "cities": len(batches),
        "photos": photos,
        "seconds": seconds,
        "built_seconds": built_seconds,
        "zip_bytes": zip_bytes,
        "baseline_seconds": base_seconds,
    }


def figures_from(data: dict[str, Any]) -> list[Figure]:
    database = databases.LABELS[data["database"]]
    rows = data["applications"]
    ours = rows / data["seconds"]
    bare = rows / data["baseline_seconds"]
    return [
        Figure(
            benchmark=NAME,
            name=f"province's month, {rows:,} applications from {data['cities']} cities "
            f"→ {data['exams']} exams' workbooks, {data['photos']:,} photos, one zip",
            database=database,
            value=ours,
            unit="applications/s",
            detail=f"{data['seconds']:.2f} s, of which reading and checking "
            f"{data['built_seconds']:.2f} s; zip {data['zip_bytes'] / 2**20:.1f} MiB",
            baseline=Baseline("bare writing of the same rows and photos (xlwt, zipfile)", bare),
        ),
        Figure(
            benchmark=NAME,
            name="· ours to the bare writing",
            database=database,
            value=100 * ours / bare,
            unit="%",
            detail=f"bare writing {data['baseline_seconds']:.2f} s, ratio {ours / bare:.2f}",
            budget=Budget(100 * BUDGET_RATIO, higher_is_better=True, note="ratio ≥ 0.5"),
        ),
    ]


def run(rows: int, selected: list[str]) -> Report:
    """Parent side; ``rows`` does not apply (a province's month of 20,000 applications)."""
    del rows
    return run_children(
        NAME, "bench.replacement_package", selected, figures_from, [load_note(NAME)]
    )


def main(argv: list[str] | None = None) -> None:
    child_main("bench.replacement_package", __doc__, measure, argv)


if __name__ == "__main__":
    main()
