"""The exam centre's completion pages (issue 17): the list of applications sent up, the score
proof, the completion with its errors beside the fields, and nothing outside the centre's scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.core.rules.kinds import CredentialKind
from ecert.replacement.models import Application
from tests.distribution.conftest import Paper
from tests.distribution.conftest import paper as paper  # the fixture
from tests.replacement.centre import WORK_NEED, sent_on
from tests.replacement.conftest import HA_NUMBER, apply

pytestmark = pytest.mark.django_db


def dispatched(paper: Paper, *, score_proof: bool = False) -> Application:
    holder = paper.users["holder"]
    return sent_on(paper, apply(paper, holder, work_need=WORK_NEED, score_proof=score_proof))


def _as(client: Client, paper: Paper, who: str) -> Client:
    client.force_login(paper.users[who])
    return client


def _detail(application: Application) -> str:
    return reverse("backoffice:replacement_centre_detail", args=[application.reference])


def test_the_list_shows_what_was_sent_up(paper: Paper, client: Client) -> None:
    application = dispatched(paper, score_proof=True)
    page = _as(client, paper, "exam_centre_clerk").get(
        reverse("backoffice:replacement_centre_list")
    )
    text = page.content.decode()
    assert f'data-testid="row-{application.reference}"' in text
    assert "已申请成绩合格证明" in text


def test_the_henan_centre_does_not_see_shandong_s(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    page = _as(client, paper, "ha_centre_clerk").get(reverse("backoffice:replacement_centre_list"))
    assert application.reference not in page.content.decode()
    assert _as(client, paper, "ha_centre_clerk").get(_detail(application)).status_code == 404


def test_the_page_issues_the_score_proof_and_links_it(paper: Paper, client: Client) -> None:
    application = dispatched(paper, score_proof=True)
    url = reverse("backoffice:replacement_centre_score_proof", args=[application.reference])
    page = _as(client, paper, "exam_centre_clerk").post(url, follow=True)
    application.refresh_from_db()
    assert application.score_proof is not None
    assert application.score_proof.kind == CredentialKind.SCORE_PROOF
    link = reverse("backoffice:credential_document", args=[application.score_proof.public_id])
    assert link in page.content.decode()


def test_the_form_proposes_the_old_number(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    page = _as(client, paper, "exam_centre_clerk").get(_detail(application)).content.decode()
    assert 'value="2537010000000201"' in page


def test_the_page_records_the_new_certificate(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    page = _as(client, paper, "exam_centre_clerk").post(
        url, {"number": "2637010000000999", "arrived_on": "2026-11-10"}, follow=True
    )
    text = page.content.decode()
    assert 'data-testid="result"' in text
    assert "2637010000000999" in text
    assert "已办结" in text


def test_a_missing_arrival_date_is_shown_beside_its_field(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    page = _as(client, paper, "exam_centre_clerk").post(url, {"number": "2637010000000999"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="error-arrived_on"' in text
    assert "到达日期" in text


def test_a_future_arrival_date_is_refused_without_a_500(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    future = date(2099, 1, 1).isoformat()
    page = _as(client, paper, "exam_centre_clerk").post(
        url, {"number": "2637010000000999", "arrived_on": future}
    )
    assert page.status_code == 200
    assert 'data-testid="error-arrived_on"' in page.content.decode()


def test_a_number_of_another_certificate_is_refused_without_a_500(
    paper: Paper, client: Client
) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    page = _as(client, paper, "exam_centre_clerk").post(
        url, {"number": "2537020000000202", "arrived_on": "2026-11-10"}
    )
    assert page.status_code == 200
    assert 'data-testid="error-number"' in page.content.decode()


def test_a_completed_application_offers_no_form(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    _as(client, paper, "exam_centre_clerk").post(url, {"number": "", "arrived_on": "2026-11-10"})
    page = client.get(_detail(application)).content.decode()
    assert 'data-testid="complete-form"' not in page


def test_completing_twice_says_why(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    body = {"number": "", "arrived_on": "2026-11-10"}
    _as(client, paper, "exam_centre_clerk").post(url, body)
    page = client.post(url, body, follow=True)
    assert "该申请已办结，不能再次办结" in page.content.decode()


def test_the_henan_centre_completes_a_henan_application(paper: Paper, client: Client) -> None:
    application = sent_on(
        paper, apply(paper, paper.users["zhengzhou_finance_clerk"], HA_NUMBER, work_need=WORK_NEED)
    )
    url = reverse("backoffice:replacement_centre_complete", args=[application.reference])
    _as(client, paper, "ha_centre_clerk").post(
        url, {"number": "2641010000000999", "arrived_on": "2026-11-10"}
    )
    application.refresh_from_db()
    assert application.state == "completed"


def test_the_form_proposes_today_as_the_arrival_date(paper: Paper, client: Client) -> None:
    application = dispatched(paper)
    page = _as(client, paper, "exam_centre_clerk").get(_detail(application)).content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in page
