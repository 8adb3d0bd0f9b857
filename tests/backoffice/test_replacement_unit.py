"""The receiving unit's replacement pages (issue 17 items 1, 3, 4): the Jinan clerk lists the
applications it received, registers one at the counter, checks one against the record, accepts
or returns it, and submits the month's batch; other units are told "not found"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from ecert.core.rules.replacement import BatchState, Channel, Reason, State
from ecert.credentials.models import Credential
from ecert.replacement.models import Application, Batch
from ecert.replacement.services import application_accept, batch_return, batch_submit
from tests.distribution.conftest import Paper, sd_id
from tests.photos import id_photo
from tests.replacement.conftest import APPLIED, apply, paper

pytestmark = pytest.mark.django_db
__all__ = ["paper"]

WORK_NEED = "投标须出示纸质证书原件"
SUN_YUN = "2537010000000203"  # 孙芸's 一级建造师, handed out in Jinan; no electronic certificate
LIST = "backoffice:replacement_list"
NEW = "backoffice:replacement_new"


def signed_in(client: Client, paper: Paper, who: str) -> Client:
    client.force_login(paper.users[who])
    return client


def text(response: HttpResponseBase) -> str:
    assert isinstance(response, HttpResponse)
    return response.content.decode()


def counter_form(number: str = SUN_YUN, **changes: object) -> dict[str, object]:
    """What the counter types from 孙芸's paper form, right."""
    record = Credential.objects.get(management_number=number, form="paper")
    values: dict[str, object] = {
        "credential": record.public_id,
        "reason": Reason.LOST.value,
        "name": "孙芸",
        "id_number": sd_id(203),
        "level": "一级",
        "specialty": "建筑工程",
        "approval_date": record.approval_date.isoformat(),
        "phone": "13900000203",
        "method": "counter",
    }
    values.update(changes)
    return values


# ── The list ───────────────────────────────────────────────────────────────────────────────────


def test_the_list_shows_the_units_applications_with_where_each_is(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    page = text(signed_in(client, paper, "jinan_clerk").get(reverse(LIST)))
    assert application.reference in page
    assert "待受理" in page
    assert "遗失" in page
    assert "网上申请" in page
    assert "待济南市人力资源和社会保障局核对受理" in page or "核对受理" in page


def test_another_city_does_not_see_the_application(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    page = text(signed_in(client, paper, "qingdao_clerk").get(reverse(LIST)))
    assert application.reference not in page


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "2537010000000201"}, True),
        ({"q": "张堃"}, True),
        ({"q": "<reference>"}, True),
        ({"q": "2537010000000203"}, False),
        ({"state": "submitted"}, True),
        ({"state": "accepted"}, False),
        ({"reason": "lost"}, True),
        ({"reason": "change"}, False),
        ({"month": "2026-11"}, True),
        ({"month": "2026-10"}, False),
    ],
)
def test_the_list_filters(paper, client, query, found):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    query = {k: v.replace("<reference>", application.reference) for k, v in query.items()}
    page = text(signed_in(client, paper, "jinan_clerk").get(reverse(LIST), query))
    assert (f'data-reference="{application.reference}"' in page) is found


def test_the_navigation_names_replacements_for_those_who_handle_them(paper, client):
    page = text(signed_in(client, paper, "jinan_clerk").get(reverse("backoffice:dashboard")))
    assert "补换证书" in page
    page = text(
        signed_in(Client(), paper, "institution_clerk").get(reverse("backoffice:dashboard"))
    )
    assert "补换证书" not in page


# ── Counter registration ───────────────────────────────────────────────────────────────────────


def test_the_counter_finds_the_record_and_registers_the_application(paper, client):
    clerk = signed_in(client, paper, "jinan_clerk")
    found = clerk.post(reverse(NEW), {"management_number": SUN_YUN, "who": sd_id(203)})
    assert found.status_code == 200
    assert 'data-testid="application-form"' in text(found)
    assert "孙芸" in text(found)
    answer = clerk.post(reverse(NEW), counter_form())
    application = Application.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse(
        "backoffice:replacement_detail", kwargs={"reference": application.reference}
    )
    assert application.channel == Channel.COUNTER
    assert application.unit.key == "sd-jinan"
    assert application.phone == "13900000203"


