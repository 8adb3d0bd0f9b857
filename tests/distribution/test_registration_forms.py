"""Old-version certificates: the registration form is recorded from the certificate database, its
missing key fields are named, a whole ID number is never stored in it, and it prints (seed 001
一(二))."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Edition, RegistrationFormType, missing_key_fields
from ecert.credentials.services import holder_id_number
from ecert.distribution.models import PaperEvent, PaperEventKind, RegistrationForm
from ecert.distribution.registration_forms import (
    registration_form_record,
)
from tests.distribution.conftest import Paper, deliver

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
JINAN = "2537010000000201"  # the cast's Jinan holder 张堃, handed out by the Jinan bureau
KAIFENG = "2541020000000302"  # Henan: handed out by the province finance department
FILLED = {
    "form_type": "practising",
    "work_unit": "济南某建筑公司",
    "exam_year": "2025",
    "birth_month": "1988年05月",
    "education": "本科",
    "photo": "on",
    "unit_seal": "on",
    "exam_body_seal": "on",
}


@pytest.fixture
def old(paper: Paper) -> Paper:
    deliver(paper, edition=Edition.OLD)
    return paper


def _url(paper: Paper, number: str, name: str = "backoffice:paper_registration_form") -> str:
    return reverse(name, args=[paper.record(number).public_id])


def _pdftotext(pdf: bytes) -> str:
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool reading standard input
        [tool, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return "".join(done.stdout.decode().split())


def test_the_form_is_prefilled_from_the_certificate_database(old: Paper, client: Client) -> None:
    client.force_login(old.users["jinan_clerk"])
    page = client.get(_url(old, JINAN)).content.decode()
    assert 'value="张堃"' in page
    assert f'value="{JINAN}"' in page
    assert 'value="2025年09月01日"' in page
    assert "readonly" in page  # what the record has is not typed over


def test_a_form_without_work_unit_and_seals_is_recorded_as_incomplete(
    old: Paper, client: Client
) -> None:
    client.force_login(old.users["jinan_clerk"])
    response = client.post(_url(old, JINAN), {"form_type": "professional", "exam_year": "2025"})
    assert response.status_code == 302
    form = RegistrationForm.objects.get(credential=old.record(JINAN))
    assert not form.complete
    page = client.get(_url(old, JINAN)).content.decode()
    assert 'data-complete="no"' in page
    for label in ("工作单位", "出生年月", "照片（已粘贴）", "单位审核盖章", "人事考试机构审核盖章"):
        assert label in page
    event = PaperEvent.objects.get(kind=PaperEventKind.FORM)
    assert event.detail["complete"] is False
    assert "work_unit" in event.detail["missing"]
    assert AuditEvent.objects.filter(action="paper.registration_form_recorded").count() == 1


def test_a_form_with_every_key_field_and_both_seals_is_complete(old: Paper, client: Client) -> None:
    client.force_login(old.users["jinan_clerk"])
    client.post(_url(old, JINAN), FILLED)
    form = RegistrationForm.objects.get(credential=old.record(JINAN))
    assert form.complete
    assert form.form_type == RegistrationFormType.PRACTISING
    assert form.fields["name"] == "张堃"  # from the record
    assert 'data-complete="yes"' in client.get(_url(old, JINAN)).content.decode()


def test_recording_again_replaces_the_form(old: Paper, client: Client) -> None:
    client.force_login(old.users["jinan_clerk"])
    client.post(_url(old, JINAN), {**FILLED, "unit_seal": ""})
    assert not RegistrationForm.objects.get().complete
    client.post(_url(old, JINAN), FILLED)
    assert RegistrationForm.objects.get().complete
    assert PaperEvent.objects.filter(kind=PaperEventKind.FORM).count() == 2


def test_a_whole_id_number_is_never_stored_in_the_form(old: Paper, client: Client) -> None:
    record = old.record(JINAN)
    whole = holder_id_number(record.holder)
    client.force_login(old.users["jinan_clerk"])
    client.post(_url(old, JINAN), {**FILLED, "id_number": whole, "note": "身份证已核验"})
    form = RegistrationForm.objects.get()
    assert "id_number" not in form.fields
    assert whole not in json.dumps(form.fields, ensure_ascii=False)
    assert form.complete  # the ID number is the holder's, always there


def test_a_typed_value_that_differs_from_the_record_is_refused(old: Paper, client: Client) -> None:
    client.force_login(old.users["jinan_clerk"])
    response = client.post(_url(old, JINAN), {**FILLED, "name": "李四"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="error-name"' in page
    assert "与证书数据库不一致" in page
    assert not RegistrationForm.objects.exists()


def test_a_formula_in_a_typed_field_is_refused(old: Paper, client: Client) -> None:
    client.force_login(old.users["jinan_clerk"])
    response = client.post(_url(old, JINAN), {**FILLED, "work_unit": "=HYPERLINK(1)"})
    assert 'data-testid="error-work_unit"' in response.content.decode()
    assert not RegistrationForm.objects.exists()


def test_a_new_version_certificate_needs_no_form(paper: Paper, client: Client) -> None:
    deliver(paper)  # new edition
    client.force_login(paper.users["jinan_clerk"])
    page = client.get(_url(paper, JINAN)).content.decode()
    assert 'data-testid="not-old"' in page
    assert 'data-testid="registration-form"' not in page
    client.post(_url(paper, JINAN), FILLED)
    assert not RegistrationForm.objects.exists()
    with pytest.raises(EcertError) as refused:
        registration_form_record(
            actor=paper.users["jinan_clerk"],
            certificate=paper.certificate(JINAN),
            form_type=RegistrationFormType.PROFESSIONAL,
            fields=FILLED,
            now=NOW,
        )
    assert refused.value.code == "not_old_edition"


def test_the_printed_form_shows_the_fields_and_the_whole_id_number(
    old: Paper, client: Client
) -> None:
    client.force_login(old.users["jinan_clerk"])
    client.post(_url(old, JINAN), FILLED)
    response = client.get(_url(old, JINAN, "backoffice:paper_registration_form_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = _pdftotext(response.content)
    assert "执（职）业资格考试登记表" in text
    assert "张堃" in text
    assert holder_id_number(old.record(JINAN).holder) in text  # the holder's own form
    assert "济南某建筑公司" in text
    assert JINAN in text
    assert "已盖章" in text
    assert AuditEvent.objects.filter(action="paper.registration_form_printed").count() == 1


def test_a_form_prints_before_it_is_recorded_with_blanks_to_fill_by_hand(
    old: Paper, client: Client
) -> None:
    client.force_login(old.users["exam_centre_clerk"])  # the centre that received the delivery
    response = client.get(_url(old, JINAN, "backoffice:paper_registration_form_pdf"))
    text = _pdftotext(response.content)
    assert "专业技术资格考试登记表" in text
    assert "张堃" in text
    assert "已盖章" not in text


@pytest.mark.parametrize(
    "who", ["qingdao_clerk", "county_clerk", "department_clerk", "ha_finance_clerk"]
)
@pytest.mark.parametrize(
    "name", ["backoffice:paper_registration_form", "backoffice:paper_registration_form_pdf"]
)
def test_a_certificate_another_unit_hands_out_is_not_found(
    old: Paper, client: Client, who: str, name: str
) -> None:
    client.force_login(old.users[who])
    assert client.get(_url(old, JINAN, name)).status_code == 404
    assert client.post(_url(old, JINAN), FILLED).status_code == 404
    assert not RegistrationForm.objects.exists()


def test_the_service_refuses_a_clerk_out_of_scope_as_not_found(old: Paper) -> None:
    with pytest.raises(EcertError) as refused:
        registration_form_record(
            actor=old.users["qingdao_clerk"],
            certificate=old.certificate(JINAN),
            form_type=RegistrationFormType.PROFESSIONAL,
            fields=FILLED,
            now=NOW,
        )
    assert refused.value.code == "not_found"


def test_henan_the_province_department_records_the_form_the_city_one_does_not(
    paper: Paper, client: Client
) -> None:
    deliver(paper, henan=True, edition=Edition.OLD)
    client.force_login(paper.users["zhengzhou_finance_clerk"])
    assert client.get(_url(paper, KAIFENG)).status_code == 404
    client.force_login(paper.users["ha_finance_clerk"])
    filled = {key: value for key, value in FILLED.items() if key != "birth_month"}
    client.post(_url(paper, KAIFENG), {**filled, "work_unit": "开封某会计师事务所"})
    form = RegistrationForm.objects.get(credential=paper.record(KAIFENG))
    assert form.complete  # 会计（中级） has no specialty on record: not a key field here


def test_level_and_specialty_are_key_only_where_the_record_has_them() -> None:
    fields = {key: "x" for key in ("name", "id_number", "sex", "birth_month", "work_unit")}
    fields |= {key: "x" for key in ("qualification", "exam_year", "approval_date")}
    fields |= {key: "1" for key in ("management_number", "photo", "unit_seal", "exam_body_seal")}
    assert [key for key, *_ in missing_key_fields(fields)] == ["level", "specialty"]
    assert missing_key_fields(fields, not_recorded=frozenset({"level", "specialty"})) == []
