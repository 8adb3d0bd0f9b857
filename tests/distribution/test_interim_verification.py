"""A Henan 合格证明 stands for the paper certificate in the province until the paper is handed out
(seed 004 一(四)); from that day every verification answer and the holder's page say so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from ecert.audit.services import audit_record
from ecert.core.formats.qr import qr_text
from ecert.core.rules.kinds import CredentialKind
from ecert.core.rules.paper import Method, PaperState
from ecert.credentials.models import Credential, Holder
from ecert.distribution.models import PaperCertificate, PaperEventKind
from ecert.distribution.services import paper_choose, paper_move
from ecert.verification.services import trust_list_forget
from tests.conftest import cast_id_number
from tests.distribution.conftest import ARRIVED, Paper, deliver

pytestmark = pytest.mark.usefixtures("own_storage")

HANDED = ARRIVED + timedelta(days=3)
NOTE_ZH = "纸质证书已于 2026年11月5日发放"
NOTE_EN = "The paper certificate was handed out on 2026-11-05"


@pytest.fixture(autouse=True)
def _fresh_trust_list() -> Iterator[None]:
    trust_list_forget()
    yield
    trust_list_forget()


def _proof() -> Credential:
    return Credential.objects.get(management_number="HA-PROOF-0301", kind=CredentialKind.EXAM_PROOF)


def _hand_over(paper: Paper) -> None:
    """The Zhengzhou finance bureau hands the paper certificate out at its counter."""
    deliver(paper, henan=True)
    clerk = paper.users["zhengzhou_finance_clerk"]
    certificate = paper.certificate("2541010000000301")
    paper_choose(
        actor=clerk, certificate=certificate, method=Method.COUNTER, address=None, now=HANDED
    )
    with transaction.atomic():
        locked = PaperCertificate.objects.select_for_update().get(pk=certificate.pk)
        paper_move(
            locked,
            PaperState.HANDED_OVER,
            kind=PaperEventKind.HANDED_OVER,
            actor=clerk,
            detail={},
            now=HANDED,
        )
        audit_record(
            actor=clerk,
            action="paper.handed_over",
            authority=locked.unit,
            object_type="credential",
            object_id=locked.credential.public_id,
            data={},
            at=HANDED,
        )


def _landing(client: Client, proof: Credential) -> str:
    payload = qr_text(django_settings.ECERT_VERIFY_HOST, bytes(proof.signed or b"")).split("/V/")[1]
    response = client.get(reverse("verify:landing", args=[payload]))
    assert response.status_code == 200
    return response.content.decode()


def _query(client: Client) -> str:
    response = client.post(
        reverse("verify:query"),
        {"name": "赵昇", "id_number": cast_id_number(4), "number": "HA-PROOF-0301"},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_handing_the_paper_out_ends_the_proofs_interim_period(paper: Paper) -> None:
    assert _proof().interim_ended_on is None
    _hand_over(paper)
    assert _proof().interim_ended_on == date(2026, 11, 5)


def test_the_qr_landing_and_the_query_page_say_the_paper_was_handed_out(
    paper: Paper, client: Client
) -> None:
    proof = _proof()
    assert proof.signed is not None
    assert NOTE_ZH not in _landing(client, proof)
    _hand_over(paper)
    assert NOTE_ZH in _landing(client, proof)
    page = _query(client)
    assert NOTE_ZH in page
    assert "在河南省内具有纸质证书同等效力" in page


def test_the_english_page_says_it_in_english(paper: Paper, client: Client) -> None:
    _hand_over(paper)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _landing(client, _proof())
    assert NOTE_EN in page
    assert NOTE_ZH not in page


def test_the_api_answers_the_day_and_the_note_in_both_languages(
    paper: Paper, client: Client
) -> None:
    body = {"name": "赵昇", "id_number": cast_id_number(4), "number": "HA-PROOF-0301"}
    before = client.post("/api/v1/query", body, content_type="application/json").json()
    assert before["answer"]["facts"]["interim_ended_on"] is None
    _hand_over(paper)
    facts = client.post("/api/v1/query", body, content_type="application/json").json()["answer"][
        "facts"
    ]
    assert facts["interim_ended_on"] == "2026-11-05"
    assert facts["interim_note_zh"].startswith(NOTE_ZH)
    assert facts["interim_note_en"].startswith(NOTE_EN)


def test_the_holders_portal_page_says_so(paper: Paper) -> None:
    proof = _proof()
    Holder.objects.filter(pk=proof.holder_id).update(user=paper.users["holder"])
    client = Client()
    client.force_login(paper.users["holder"])
    url = reverse("portal:credential_detail", args=[proof.public_id])
    assert NOTE_ZH not in client.get(url).content.decode()
    _hand_over(paper)
    assert NOTE_ZH in client.get(url).content.decode()


def test_a_shandong_proof_never_carries_the_note(paper: Paper, client: Client) -> None:
    page = _landing(client, paper.world.credentials["jinan"])
    assert "纸质证书已于" not in page