def test_the_counter_finds_the_record_by_name_too(paper, client):
    found = signed_in(client, paper, "jinan_clerk").post(
        reverse(NEW), {"management_number": SUN_YUN, "who": "孙芸"}
    )
    assert 'data-testid="application-form"' in text(found)


def test_a_record_of_another_city_is_answered_as_not_existing(paper, client):
    clerk = signed_in(client, paper, "qingdao_clerk")
    out_of_scope = text(clerk.post(reverse(NEW), {"management_number": SUN_YUN, "who": "孙芸"}))
    missing = text(
        clerk.post(reverse(NEW), {"management_number": "2537019999999999", "who": "孙芸"})
    )
    assert "application-form" not in out_of_scope
    assert "没有由本单位受理的" in out_of_scope
    assert "没有由本单位受理的" in missing


def test_a_wrong_name_finds_nothing(paper, client):
    page = signed_in(client, paper, "jinan_clerk").post(
        reverse(NEW), {"management_number": SUN_YUN, "who": "张三"}
    )
    assert "application-form" not in text(page)


def test_a_form_posted_for_a_record_out_of_scope_is_not_found(paper, client):
    answer = signed_in(client, paper, "qingdao_clerk").post(reverse(NEW), counter_form())
    assert answer.status_code == 404
    assert not Application.objects.exists()


def test_a_refusal_of_the_rules_is_shown_beside_its_field_and_nothing_is_kept(paper, client):
    # 张堃 has an electronic certificate of the same exam: a work need must be stated.
    record = paper.record("2537010000000201")
    form = counter_form(
        "2537010000000201",
        name="张堃",
        id_number=_holder_id(record),
        specialty="建筑工程",
    )
    page = text(signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form))
    assert 'data-testid="work-need"' in page
    beside = page.split('data-field="work_need"', 1)[1]
    assert "确因工作需要" in beside.split("</fieldset>", 1)[0]
    assert not Application.objects.exists()


def test_a_bad_id_number_is_shown_beside_the_id_number(paper, client):
    form = counter_form(id_number="370102199001020000")
    page = text(signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form))
    after = page.split('data-field="id_number"', 1)[1].split('data-field="level"', 1)[0]
    assert "校验位" in after
    assert not Application.objects.exists()


def test_mail_without_an_address_is_refused_beside_the_address(paper, client):
    form = counter_form(method="mail", recipient="孙芸", mail_phone="13900000203")
    page = text(signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form))
    assert "application-form" in page
    assert not Application.objects.exists()
    assert 'class="errorlist' in page


def test_mail_with_an_address_is_kept(paper, client):
    form = counter_form(
        method="mail",
        recipient="孙芸",
        mail_phone="13900000203",
        address="山东省济南市历下区泉城路 1 号",
        postcode="250000",
    )
    signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form)
    application = Application.objects.get()
    assert application.method == "mail"
    assert application.mail_address == "山东省济南市历下区泉城路 1 号"


def test_mail_to_the_applicant_carries_the_applicants_phone(paper, client):
    form = counter_form(
        method="mail", recipient="孙芸", address="山东省济南市历下区泉城路 1 号", postcode="250000"
    )
    signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form)
    application = Application.objects.get()
    assert (application.mail_recipient, application.mail_phone) == ("孙芸", "13900000203")


def test_the_counter_asks_what_the_portal_asks(paper, client):
    """One form: the counter's page has the holder's fields, with no photo after 2017."""
    clerk = signed_in(client, paper, "jinan_clerk")
    page = text(clerk.post(reverse(NEW), {"management_number": SUN_YUN, "who": "孙芸"}))
    for field in ("reason", "name", "id_number", "phone", "recipient", "mail_phone", "postcode"):
        assert f'data-field="{field}"' in page
    assert 'data-field="photo"' not in page
    assert "2017 年起批准的证书补办无需照片" in page


