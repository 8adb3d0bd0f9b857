"""The exam centre completes applications (issue 17 items 2, 8, 9): the score proof asked for,
the new certificate that supersedes the old (with a new number or the same), the correction of an
information change, the 职/执业资格证明 of an abolished qualification; paper distribution takes
the new certificate over and public verification of the old one says 已换发."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import Outcome, Reason, State
from ecert.credentials.models import Credential
from ecert.distribution.models import PaperCertificate
from ecert.distribution.services import MailAddress
from ecert.replacement.models import Application
from ecert.replacement.services import (
    application_complete,
    application_submit,
    score_proof_issue,
)
from tests.conftest import cast_id_number
from tests.distribution.conftest import Paper, _csv, records_load, sd_id
from tests.replacement.centre import ARRIVED_ON, LATER, WORK_NEED, sent_on
from tests.replacement.conftest import APPLIED, HA_NUMBER, SD_NUMBER, apply, holder_input

pytestmark = pytest.mark.django_db

QUERY_API = "/api/v1/query"
ABOLISHED_NUMBER = "2037010000000501"


def complete(
    paper: Paper, application: Application, number: str = "", **kwargs: object
) -> Application:
    clerk = "exam_centre_clerk" if application.exam_centre.key == "sd-pta" else "ha_centre_clerk"
    return application_complete(
        actor=paper.users[clerk],
        application=application,
        number=number,
        arrived_on=kwargs.pop("arrived_on", ARRIVED_ON),  # type: ignore[arg-type]
        now=LATER,
    )


def public_answer(client: Client, name: str, id_number: str, number: str) -> str:
    page = client.post(
        reverse("verify:query"), {"name": name, "id_number": id_number, "number": number}
    )
    assert page.status_code == 200
    return page.content.decode()


# ── A replacement ──────────────────────────────────────────────────────────────────────────────


def test_replacement_with_a_new_number_supersedes_the_old(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = complete(paper, application, "2637010000000999")
    old = Credential.objects.get(pk=done.credential_id)
    assert old.status == CredentialStatus.SUPERSEDED
    assert done.result is not None
    assert done.result.management_number == "2637010000000999"


def test_replacement_under_the_same_number_keeps_it(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = complete(paper, application)
    assert done.result is not None
    assert done.result.management_number == SD_NUMBER
    assert Credential.objects.get(pk=done.credential_id).status == CredentialStatus.SUPERSEDED


def test_the_new_certificate_is_handed_out_by_the_receiving_unit(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = complete(paper, application, "2637010000000999")
    new_paper = PaperCertificate.objects.get(credential=done.result)
    assert new_paper.unit.key == "sd-jinan"
    assert new_paper.state == "to_collect"


def test_mail_asked_for_in_the_application_is_carried_over(paper: Paper) -> None:
    address = MailAddress("张堃", "13800000000", "济南市历下区经十路 1 号", "250000")
    application = apply(
        paper, paper.users["holder"], work_need=WORK_NEED, method=Method.MAIL, address=address
    )
    done = complete(paper, sent_on(paper, application), "2637010000000999")
    new_paper = PaperCertificate.objects.get(credential=done.result)
    assert new_paper.state == "to_mail"
    assert new_paper.mail_address == "济南市历下区经十路 1 号"


def test_the_paper_timeline_says_the_application_chose_the_way(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = complete(paper, application, "2637010000000999")
    chosen = PaperCertificate.objects.get(credential=done.result).events.get(kind="chosen")
    assert chosen.detail["application"] == application.reference


def test_the_holder_s_timeline_ends_with_the_new_number(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = complete(paper, application, "2637010000000999")
    last = done.events.order_by("-at", "-id")[0]
    assert last.kind == "completed"
    assert last.note == "2637010000000999"


def test_completion_needs_the_arrival_date(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    with pytest.raises(EcertError) as refused:
        complete(paper, application, "2637010000000999", arrived_on=None)
    assert refused.value.field == "arrived_on"


def test_completion_before_the_batch_went_up_is_refused(paper: Paper) -> None:
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    with pytest.raises(EcertError) as refused:
        complete(paper, application, "2637010000000999")
    assert refused.value.code == "not_dispatched"


def test_a_city_clerk_cannot_complete(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    with pytest.raises(EcertError) as refused:
        application_complete(
            actor=paper.users["jinan_clerk"],
            application=application,
            number="2637010000000999",
            arrived_on=ARRIVED_ON,
            now=LATER,
        )
    assert refused.value.code == "not_found"


def test_a_number_already_on_record_is_refused_with_its_reason(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    with pytest.raises(EcertError) as refused:
        complete(paper, application, "2537020000000202")  # 钱昇's certificate
    assert refused.value.zh
    assert Application.objects.get(pk=application.pk).state == State.DISPATCHED


# ── Verification of the old certificate ────────────────────────────────────────────────────────


def test_public_query_of_the_old_certificate_says_replaced_and_names_the_new(
    paper: Paper, client: Client
) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    complete(paper, application, "2637010000000999")
    page = public_answer(client, "张堃", cast_id_number(1), SD_NUMBER)
    assert "已换发" in page
    assert "2637010000000999" in page


def test_public_api_of_the_old_certificate_names_the_new(paper: Paper, client: Client) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    complete(paper, application, "2637010000000999")
    answer = client.post(
        QUERY_API,
        {"name": "张堃", "id_number": cast_id_number(1), "number": SD_NUMBER},
        content_type="application/json",
    ).json()
    assert answer["answer"]["verdict"] == "superseded"
    assert answer["answer"]["replaced_by"] == "2637010000000999"


def test_public_query_under_the_same_number_answers_the_new_certificate(
    paper: Paper, client: Client
) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    complete(paper, application)
    page = public_answer(client, "张堃", cast_id_number(1), SD_NUMBER)
    assert 'data-verdict="valid"' in page


# ── An information change ──────────────────────────────────────────────────────────────────────


def correction(paper: Paper) -> Application:
    application = apply(
        paper, paper.users["holder"], reason=Reason.CHANGE, changes={"name": "张坤"}
    )
    assert application.outcome == Outcome.CORRECTION
    return complete(paper, sent_on(paper, application), "2637010000000998")


def test_the_corrected_record_carries_the_new_name(paper: Paper) -> None:
    done = correction(paper)
    assert done.result is not None
    assert done.result.holder_name == "张坤"
    assert done.result.management_number == "2637010000000998"


def test_the_old_record_verifies_superseded_naming_the_corrected(
    paper: Paper, client: Client
) -> None:
    correction(paper)
    page = public_answer(client, "张堃", cast_id_number(1), SD_NUMBER)
    assert 'data-verdict="superseded"' in page
    assert "2637010000000998" in page


def test_the_corrected_certificate_is_handed_out_on_paper(paper: Paper) -> None:
    done = correction(paper)
    assert PaperCertificate.objects.get(credential=done.result).unit.key == "sd-jinan"


# ── An abolished qualification: a 职/执业资格证明, no paper ─────────────────────────────────────────


def abolished_record(paper: Paper) -> Credential:
    advertising = Qualification.objects.get(key="advertising")
    rows = (("2037010000000501", "孙芸", sd_id(451), "济南市"),)
    records_load(
        paper.world.authorities["sd-pta"], advertising, _csv(rows, "", "", date(2010, 5, 1), {})
    )
    return paper.record(ABOLISHED_NUMBER)


def abolished_application(paper: Paper, **changes: object) -> Application:
    record = abolished_record(paper)
    return application_submit(
        actor=paper.users["jinan_clerk"],
        credential=record,
        form=holder_input(record, Reason.LOST, id_number=sd_id(451), **changes),
        now=APPLIED,
    )


def test_an_abolished_qualification_is_applied_for_as_a_proof(paper: Paper) -> None:
    assert abolished_application(paper).outcome == Outcome.QUALIFICATION_PROOF


def test_an_abolished_qualification_completes_with_a_proof(paper: Paper) -> None:
    done = complete(paper, sent_on(paper, abolished_application(paper)), arrived_on=None)
    assert done.result is not None
    assert done.result.kind == CredentialKind.QUALIFICATION_PROOF
    assert done.result.form == CredentialForm.ELECTRONIC


def test_an_abolished_qualification_gets_no_paper(paper: Paper) -> None:
    done = complete(paper, sent_on(paper, abolished_application(paper)), arrived_on=None)
    assert not PaperCertificate.objects.filter(credential=done.result).exists()


def test_the_abolished_record_stays_valid_beside_its_proof(paper: Paper) -> None:
    done = complete(paper, sent_on(paper, abolished_application(paper)), arrived_on=None)
    assert Credential.objects.get(pk=done.credential_id).status == CredentialStatus.VALID


def test_a_score_proof_for_an_abolished_qualification_is_refused(paper: Paper) -> None:
    with pytest.raises(EcertError) as refused:
        abolished_application(paper, score_proof=True)
    assert refused.value.code == "score_proof_abolished"
    assert "职/执业资格证明" in refused.value.zh


# ── The score proof asked for ──────────────────────────────────────────────────────────────────


def test_the_score_proof_asked_for_is_issued(paper: Paper) -> None:
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED, score_proof=True)
    done = score_proof_issue(
        actor=paper.users["exam_centre_clerk"], application=sent_on(paper, application), now=LATER
    )
    assert done.score_proof is not None
    assert done.score_proof.kind == CredentialKind.SCORE_PROOF


def test_a_score_proof_not_asked_for_is_refused(paper: Paper) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    with pytest.raises(EcertError) as refused:
        score_proof_issue(actor=paper.users["exam_centre_clerk"], application=application)
    assert refused.value.code == "score_proof_not_asked"


# ── Henan ──────────────────────────────────────────────────────────────────────────────────────


def henan_application(paper: Paper) -> Application:
    application = apply(
        paper, paper.users["zhengzhou_finance_clerk"], HA_NUMBER, work_need=WORK_NEED
    )
    return sent_on(paper, application)


def test_a_henan_replacement_is_completed_by_the_henan_exam_centre(paper: Paper) -> None:
    done = complete(paper, henan_application(paper), "2641010000000999")
    assert PaperCertificate.objects.get(credential=done.result).unit.key == "ha-zhengzhou-finance"


def test_a_henan_replacement_leaves_the_e_proof_as_it_was(paper: Paper) -> None:
    complete(paper, henan_application(paper), "2641010000000999")
    proof = Credential.objects.get(management_number="HA-PROOF-0301")
    assert proof.status == CredentialStatus.VALID
    assert proof.interim_ended_on is None


# ── The holder is told ─────────────────────────────────────────────────────────────────────────


def test_the_portal_home_tells_the_holder(paper: Paper, client: Client) -> None:
    application = sent_on(paper, apply(paper, paper.users["holder"], work_need=WORK_NEED))
    done = application_complete(  # now: the home page tells of the last 30 days
        actor=paper.users["exam_centre_clerk"],
        application=application,
        number="2637010000000999",
        arrived_on=ARRIVED_ON,
        now=timezone.now(),
    )
    client.force_login(paper.users["holder"])
    page = client.get(reverse("portal:credential_list")).content.decode()
    assert f'data-testid="completed-{application.reference}"' in page
    assert "新证书（管理号 2637010000000999）已到" in page
    assert done.result is not None
    assert (
        client.get(reverse("portal:credential_detail", args=[done.result.public_id])).status_code
        == 200
    )
