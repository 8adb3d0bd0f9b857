"""A review round: the approvals under one approval document (核准文号), issued and printed at once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialForm
from ecert.documents.models import PrintFile
from ecert.titles import certificates
from ecert.titles.certificates import title_certificates_issue_all
from ecert.titles.models import TitleCertificate, TitleNumberCounter
from tests.conftest import PASSWORD, World
from tests.titles.conftest import NOW, record

ROUND = "聊人社字〔2025〕100号"
OTHER = "聊人社字〔2025〕101号"


def issue_all(world: World, actor: str = "province_admin") -> certificates.IssueRun:
    return title_certificates_issue_all(actor=world.user(actor), approval_document=ROUND, now=NOW)


def test_round_is_numbered_in_the_order_recorded_and_a_second_run_issues_nothing(
    title_keys: World,
) -> None:
    recorded = [record(title_keys, seq=seq, approval_document=ROUND) for seq in (1, 2, 3)]
    other = record(title_keys, seq=4, approval_document=OTHER)

    first = issue_all(title_keys)
    second = issue_all(title_keys)

    assert [c.approval_id for c in first.issued] == [a.pk for a in recorded]
    assert [c.sequence for c in first.issued] == [1, 2, 3]
    assert (first.remaining, second.issued, second.remaining) == (0, [], 0)
    assert not TitleCertificate.objects.filter(approval=other).exists()


def test_one_refused_record_leaves_the_whole_round_unissued(title_keys: World) -> None:
    record(title_keys, seq=1, approval_document=ROUND)
    # Lixia gets its region code after the keys were made: it cannot sign yet.
    Authority.objects.filter(key="sd-jinan-lixia").update(region_department_code="01102")
    record(title_keys, "sd-jinan-lixia", seq=2, approval_document=ROUND)

    with pytest.raises(EcertError, match="no certificate of this run was issued") as refused:
        issue_all(title_keys)

    assert "ecert keys init" in str(refused.value)
    assert not TitleCertificate.objects.exists()
    assert not TitleNumberCounter.objects.exists()


def test_round_issues_only_the_records_the_clerk_manages(title_keys: World) -> None:
    liaocheng = record(title_keys, seq=1, approval_document=ROUND)

    run = issue_all(title_keys, actor="jinan_clerk")

    assert (run.issued, run.remaining) == ([], 0)
    assert not TitleCertificate.objects.filter(approval=liaocheng).exists()


def test_large_round_is_issued_in_parts_and_each_run_continues(
    title_keys: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certificates, "BULK_MAX", 2)
    for seq in (1, 2, 3):
        record(title_keys, seq=seq, approval_document=ROUND)

    first = issue_all(title_keys)
    second = issue_all(title_keys)

    assert (len(first.issued), first.remaining) == (2, 1)
    assert (len(second.issued), second.remaining) == (1, 0)
    assert TitleCertificate.objects.count() == 3


def test_clerk_issues_and_prints_a_round_from_the_list(
    client: Client, title_keys: World, own_storage: Any
) -> None:
    paper = [
        record(title_keys, seq=seq, approval_document=ROUND, form=CredentialForm.PAPER)
        for seq in (1, 2)
    ]
    record(title_keys, seq=3, approval_document=ROUND)  # electronic: the holder prints it
    record(title_keys, seq=4, approval_document=OTHER, form=CredentialForm.PAPER)
    client.login(username="province_admin", password=PASSWORD)
    listed = reverse("backoffice:title_list")

    shown = client.get(listed, {"document": ROUND}).content.decode()
    issued = client.post(
        reverse("backoffice:title_round"), {"document": ROUND, "action": "issue-all"}, follow=True
    ).content.decode()
    printed = client.post(
        reverse("backoffice:title_round"), {"document": ROUND, "action": "print-all"}
    )

    assert "共 3 条记录，3 条尚无证书" in shown
    assert len(re.findall(r'href="/backoffice/titles/[0-9A-Z]{16}/"', shown)) == 3  # this round
    assert 'data-testid="issue-all"' not in issued
    job = PrintFile.objects.get()
    assert printed.status_code == 302
    assert printed["Location"] == reverse("backoffice:print_file_detail", args=[job.reference])
    in_order = [TitleCertificate.objects.get(approval=a).credential.public_id for a in paper]
    assert job.credential_ids == in_order


def test_round_without_paper_certificates_has_nothing_to_print(
    client: Client, title_keys: World
) -> None:
    record(title_keys, seq=1, approval_document=ROUND)
    issue_all(title_keys)
    client.login(username="province_admin", password=PASSWORD)

    page = client.post(
        reverse("backoffice:title_round"),
        {"document": ROUND, "action": "print-all"},
        follow=True,
    ).content.decode()

    assert not PrintFile.objects.exists()
    assert "本批次没有可打印的有效纸质证书" in page