def test_a_certificate_before_2017_asks_for_the_photo(paper, client):
    Credential.objects.filter(management_number=SUN_YUN).update(approval_date=date(2015, 5, 1))
    clerk = signed_in(client, paper, "jinan_clerk")
    found = text(clerk.post(reverse(NEW), {"management_number": SUN_YUN, "who": "孙芸"}))
    assert 'data-testid="photo-needed"' in found
    without = text(clerk.post(reverse(NEW), counter_form(approval_date="2015-05-01")))
    assert "application-form" in without
    assert not Application.objects.exists()
    photo = SimpleUploadedFile("孙芸.jpg", id_photo(), content_type="image/jpeg")
    clerk.post(reverse(NEW), counter_form(approval_date="2015-05-01", photo=photo))
    application = Application.objects.get()
    assert bytes(application.photo_jpeg or b"")[:2] == b"\xff\xd8"
    shown = clerk.get(
        reverse("backoffice:replacement_photo", kwargs={"reference": application.reference})
    )
    assert shown["Content-Type"] == "image/jpeg"


def test_an_information_change_needs_what_is_to_change(paper, client):
    form = counter_form(reason="change")
    page = text(signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form))
    assert "须填写要修改的内容" in page
    assert not Application.objects.exists()


def test_an_information_change_is_kept_with_its_changes(paper, client):
    form = counter_form(reason="change", change_name="孙云")
    signed_in(client, paper, "jinan_clerk").post(reverse(NEW), form)
    application = Application.objects.get()
    assert application.changes == {"name": "孙云"}
    assert application.outcome == "correction"


# ── The check and the decision ─────────────────────────────────────────────────────────────────


def test_the_detail_highlights_a_difference_and_says_the_record_wins(paper, client):
    clerk = signed_in(client, paper, "jinan_clerk")
    clerk.post(reverse(NEW), counter_form(level="二级"))
    application = Application.objects.get()
    page = text(clerk.get(_detail(application)))
    assert 'data-field="level" data-differs="1"' in page
    assert 'data-field="name" data-differs' not in page
    assert "核对信息须依据证书数据库" in page or "以证书数据库为准" in page


