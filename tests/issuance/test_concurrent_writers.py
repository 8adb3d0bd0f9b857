"""Every kind of writer at once, while a pass list is imported: no deadlock, no error, every count
exact (ecert.audit.locks, the one lock order).

The import runs in one thread; once it has stored its first chunk (its holders inserted, status
indexes taken), other threads with their own connections record titles — a sheet and single
records, some of people the import is adding —, number them (one at a time and a whole approval
document at once), issue a proof, change statuses and correct a credential. Before the lock
order, the sheet held the audit chain head while it waited for a holder the import had inserted,
and the import waited for the head: PostgreSQL killed one of them (``deadlock detected``).

PostgreSQL only: SQLite runs one write transaction at a time (IMMEDIATE), so its writers cannot
deadlock, and its in-memory test database refuses a second writer instead of waiting.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from ecert.audit.models import AuditEvent
from ecert.audit.selectors import audit_chain_break
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.identity.idnumbers import IdType, parse_id_number
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.credentials.models import Credential, Holder, StatusIndexCounter
from ecert.credentials.services import Correction, credential_correct, credential_set_status
from ecert.issuance.models import ImportState, PassListImport
from ecert.issuance.services import passlist_import_create, passlist_import_run, proof_issue
from ecert.titles.certificates import title_certificate_issue, title_certificates_issue_all
from ecert.titles.models import TitleApproval, TitleCertificate
from ecert.titles.services import title_approval_record, title_approvals_import
from tests.conftest import World
from tests.passlist_files import Passer, make_passers, write_csv
from tests.titles.conftest import facts, record

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite runs one write transaction at a time (IMMEDIATE): nothing to deadlock; "
        "its in-memory test database refuses a second writer instead of waiting",
    ),
]

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
ROWS = 4000  # two chunks of the pipeline: the writers meet the import between them
SHEET_HEADER = "姓名,证件号码,系列级别代码,评审年度,核准日期,批准文号,专业\n"


def _sheet(path: Path, people: list[tuple[str, str]]) -> Path:
    rows = "".join(
        f"{name},{id_number},011,2025,2025-12-20,聊人社字〔2025〕200号,小学语文\n"
        for name, id_number in people
    )
    path.write_text(SHEET_HEADER + rows, encoding="utf-8")
    return path


def test_an_import_and_every_other_writer_at_once_all_finish_with_exact_counts(
    title_keys: World, tmp_path: Path
) -> None:
    world = title_keys
    admin = world.user("province_admin")
    liaocheng = world.authorities["sd-liaocheng"]
    passers: list[Passer] = make_passers(ROWS, seed=7)
    job = passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="sd-pta"),
        qualification=Qualification.objects.get(key="constructor"),
        file_name="pass-list.csv",
        chunks=[write_csv(tmp_path / "pass-list.csv", passers).read_bytes()],
    )
    # Titles recorded before: three under one approval document, two to number one by one.
    whole_document = [
        record(world, seq=20 + i, approval_document="聊人社字〔2025〕300号") for i in range(3)
    ]
    singles = [
        record(world, seq=30 + i, approval_document="聊人社字〔2025〕301号") for i in range(2)
    ]
    # People of the import's first chunk, recorded as titles while the import adds them.
    sheet = _sheet(
        tmp_path / "approvals.csv",
        [("司马昇", "371502198001010018")] + [(p.name, p.id_number) for p in passers[:3]],
    )
    recorded_alone = passers[10:13]
    holders_before = Holder.objects.count()
    credentials_before = Credential.objects.count()
    approvals_before = TitleApproval.objects.count()

    chunk_stored = threading.Event()

    def on_progress(rows: int) -> None:
        if rows >= 2000:
            chunk_stored.set()

    def in_own_connection(write: Callable[[], Any], *, wait: bool = True) -> Callable[[], Any]:
        def run() -> Any:
            try:
                if wait:
                    assert chunk_stored.wait(timeout=120), "the import stored no chunk"
                return write()
            finally:
                connection.close()  # each thread has its own connection

        return run

    def import_run() -> PassListImport:
        try:
            return passlist_import_run(import_id=job.pk, progress=on_progress, now=NOW)
        finally:
            chunk_stored.set()  # a failed import lets the writers go too

    def record_one(passer: Passer) -> Callable[[], TitleApproval]:
        def write() -> TitleApproval:
            person = replace(
                facts(approval_document="聊人社字〔2025〕202号"),
                name=passer.name,
                id_number=parse_id_number(passer.id_number, IdType.RESIDENT_ID),
            )
            return title_approval_record(actor=admin, approver=liaocheng, facts=person, now=NOW)

        return write

    def issue_one(approval: TitleApproval) -> Callable[[], TitleCertificate]:
        return lambda: title_certificate_issue(actor=admin, approval=approval, now=NOW)

    def set_status(place: str) -> Callable[[], Credential]:
        def write() -> Credential:
            credential = world.credentials[place]
            credential_set_status(
                actor=None,
                credential=credential,
                status=CredentialStatus.SUSPENDED,
                reason="核查中",
                now=NOW,
            )
            return credential_set_status(
                actor=None,
                credential=credential,
                status=CredentialStatus.VALID,
                reason="核查完毕",
                now=NOW,
            )

        return write

    writers: dict[str, Callable[[], Any]] = {
        "import": in_own_connection(import_run, wait=False),
        "sheet": in_own_connection(
            lambda: title_approvals_import(
                actor=admin,
                approver=liaocheng,
                path=sheet,
                display_name="approvals.csv",
                now=NOW,
            )
        ),
        **{f"record {p.id_number}": in_own_connection(record_one(p)) for p in recorded_alone},
        "issue the document": in_own_connection(
            lambda: title_certificates_issue_all(
                actor=admin, approval_document="聊人社字〔2025〕300号", now=NOW
            )
        ),
        **{f"issue {a.reference}": in_own_connection(issue_one(a)) for a in singles},
        "proof": in_own_connection(
            lambda: proof_issue(
                actor=None,
                source=world.credentials["jinan"],
                kind=CredentialKind.SCORE_PROOF,
                authority=world.authorities["sd-pta"],
                application="补换申请 2026-11 第 7 号",
                now=NOW,
            )
        ),
        "status qingdao": in_own_connection(set_status("qingdao")),
        "status institution": in_own_connection(set_status("institution")),
        "correction": in_own_connection(
            lambda: credential_correct(
                actor=admin,
                credential=world.credentials["county"],
                correction=Correction(specialty="市政公用工程"),
                reason="专业录入错误",
                now=NOW,
            )
        ),
    }
    with ThreadPoolExecutor(len(writers)) as pool:
        futures: dict[str, Future[Any]] = {name: pool.submit(w) for name, w in writers.items()}
        failures = {name: repr(f.exception()) for name, f in futures.items() if f.exception()}

    assert failures == {}
    imported = futures["import"].result()
    assert (imported.state, imported.issued) == (ImportState.COMPLETED, ROWS)
    # One holder per person: the import's, the sheet's one newcomer, nobody twice.
    assert Holder.objects.count() == holders_before + ROWS + 1
    issued_here = 3 + len(singles) + 1 + 1  # the document, the singles, the proof, the correction
    assert Credential.objects.count() == credentials_before + ROWS + issued_here
    assert TitleApproval.objects.count() == approvals_before + 4 + len(recorded_alone)
    # Status indexes: one each, none skipped.
    indexes = sorted(
        i for i in Credential.objects.values_list("status_index", flat=True) if i is not None
    )
    assert len(indexes) == Credential.objects.count()
    assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))
    assert StatusIndexCounter.objects.get(pk=1).next_index == indexes[-1] + 1
    assert TitleCertificate.objects.filter(approval__in=whole_document + singles).count() == 5
    # Title numbers: each once, from 1 in each series.
    numbers = list(TitleCertificate.objects.values_list("series_code", "sequence"))
    per_series = Counter(series for series, _ in numbers)
    assert sorted(numbers) == sorted(
        (series, n) for series, count in per_series.items() for n in range(1, count + 1)
    )
    # The audit chain: every event once, in one unbroken chain.
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert audit_chain_break() is None
    assert AuditEvent.objects.filter(action="title.recorded").count() == (
        approvals_before + 4 + len(recorded_alone)
    )
