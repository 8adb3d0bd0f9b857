"""The holder's choice (mail with an address, or the counter), made in the portal or recorded by a
clerk, and the one move every later step goes through."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Method, PaperState
from ecert.credentials.models import Credential
from ecert.distribution.models import PaperEvent, PaperEventKind
from ecert.distribution.services import MailAddress, paper_choose, paper_move
from tests.distribution.conftest import ARRIVED, Paper, deliver

pytestmark = pytest.mark.usefixtures("own_storage")

JINAN_HOLDER = "2537010000000201"  # the cast's holder, signed in as `holder`
QINGDAO = "2537020000000202"
ZHENGZHOU = "2541010000000301"
ADDRESS = MailAddress("张堃", "13912345678", "山东省济南市历下区经十路 100 号", "250014")
LATER = ARRIVED + timedelta(days=3)


def test_the_holder_chooses_mail_and_the_timeline_says_so(paper: Paper) -> None:
    deliver(paper)
    certificate = paper.certificate(JINAN_HOLDER)
    chosen = paper_choose(
        actor=paper.users["holder"],
        certificate=certificate,
        method=Method.MAIL,
        address=ADDRESS,
        now=LATER,
    )
    assert chosen.state == PaperState.TO_MAIL
    assert chosen.mail_address == ADDRESS.address
    last = PaperEvent.objects.filter(certificate=certificate).last()
    assert last is not None
    assert last.kind == PaperEventKind.CHOSEN
    assert last.detail["by"] == "holder"
    assert AuditEvent.objects.filter(action="paper.chosen").count() == 1


def test_a_bad_phone_is_refused_and_nothing_changes(paper: Paper) -> None:
    deliver(paper)
    certificate = paper.certificate(JINAN_HOLDER)
    with pytest.raises(EcertError) as refused:
        paper_choose(
            actor=paper.users["holder"],
            certificate=certificate,
            method=Method.MAIL,
            address=MailAddress("张堃", "12345", ADDRESS.address),
            now=LATER,
        )
    assert refused.value.code == "bad_phone"
    assert refused.value.field == "phone"
    assert paper.certificate(JINAN_HOLDER).state == PaperState.AWAITING_CHOICE


def test_an_address_that_looks_like_a_formula_is_refused(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        paper_choose(
            actor=paper.users["holder"],
            certificate=paper.certificate(JINAN_HOLDER),
            method=Method.MAIL,
            address=MailAddress("张堃", "13912345678", '=HYPERLINK("http://x","济南")'),
            now=LATER,
        )
    assert refused.value.code == "formula"


def test_the_holder_cannot_choose_for_someone_else(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        paper_choose(
            actor=paper.users["holder"],
            certificate=paper.certificate(QINGDAO),
            method=Method.COUNTER,
            address=None,
            now=LATER,
        )
    assert refused.value.code == "not_found"


def test_a_clerk_of_another_city_is_told_the_certificate_is_not_there(paper: Paper) -> None:
    deliver(paper)
    with pytest.raises(EcertError) as refused:
        paper_choose(
            actor=paper.users["qingdao_clerk"],
            certificate=paper.certificate(JINAN_HOLDER),
            method=Method.COUNTER,
            address=None,
            now=LATER,
        )
    assert refused.value.code == "not_found"
    chosen = paper_choose(
        actor=paper.users["jinan_clerk"],
        certificate=paper.certificate(JINAN_HOLDER),
        method=Method.COUNTER,
        address=None,
        now=LATER,
    )
    assert chosen.state == PaperState.TO_COLLECT


def test_a_mailed_certificate_cannot_be_rechosen(paper: Paper) -> None:
    deliver(paper)
    certificate = paper_choose(
        actor=paper.users["holder"],
        certificate=paper.certificate(JINAN_HOLDER),
        method=Method.MAIL,
        address=ADDRESS,
        now=LATER,
    )
    with transaction.atomic():
        paper_move(certificate, PaperState.MAILED, kind=PaperEventKind.MAILED, actor=None,
                   detail={"waybill": "EA000000001CN"}, now=LATER)  # fmt: skip
    with pytest.raises(EcertError) as refused:
        paper_choose(
            actor=paper.users["holder"],
            certificate=paper.certificate(JINAN_HOLDER),
            method=Method.COUNTER,
            address=None,
            now=LATER,
        )
    assert refused.value.code == "paper_state"


def test_handing_out_henan_paper_ends_the_e_proofs_interim_period(paper: Paper) -> None:
    deliver(paper, henan=True)
    certificate = paper.certificate(ZHENGZHOU)
    proof = Credential.objects.get(management_number="HA-PROOF-0301")
    assert proof.interim_ended_on is None
    with transaction.atomic():
        paper_move(certificate, PaperState.HANDED_OVER, kind=PaperEventKind.HANDED_OVER,
                   actor=paper.users["zhengzhou_finance_clerk"], detail={}, now=LATER)  # fmt: skip
    proof.refresh_from_db()
    assert proof.interim_ended_on == date(2026, 11, 5)
    assert proof.status == "valid"
