"""Replacement in the holders' portal (issue 17): the holder applies for a paper certificate of
the certificate database, each refusal of the rules is shown beside its field, and the holder
follows the application's steps, withdraws it, and is told when it is returned or completed."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.catalogue.models import Qualification
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import Outcome, State
from ecert.credentials.models import Credential
from ecert.replacement.models import Application
from ecert.replacement.services import (
    application_accept,
    application_complete,
    application_return,
    application_submit,
    batch_submit,
    score_proof_issue,
)
from tests.conftest import PLACES, cast_id_number
from tests.distribution.conftest import SD_ROWS, Paper, _csv, deliver, records_load
from tests.distribution.conftest import paper as paper  # the fixture
from tests.photos import id_photo
from tests.replacement.conftest import holder_input

JINAN = SD_ROWS[0][0]  # 张堃's 一级建造师, approved 2025; 张堃 also holds its e-proof
SUN_YUN = SD_ROWS[2][0]  # another holder's certificate, handed out in Jinan
WORK_NEED = "投标须出示纸质证书原件"
MAIL = {
    "method": "mail",
    "phone": "138 0000 1111",
    "recipient": "张堃",
    "address": "山东省济南市历下区泉城路 1 号",
    "postcode": "250011",
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(paper: Paper, client: Client) -> Client:
    client.force_login(paper.users["holder"])
    return client


def _apply_url(record: Credential) -> str:
    return reverse("portal:replacement_apply", args=[record.public_id])


def _form(record: Credential, **changes: object) -> dict[str, object]:
    """What the prefilled form sends back, with ``changes``."""
    data: dict[str, object] = {
        "reason": "lost",
        "name": record.holder_name,
        "id_number": cast_id_number(1),
        "level": record.level,
        "specialty": record.specialty,
        "approval_date": record.approval_date.isoformat(),
        **MAIL,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _holder_record(paper: Paper, key: str, level: str, approved: date, number: str) -> Credential:
    """Another paper certificate of 张堃 on record, loaded as the records of a sitting are."""
    cast_ids = {name: cast_id_number(seq) for name, _i, _c, _r, seq in PLACES.values()}
    records_load(
        paper.world.authorities["sd-pta"],
        Qualification.objects.get(key=key),
        _csv(((number, "张堃", None, "济南市"),), level, "", approved, cast_ids),
    )
    return paper.record(number)


def _refusal(client: Client, record: Credential, field: str, **changes: object) -> str:
    """Post the form; it comes back with the refusal beside ``field`` and nothing is made."""
    response = client.post(_apply_url(record), _form(record, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page
    assert not Application.objects.filter(credential=record).exists()
    return page.split(f'data-testid="error-{field}">', 1)[1].split("</p>", 1)[0]


# ── Applying ────────────────────────────────────────────────────────────────────────────────────


def test_a_paper_record_offers_the_application(paper: Paper, holder: Client) -> None:
    record = paper.record(JINAN)
    page = holder.get(reverse("portal:credential_detail", args=[record.public_id])).content
    assert "申请补发/更换/信息变更" in page.decode()
    assert _apply_url(record) in page.decode()


def test_an_electronic_credential_has_no_application(paper: Paper, holder: Client) -> None:
    proof = paper.world.credentials["jinan"]
    assert holder.get(_apply_url(proof)).status_code == 404


def test_the_form_is_filled_from_the_record_and_asks_for_the_work_need(
    paper: Paper, holder: Client
) -> None:
    page = holder.get(_apply_url(paper.record(JINAN))).content.decode()
    assert "个人补发（更换）证书申请" in page
    assert 'value="张堃"' in page
    assert f'value="{cast_id_number(1)}"' in page
    assert 'data-testid="work-need"' in page
    assert 'data-testid="error-work_need"' not in page  # the rule in a sentence, no refusal
    assert "原则上不再补办" in page
    assert 'data-testid="photo"' not in page  # approved in 2025: no photo
    assert "成绩合格证明" in page


def test_the_holder_applies_with_mail_and_sees_it_awaiting_acceptance(
    paper: Paper, holder: Client
) -> None:
    record = paper.record(JINAN)
    response = holder.post(_apply_url(record), _form(record, work_need=WORK_NEED))
    application = Application.objects.get(credential=record)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "portal:replacement_detail", args=[application.reference]
    )
    assert (application.state, application.method) == (State.SUBMITTED, Method.MAIL)
    assert (application.mail_phone, application.phone) == ("13800001111", "13800001111")
    assert application.work_need == WORK_NEED
    page = holder.get(response["Location"]).content.decode()
    assert "待受理" in page
    assert "待济南市人力资源和社会保障局核对受理" in page
    assert "您在网上提交了申请" in page
    assert 'data-testid="withdraw"' in page


def test_a_recipient_with_a_phone_of_their_own_gets_it_on_the_parcel(
    paper: Paper, holder: Client
) -> None:
    record = paper.record(JINAN)
    page = holder.get(_apply_url(record)).content.decode()
    assert 'name="mail_phone"' in page
    assert "收件人电话" in page
    mail = {"recipient": "张明", "mail_phone": "139 0000 2222"}
    holder.post(_apply_url(record), _form(record, work_need=WORK_NEED, **mail))
    application = Application.objects.get(credential=record)
    assert (application.mail_recipient, application.mail_phone) == ("张明", "13900002222")
    assert application.phone == "13800001111"


def test_the_list_and_the_certificate_lead_to_the_application(paper: Paper, holder: Client) -> None:
    record = paper.record(JINAN)
    holder.post(_apply_url(record), _form(record, work_need=WORK_NEED))
    reference = Application.objects.get(credential=record).reference
    listing = holder.get(reverse("portal:replacement_list")).content.decode()
    assert reference in listing
    assert "待受理" in listing
    detail = holder.get(reverse("portal:credential_detail", args=[record.public_id]))
    assert 'data-testid="replacement-open"' in detail.content.decode()
    again = holder.get(_apply_url(record))
    assert again["Location"] == reverse("portal:replacement_detail", args=[reference])
    home = holder.get(reverse("portal:credential_list")).content.decode()
    assert reverse("portal:replacement_list") in home


def test_an_information_change_says_what_changes(paper: Paper, holder: Client) -> None:
    record = paper.record(JINAN)
    response = holder.post(
        _apply_url(record),
        _form(record, reason="change", change_specialty="市政公用工程", work_need=WORK_NEED),
    )
    assert response.status_code == 302
    application = Application.objects.get(credential=record)
    assert application.outcome == Outcome.CORRECTION
    assert application.changes == {"specialty": "市政公用工程"}
    assert "市政公用工程" in holder.get(response["Location"]).content.decode()


# ── Each refusal beside its field ───────────────────────────────────────────────────────────────


def test_without_a_work_need_the_e_certificate_rule_is_said_beside_it(
    paper: Paper, holder: Client
) -> None:
    error = _refusal(holder, paper.record(JINAN), "work_need")
    assert "已实行电子证书（电子合格证明）的，纸质证书遗失、损毁原则上不再补办" in error


def test_a_paper_certificate_still_waiting_is_to_be_collected(paper: Paper, holder: Client) -> None:
    deliver(paper)
    error = _refusal(holder, paper.record(JINAN), "reason", work_need=WORK_NEED)
    assert "尚在发放单位等待领取" in error


def test_a_2015_certificate_needs_a_photo(paper: Paper, holder: Client) -> None:
    record = _holder_record(paper, "accounting", "中级", date(2015, 5, 16), "1537010000000501")
    page = holder.get(_apply_url(record)).content.decode()
    assert 'data-testid="photo"' in page
    assert "295×413" in page
    error = _refusal(holder, record, "photo")
    assert "补办 2017 年以前取得的证书须提供电子照片" in error


def test_a_2015_certificate_with_its_photo_is_received(paper: Paper, holder: Client) -> None:
    record = _holder_record(paper, "accounting", "中级", date(2015, 5, 16), "1537010000000501")
    data = _form(record, photo=_upload("zk.jpg", id_photo(kb=20)))
    assert holder.post(_apply_url(record), data).status_code == 302
    assert Application.objects.get(credential=record).photo_sha256


def test_a_photo_that_breaks_a_rule_is_said_beside_it(paper: Paper, holder: Client) -> None:
    record = _holder_record(paper, "accounting", "中级", date(2015, 5, 16), "1537010000000501")
    error = _refusal(holder, record, "photo", photo=_upload("zk.jpg", id_photo(kb=40)))
    assert "照片文件大小须在 10KB 至 30KB 之间" in error


def test_computer_software_needs_the_ministrys_form(paper: Paper, holder: Client) -> None:
    record = _holder_record(
        paper, "computer-software", "中级", date(2020, 11, 20), "2037010000000601"
    )
    page = holder.get(_apply_url(record)).content.decode()
    assert "主管部门指定的补发（更换）申请表" in page
    error = _refusal(holder, record, "ministry_form")
    assert "须附主管部门指定的补发（更换）申请表" in error
    form = _upload("申请表.pdf", b"%PDF-1.4\n% the ministry's form\n")
    assert holder.post(_apply_url(record), _form(record, ministry_form=form)).status_code == 302


def test_a_wrong_id_number_is_said_beside_it(paper: Paper, holder: Client) -> None:
    error = _refusal(
        holder, paper.record(JINAN), "id_number", id_number="370102198805170000", work_need="x"
    )
    assert "证件号码" in error


def test_mail_without_an_address_is_said_beside_it(paper: Paper, holder: Client) -> None:
    error = _refusal(holder, paper.record(JINAN), "address", address="", work_need=WORK_NEED)
    assert "邮寄地址" in error


def test_a_change_with_nothing_to_change_is_said_beside_it(paper: Paper, holder: Client) -> None:
    error = _refusal(holder, paper.record(JINAN), "change_name", reason="change")
    assert "须填写要修改的内容" in error


def test_an_abolished_qualification_is_explained(paper: Paper, holder: Client) -> None:
    record = _holder_record(paper, "advertising", "", date(2012, 6, 1), "1237010000000701")
    page = holder.get(_apply_url(record)).content.decode()
    assert "职/执业资格证明" in page
    assert 'data-testid="score-proof"' not in page
    assert holder.post(_apply_url(record), _form(record, level="")).status_code == 302
    assert Application.objects.get(credential=record).outcome == Outcome.QUALIFICATION_PROOF


# ── Following it ────────────────────────────────────────────────────────────────────────────────


def _applied(paper: Paper, holder: Client) -> Application:
    record = paper.record(JINAN)
    assert holder.post(_apply_url(record), _form(record, work_need=WORK_NEED)).status_code == 302
    return Application.objects.get(credential=record)


def _detail(holder: Client, application: Application) -> str:
    response = holder.get(reverse("portal:replacement_detail", args=[application.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_another_holders_application_answers_not_found(paper: Paper, holder: Client) -> None:
    record = paper.record(SUN_YUN)
    theirs = application_submit(
        actor=paper.users["jinan_clerk"], credential=record, form=holder_input(record)
    )
    detail = reverse("portal:replacement_detail", args=[theirs.reference])
    withdraw = reverse("portal:replacement_withdraw", args=[theirs.reference])
    missing = reverse("portal:replacement_detail", args=["BH20261110-000000"])
    assert holder.get(detail).status_code == 404
    assert holder.get(missing).status_code == 404
    assert holder.post(withdraw).status_code == 404
    assert Application.objects.get(pk=theirs.pk).state == State.SUBMITTED
    assert theirs.reference not in holder.get(reverse("portal:replacement_list")).content.decode()


def test_the_holder_withdraws_before_acceptance(paper: Paper, holder: Client) -> None:
    application = _applied(paper, holder)
    url = reverse("portal:replacement_withdraw", args=[application.reference])
    assert holder.get(url).status_code == 405
    assert holder.post(url).status_code == 302
    page = _detail(holder, application)
    assert "已撤回" in page
    assert "您撤回了申请" in page
    assert 'data-testid="withdraw"' not in page
    again = holder.post(url, follow=True).content.decode()
    assert "不能改为" in again  # said, not a server error


def test_the_timeline_shows_the_citys_acceptance(paper: Paper, holder: Client) -> None:
    application = _applied(paper, holder)
    application_accept(actor=paper.users["jinan_clerk"], application=application)
    page = _detail(holder, application)
    month = timezone.localdate()
    assert "已受理，待月末报送" in page
    assert "已列入济南市人力资源和社会保障局本月批次，待报送山东省人事考试中心" in page
    assert f"列入{month.year}年{month.month}月批次" in page
    assert 'data-testid="withdraw"' not in page


def test_a_return_is_shown_with_its_reason_and_named_on_the_home_page(
    paper: Paper, holder: Client
) -> None:
    application = _applied(paper, holder)
    application_accept(actor=paper.users["jinan_clerk"], application=application)
    application_return(
        actor=paper.users["jinan_clerk"], application=application, reason="照片底色不是白色"
    )
    page = _detail(holder, application)
    assert 'data-testid="return-reason"' in page
    assert "照片底色不是白色" in page.split('data-testid="return-reason"', 1)[1]
    assert "济南市人力资源和社会保障局退回：照片底色不是白色" in page
    home = holder.get(reverse("portal:credential_list")).content.decode()
    assert 'data-testid="application-notice"' in home
    assert f"您的补换申请 {application.reference} 已于" in home
    assert "被退回" in home


def test_the_score_proof_is_linked_once_issued(paper: Paper, holder: Client) -> None:
    record = paper.record(JINAN)
    data = _form(record, work_need=WORK_NEED, score_proof="on")
    assert holder.post(_apply_url(record), data).status_code == 302
    application = Application.objects.get(credential=record)
    assert "已申请，受理后开具" in _detail(holder, application)
    application_accept(actor=paper.users["jinan_clerk"], application=application)
    score_proof_issue(actor=paper.users["exam_centre_clerk"], application=application)
    application.refresh_from_db()
    assert application.score_proof is not None
    page = _detail(holder, application)
    proof_url = reverse("portal:credential_detail", args=[application.score_proof.public_id])
    assert f'href="{proof_url}" data-testid="score-proof-link"' in page
    assert "山东省人事考试中心已为您开具成绩合格证明" in page
    assert holder.get(proof_url).status_code == 200


def test_completion_names_the_new_certificate_and_the_home_page_says_so(
    paper: Paper, holder: Client
) -> None:
    application = _applied(paper, holder)
    application_accept(actor=paper.users["jinan_clerk"], application=application)
    application.refresh_from_db()
    assert application.batch is not None
    batch_submit(actor=paper.users["jinan_clerk"], batch=application.batch)
    application_complete(
        actor=paper.users["exam_centre_clerk"],
        application=application,
        number="2637010000000999",
        arrived_on=timezone.localdate(),
    )
    page = _detail(holder, application)
    assert "已办结" in page
    assert 'data-testid="completed-notice"' in page
    assert 'data-testid="result-link"' in page
    assert "已办结：山东省人事考试中心已登记新证书，管理号 2637010000000999" in page
    home = holder.get(reverse("portal:credential_list")).content.decode()
    assert f"您的补换申请 {application.reference} 已办结" in home
    assert "新证书（管理号 2637010000000999）已到" in home


def _upload(name: str, data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
