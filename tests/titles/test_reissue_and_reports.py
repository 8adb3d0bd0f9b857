"""Reissue of a lost paper certificate (第十二条) and reports of self-governed evaluation (第十五条)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_text
from ecert.core.formats.verify import Verdict
from ecert.core.rules.kinds import CredentialForm, CredentialStatus
from ecert.credentials.models import Credential
from ecert.titles.certificates import (
    title_certificate_issue,
    title_reissue_decide,
)
from ecert.titles.models import ReissueState, SeriesLevel, TitleReissue, TitleScheme
from ecert.titles.selectors import reports_due, title_pledge_for
from ecert.titles.services import titles_report
from ecert.verification.services import qr_answer
from tests.conftest import World
from tests.titles.conftest import NOW, PLEDGE, record, submit


def paper_certificate(world: World, **kwargs: Any) -> Any:
    approval = record(world, form=CredentialForm.PAPER, **kwargs)
    return title_certificate_issue(actor=None, approval=approval, now=NOW)


def test_reissue_voids_the_old_paper_certificate_at_once_and_verification_says_so(
    title_keys: World, settings: Any
) -> None:
    old = paper_certificate(title_keys)
    application = submit(title_keys, old)

    decided = title_reissue_decide(
        actor=title_keys.user("province_admin"), reissue=application, approve=True, note="", now=NOW
    )

    assert decided.state == ReissueState.REISSUED
    assert decided.replacement is not None
    assert decided.replacement.number == "鲁251402001200002"
    old_credential = Credential.objects.get(pk=old.credential_id)
    assert old_credential.status == CredentialStatus.SUPERSEDED
    answer = qr_answer(qr_text(settings.ECERT_VERIFY_HOST, bytes(old_credential.signed)), now=NOW)  # type: ignore[arg-type]
    assert answer.verdict is Verdict.SUPERSEDED
    assert answer.replaced_by == "鲁251402001200002"
    assert AuditEvent.objects.filter(action="credential.superseded").count() == 1


def test_pledge_is_kept_with_its_hash(title_keys: World, own_storage: Path) -> None:
    application = submit(title_keys, paper_certificate(title_keys))

    found = title_pledge_for(user=title_keys.user("province_admin"), reissue=application.reference)
    assert found is not None
    assert (found.media_type, found.content) == ("application/pdf", PLEDGE)
    assert application.pledge_sha256 == hashlib.sha256(PLEDGE).hexdigest()


def test_application_rolled_back_later_leaves_no_pledge_behind(
    title_keys: World, own_storage: Path
) -> None:
    certificate = paper_certificate(title_keys)
    files_before = sorted(own_storage.rglob("*"))

    def take_then_fail() -> None:
        with transaction.atomic():
            submit(title_keys, certificate)
            raise RuntimeError("the request failed after the application was taken")

    with pytest.raises(RuntimeError, match="after the application was taken"):
        take_then_fail()

    assert not TitleReissue.objects.exists()
    assert sorted(own_storage.rglob("*")) == files_before


def test_pledge_is_shown_only_to_those_who_manage_the_title(title_keys: World) -> None:
    application = submit(title_keys, paper_certificate(title_keys))

    for username in ("jinan_clerk", "county_clerk", "institution_clerk"):
        seen = title_pledge_for(user=title_keys.user(username), reissue=application.reference)
        assert seen is None, username


def test_electronic_certificate_is_downloaded_again_not_reissued(title_keys: World) -> None:
    electronic = title_certificate_issue(actor=None, approval=record(title_keys), now=NOW)

    with pytest.raises(EcertError, match="downloads and prints it again"):
        submit(title_keys, electronic)

    assert not TitleReissue.objects.exists()


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"pledge": b"GIF89a..."}, "not a PDF, JPEG or PNG"),
        ({"pledge": b""}, "is empty"),
        ({"reviewing_unit": " "}, "reviewing unit is missing"),
        ({"reviewed_on": date(2026, 12, 1)}, "cannot be in the future"),
    ],
)
def test_incomplete_application_is_refused_and_nothing_is_kept(
    title_keys: World, changes: dict[str, Any], said: str
) -> None:
    certificate = paper_certificate(title_keys)

    with pytest.raises(EcertError, match=said):
        submit(title_keys, certificate, **changes)

    assert not TitleReissue.objects.exists()


def test_one_open_application_per_certificate(title_keys: World) -> None:
    certificate = paper_certificate(title_keys)
    submit(title_keys, certificate)

    with pytest.raises(EcertError, match="already has an open reissue application"):
        submit(title_keys, certificate)


def test_refusal_needs_a_reason_and_leaves_the_certificate_valid(title_keys: World) -> None:
    certificate = paper_certificate(title_keys)
    application = submit(title_keys, certificate)
    admin = title_keys.user("province_admin")

    with pytest.raises(EcertError, match="needs a reason"):
        title_reissue_decide(actor=admin, reissue=application, approve=False, note="", now=NOW)
    refused = title_reissue_decide(
        actor=admin, reissue=application, approve=False, note="承诺书未签字", now=NOW
    )

    assert refused.state == ReissueState.REFUSED
    assert Credential.objects.get(pk=certificate.credential_id).status == CredentialStatus.VALID


def test_clerk_elsewhere_cannot_take_or_decide_an_application(title_keys: World) -> None:
    certificate = paper_certificate(title_keys)

    with pytest.raises(EcertError, match="no such certificate"):
        submit(title_keys, certificate, actor="jinan_clerk")
    application = submit(title_keys, certificate)
    with pytest.raises(EcertError, match="no such reissue application"):
        title_reissue_decide(
            actor=title_keys.user("jinan_clerk"),
            reissue=application,
            approve=True,
            note="",
            now=NOW,
        )

    assert TitleReissue.objects.get().state == ReissueState.SUBMITTED


# ── Reports of self-governed evaluation ────────────────────────────────────────────────────


@pytest.fixture
def university(titles: World) -> World:
    SeriesLevel.objects.create(
        scheme=TitleScheme.objects.get(mark="鲁"),
        code="021",
        series="高等学校教师",
        level="senior_deputy",
        title="副教授",
        name="高等学校教师副高级",
    )
    for seq in (1, 2):
        record(
            titles,
            "sd-sdu",
            actor="institution_clerk",
            seq=seq,
            series_code="021",
            approval_document="山大人字〔2025〕9号",
        )
    return titles


def test_unreported_data_is_due_thirty_days_after_it_is_formed(university: World) -> None:
    formed = NOW.date()
    admin = university.user("province_admin")

    on_deadline = reports_due(admin, formed + timedelta(days=30), overdue_only=True)
    day_after = reports_due(admin, formed + timedelta(days=31), overdue_only=True)

    assert on_deadline == []
    assert [(d.institution.key, d.records, d.overdue_days) for d in day_after] == [("sd-sdu", 2, 1)]
    assert day_after[0].deadline == formed + timedelta(days=30)


def test_report_clears_what_was_due_and_is_audited(university: World) -> None:
    reported = titles_report(
        actor=university.user("institution_clerk"),
        institution=university.authorities["sd-sdu"],
        now=NOW,
    )

    assert reported == 2
    assert reports_due(university.user("province_admin"), NOW.date() + timedelta(days=60)) == []
    assert AuditEvent.objects.get(action="title.reported").data["records"] == 2


def test_bureau_outside_sees_no_institution_report(university: World) -> None:
    later = NOW.date() + timedelta(days=90)

    assert reports_due(university.user("jinan_clerk"), later) == []
    with pytest.raises(EcertError, match="no such institution"):
        titles_report(
            actor=university.user("jinan_clerk"),
            institution=university.authorities["sd-sdu"],
            now=NOW,
        )