def test_the_work_need_is_shown_to_the_reviewer(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    page = text(signed_in(client, paper, "jinan_clerk").get(_detail(application)))
    assert WORK_NEED in page.split('data-testid="work-need"', 1)[1]


def test_an_application_of_another_city_is_not_found(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    clerk = signed_in(client, paper, "qingdao_clerk")
    assert clerk.get(_detail(application)).status_code == 404
    assert clerk.post(_url("accept", application)).status_code == 404
    assert clerk.post(_url("return", application), {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_accepting_puts_the_application_in_the_months_batch(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    clerk = signed_in(client, paper, "jinan_clerk")
    clerk.post(_url("accept", application))
    application.refresh_from_db()
    assert application.state == State.ACCEPTED
    assert application.batch is not None
    page = text(clerk.get(_detail(application)))
    assert "已受理，待月末报送" in page
    assert "已受理" in page.split('data-testid="timeline"', 1)[1]


def test_returning_needs_a_reason(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    clerk = signed_in(client, paper, "jinan_clerk")
    answer = clerk.post(_url("return", application), {"reason": "  "}, follow=True)
    assert "须填写退回原因" in text(answer)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED


def test_returning_with_a_reason_puts_it_on_the_timeline(paper, client):
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    clerk = signed_in(client, paper, "jinan_clerk")
    answer = clerk.post(
        _url("return", application), {"reason": "照片不清晰，请重新提交"}, follow=True
    )
    application.refresh_from_db()
    assert application.state == State.RETURNED
    assert "照片不清晰，请重新提交" in text(answer).split('data-testid="timeline"', 1)[1]
    assert 'data-testid="decide"' not in text(answer)


# ── The month's batch ──────────────────────────────────────────────────────────────────────────


def _accepted(paper: Paper) -> Application:
    application = apply(paper, paper.users["holder"], work_need=WORK_NEED)
    return application_accept(
        actor=paper.users["jinan_clerk"], application=application, now=APPLIED + timedelta(hours=1)
    )


def test_the_batch_list_shows_the_months_batch(paper, client):
    application = _accepted(paper)
    assert application.batch is not None
    page = text(
        signed_in(client, paper, "jinan_clerk").get(
            reverse("backoffice:replacement_unit_batch_list")
        )
    )
    assert application.batch.reference in page
    assert "汇总中" in page


def test_a_batch_is_submitted_after_confirmation_and_then_frozen(paper, client):
    batch = _accepted(paper).batch
    assert batch is not None
    clerk = signed_in(client, paper, "jinan_clerk")
    unconfirmed = clerk.post(_batch_url("submit", batch), follow=True)
    assert "请勾选" in text(unconfirmed)
    batch.refresh_from_db()
    assert batch.state == BatchState.OPEN
    answer = clerk.post(_batch_url("submit", batch), {"confirm": "yes"}, follow=True)
    batch.refresh_from_db()
    assert batch.state == BatchState.SUBMITTED
    assert 'data-testid="frozen"' in text(answer)
    assert 'data-testid="submit-form"' not in text(answer)


def test_an_empty_batch_is_not_submitted(paper, client):
    application = _accepted(paper)
    batch = application.batch
    assert batch is not None
    clerk = signed_in(client, paper, "jinan_clerk")
    clerk.post(_url("return", application), {"reason": "信息有误"})
    answer = clerk.post(_batch_url("submit", batch), {"confirm": "yes"}, follow=True)
    assert "没有已受理的申请" in text(answer)
    batch.refresh_from_db()
    assert batch.state == BatchState.OPEN


def test_a_returned_batch_shows_the_reason_of_the_level_above(paper, client):
    batch = _accepted(paper).batch
    assert batch is not None
    batch_submit(actor=paper.users["jinan_clerk"], batch=batch, now=APPLIED + timedelta(hours=2))
    batch_return(
        actor=paper.users["exam_centre_clerk"],
        batch=batch,
        reason="第 1 份申请的批准日期有误",
        now=APPLIED + timedelta(hours=3),
    )
    page = text(signed_in(client, paper, "jinan_clerk").get(_batch_url("detail", batch)))
    assert "第 1 份申请的批准日期有误" in page.split('data-testid="batch-return-reason"', 1)[1]
    assert 'data-testid="submit-form"' in page


def test_a_batch_of_another_city_is_not_found(paper, client):
    batch = _accepted(paper).batch
    assert batch is not None
    clerk = signed_in(client, paper, "qingdao_clerk")
    assert clerk.get(_batch_url("detail", batch)).status_code == 404
    assert clerk.post(_batch_url("submit", batch), {"confirm": "yes"}).status_code == 404
    assert Batch.objects.get().state == BatchState.OPEN


# ── Henan ──────────────────────────────────────────────────────────────────────────────────────


def test_the_zhengzhou_finance_department_receives_its_accounting_applications(paper, client):
    # 赵昇 (Zhengzhou) has an e-proof of his 会计（中级）: the counter registers it with his need.
    application = apply(
        paper, paper.users["zhengzhou_finance_clerk"], "2541010000000301", work_need=WORK_NEED
    )
    clerk = signed_in(client, paper, "zhengzhou_finance_clerk")
    assert application.reference in text(clerk.get(reverse(LIST)))
    clerk.post(_url("accept", application))
    application.refresh_from_db()
    assert application.state == State.ACCEPTED


# ── helpers ────────────────────────────────────────────────────────────────────────────────────


def _holder_id(record: Credential) -> str:
    from ecert.credentials.services import holder_id_number

    return holder_id_number(record.holder)


def _detail(application: Application) -> str:
    return reverse("backoffice:replacement_detail", kwargs={"reference": application.reference})


def _url(action: str, application: Application) -> str:
    return reverse(f"backoffice:replacement_{action}", kwargs={"reference": application.reference})


def _batch_url(action: str, batch: Batch) -> str:
    return reverse(
        f"backoffice:replacement_unit_batch_{action}", kwargs={"reference": batch.reference}
    )
