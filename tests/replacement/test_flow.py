"""An application's whole way in Shandong: the holder applies, Jinan accepts and submits its
month, the exam centre sends it on and records the new certificate, which supersedes the old."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.replacement import BatchState, Outcome, State
from ecert.distribution.models import PaperCertificate
from ecert.replacement.selectors import record_lines
from ecert.replacement.services import (
    DispatchInput,
    application_accept,
    application_complete,
    batch_submit,
    dispatch_record,
)
from tests.replacement.conftest import APPLIED, apply

pytestmark = pytest.mark.django_db


def test_shandong_application_from_holder_to_new_certificate(paper):
    users = paper.users
    application = apply(paper, users["holder"], work_need="投标须出示纸质证书原件")
    assert application.state == State.SUBMITTED
    assert application.outcome == Outcome.REPLACEMENT
    assert application.unit.key == "sd-jinan"
    assert application.target.key == "sd-pta"
    assert not any(line.differs for line in record_lines(application))

    later = APPLIED + timedelta(hours=1)
    application_accept(actor=users["jinan_clerk"], application=application, now=later)
    application.refresh_from_db()
    batch = application.batch
    assert batch is not None
    assert batch.month == "202611"

    batch_submit(actor=users["jinan_clerk"], batch=batch, now=later)
    batch.refresh_from_db()
    assert batch.state == BatchState.SUBMITTED
    dispatch_record(
        actor=users["exam_centre_clerk"],
        authority=application.target,
        form=DispatchInput(
            month="202611",
            batches=[batch],
            paper_mailed_on=date(2026, 11, 10),
            data_uploaded_on=date(2026, 11, 10),
        ),
        now=later,
    )
    done = application_complete(
        actor=users["exam_centre_clerk"],
        application=application,
        number="2637010000000999",
        arrived_on=date(2026, 11, 10),
        now=later,
    )
    assert done.state == State.COMPLETED
    old = done.credential
    old.refresh_from_db()
    assert old.status == CredentialStatus.SUPERSEDED
    assert done.result is not None
    assert done.result.management_number == "2637010000000999"
    new_paper = PaperCertificate.objects.get(credential=done.result)
    assert new_paper.unit.key == "sd-jinan"
    assert new_paper.state == "to_collect"


def test_second_application_for_the_same_certificate_is_refused(paper):
    apply(paper, paper.users["holder"], work_need="投标须出示纸质证书原件")
    with pytest.raises(EcertError) as refused:
        apply(paper, paper.users["holder"], work_need="投标须出示纸质证书原件")
    assert refused.value.code == "already_applied"
