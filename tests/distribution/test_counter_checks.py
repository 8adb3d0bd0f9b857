"""Counter verification for organisations (seed 001 三(二)): a clerk compares an original paper
certificate with the certificate database and gives the organisation a sealed notice."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.core.documents.pades import pdf_check
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Edition
from ecert.credentials.services import holder_id_number
from ecert.distribution.counter_checks import OrganisationFacts, Presented, counter_check_record
from ecert.distribution.models import CounterCheck
from ecert.documents.models import SealImage
from ecert.signing.models import RootCertificate, SignerKey
from ecert.verification.models import VerificationEvent
from ecert.verification.spool import spool_drain
from tests.conftest import EMPLOYER_CREDIT_CODE
from tests.distribution.conftest import SD_APPROVED, Paper, deliver, sd_id

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SUN = "2537010000000203"  # 孙芸, registered in Jinan
QIAN = "2537020000000202"  # 钱昇, registered in Qingdao
ORGANISATION = {
    "organisation_name": "济南某建筑公司",
    "credit_code": EMPLOYER_CREDIT_CODE,
    "contact_name": "刘工",
}


def _shown(**changes: str) -> dict[str, str]:
    shown = {
        "unit": "sd-jinan",
        **ORGANISATION,
        "management_number": SUN,
        "name": "孙芸",
        "id_number": sd_id(203),
        "qualification": "constructor",
        "level": "一级",
        "approval_date": SD_APPROVED.isoformat(),
    }
    return shown | changes


def _check(client: Client, **changes: str) -> CounterCheck:
    response = client.post(reverse("backoffice:counter_check_new"), _shown(**changes))
    assert response.status_code == 302, response.content.decode()[-2000:]
    return CounterCheck.objects.get(reference=response["Location"].rstrip("/").split("/")[-1])


def _notice_text(client: Client, check: CounterCheck) -> str:
    response = client.get(reverse("backoffice:counter_check_notice", args=[check.reference]))
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    tool = shutil.which("pdftotext")
    assert tool is not None, "pdftotext is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool reading standard input
        [tool, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return "".join(done.stdout.decode().split())


def _logged() -> list[VerificationEvent]:
    spool_drain()
    return list(VerificationEvent.objects.filter(channel="counter"))


@pytest.fixture
def jinan(paper: Paper, jinan_seals: Authority, client: Client) -> Client:
    client.force_login(paper.users["jinan_clerk"])
    return client


def test_a_matching_certificate_gets_a_sealed_notice_saying_so(paper: Paper, jinan: Client) -> None:
    check = _check(jinan)
    assert (check.result, check.differences) == ("match", [])
    assert check.credential == paper.record(SUN)
    assert check.presented["id_number"] == "3701**********" + sd_id(203)[-4:]
    page = jinan.get(reverse("backoffice:counter_check_detail", args=[check.reference]))
    assert 'data-result="match"' in page.content.decode()
    text = _notice_text(jinan, check)
    assert "证书现场查询验证结果告知书" in text
    assert "与证书数据库记录相符" in text
    assert "证书数据库记录状态：有效" in text
    assert "济南某建筑公司" in text
    assert EMPLOYER_CREDIT_CODE in text
    assert "核对项目：管理号、姓名、证件号码、资格名称、级别、批准日期" in text
    assert check.presented["id_number"] in text
    assert sd_id(203) not in text
    assert "不对个人提供验证" in text
    assert "《专业技术资格考试登记表》或《执（职）业资格考试登记表》" in text
    assert "济南市人力资源和社会保障局" in text


def test_the_notice_is_sealed_by_the_unit_and_the_same_file_every_time(
    paper: Paper, jinan: Client
) -> None:
    check = _check(jinan)
    url = reverse("backoffice:counter_check_notice", args=[check.reference])
    first = b"".join(jinan.get(url).streaming_content)  # type: ignore[attr-defined]
    again = b"".join(jinan.get(url).streaming_content)  # type: ignore[attr-defined]
    assert first == again
    root = bytes(RootCertificate.objects.get(active=True).certificate)
    sealed = pdf_check(first, [root])
    assert sealed.original
    assert "济南市" in sealed.signer_name
    assert AuditEvent.objects.filter(action="paper.counter_check_notice_sealed").count() == 1


def test_the_check_is_in_the_verification_log_and_the_audit(paper: Paper, jinan: Client) -> None:
    check = _check(jinan)
    [event] = _logged()
    assert event.verdict == "valid"
    assert event.credential_id == paper.record(SUN).pk
    assert event.user_id == paper.users["jinan_clerk"].pk
    assert check.reference in event.asked
    assert sd_id(203) not in event.asked
    audit = AuditEvent.objects.get(action="paper.counter_checked")
    assert audit.object_id == check.reference
    assert audit.data["result"] == "match"


def test_the_registered_organisation_sees_the_check_in_its_log(
    paper: Paper, jinan: Client, employer_organisation: Any
) -> None:
    _check(jinan)
    assert [e.organisation_id for e in _logged()] == [employer_organisation.pk]


def test_differences_are_named_and_the_record_wins(paper: Paper, jinan: Client) -> None:
    check = _check(jinan, name="孙云", level="二级")
    assert (check.result, check.differences) == ("mismatch", ["name", "level"])
    text = _notice_text(jinan, check)
    assert "以下信息与证书数据库记录不符：姓名、级别" in text
    assert "以证书数据库记录为准" in text
    assert "证书数据库记录状态" not in text
    [event] = _logged()
    assert event.verdict == "not_found"  # as the online query logs details that do not match


def test_a_wrong_id_number_is_a_difference(paper: Paper, jinan: Client) -> None:
    check = _check(jinan, id_number=sd_id(301))
    assert check.differences == ["id_number"]


def test_a_wrong_number_with_the_holder_s_id_is_a_difference_in_the_number(
    paper: Paper, jinan: Client
) -> None:
    check = _check(jinan, management_number="2537010000009999")
    assert (check.result, check.differences) == ("mismatch", ["management_number"])
    assert check.credential == paper.record(SUN)


def test_a_certificate_not_on_record_is_not_found(paper: Paper, jinan: Client) -> None:
    check = _check(jinan, management_number="2537010000009999", id_number=sd_id(302))
    assert (check.result, check.credential) == ("not_found", None)
    text = _notice_text(jinan, check)
    assert "没有与该证书相符的记录" in text
    [event] = _logged()
    assert (event.verdict, event.credential_id) == ("not_found", None)


def test_a_city_checks_only_the_certificates_of_its_own_city(paper: Paper, jinan: Client) -> None:
    record = paper.record(QIAN)  # a Qingdao certificate, presented in Jinan
    check = _check(
        jinan,
        management_number=QIAN,
        name="钱昇",
        id_number=holder_id_number(record.holder),
    )
    assert check.result == "not_found"


def test_a_revoked_record_that_matches_says_it_is_revoked(paper: Paper, jinan: Client) -> None:
    paper.record(SUN).__class__.objects.filter(pk=paper.record(SUN).pk).update(status="revoked")
    check = _check(jinan)
    assert check.result == "match"
    assert "证书数据库记录状态：已撤销" in _notice_text(jinan, check)
    assert _logged()[0].verdict == "revoked"


def test_a_bad_credit_code_is_refused_and_nothing_recorded(paper: Paper, jinan: Client) -> None:
    response = jinan.post(
        reverse("backoffice:counter_check_new"), _shown(credit_code="91370100MA3C5GXX4Q")
    )
    assert response.status_code == 200
    assert 'data-testid="error-credit_code"' in response.content.decode()
    assert "统一社会信用代码不正确" in response.content.decode()
    assert not CounterCheck.objects.exists()
    assert not _logged()


def test_a_unit_without_a_seal_picture_is_refused_before_anything_is_recorded(
    paper: Paper, jinan: Client, jinan_seals: Authority
) -> None:
    SealImage.objects.filter(authority=jinan_seals).delete()
    response = jinan.post(reverse("backoffice:counter_check_new"), _shown())
    assert response.status_code == 200
    assert "尚未设置印章图片" in response.content.decode()
    assert not CounterCheck.objects.exists()
    assert not _logged()


def test_a_unit_without_a_key_is_refused_and_its_notice_too(
    paper: Paper, jinan: Client, jinan_seals: Authority
) -> None:
    check = _check(jinan)
    SignerKey.objects.filter(authority=jinan_seals).update(revoked_at=NOW)
    url = reverse("backoffice:counter_check_notice", args=[check.reference])
    response = jinan.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(
        reverse("backoffice:counter_check_detail", args=[check.reference])
    )
    assert "没有有效的签章密钥" in response.content.decode()
    with pytest.raises(EcertError) as refused:
        counter_check_record(
            actor=paper.users["jinan_clerk"],
            unit=jinan_seals,
            organisation=OrganisationFacts("济南某建筑公司", EMPLOYER_CREDIT_CODE, "刘工"),
            presented=Presented(SUN, "孙芸", sd_id(203), paper.sd, "一级", SD_APPROVED),
            now=NOW,
        )
    assert refused.value.code == "no_key"
    assert CounterCheck.objects.count() == 1


def test_a_henan_city_department_without_a_key_is_refused(paper: Paper, client: Client) -> None:
    client.force_login(paper.users["zhengzhou_finance_clerk"])
    response = client.post(
        reverse("backoffice:counter_check_new"), _shown(unit="ha-zhengzhou-finance")
    )
    assert "尚未设置印章图片" in response.content.decode()
    assert not CounterCheck.objects.exists()


def test_a_clerk_cannot_check_in_the_name_of_another_unit(paper: Paper, jinan: Client) -> None:
    response = jinan.post(reverse("backoffice:counter_check_new"), _shown(unit="sd-qingdao"))
    assert 'data-testid="error-unit"' in response.content.decode()
    assert not CounterCheck.objects.exists()


@pytest.mark.parametrize(
    "who", ["qingdao_clerk", "exam_centre_clerk", "department_clerk", "zhengzhou_finance_clerk"]
)
@pytest.mark.parametrize(
    "name", ["backoffice:counter_check_detail", "backoffice:counter_check_notice"]
)
def test_a_check_of_another_unit_is_not_found(
    paper: Paper, jinan: Client, client: Client, who: str, name: str
) -> None:
    check = _check(jinan)
    other = Client()
    other.force_login(paper.users[who])
    assert other.get(reverse(name, args=[check.reference])).status_code == 404
    assert (
        check.reference not in other.get(reverse("backoffice:counter_check_list")).content.decode()
    )


def test_the_list_shows_the_unit_s_checks(paper: Paper, jinan: Client) -> None:
    check = _check(jinan)
    page = jinan.get(reverse("backoffice:counter_check_list")).content.decode()
    assert check.reference in page
    assert "与证书数据库相符" in page  # the result in Chinese, never its code
    assert "matches the certificate database" not in page


# Every route of this part, walked with the Henan users the `paper` fixture adds (the cast's walk
# is in tests/backoffice/test_permissions.py): a Jinan certificate and a Jinan check are none of
# theirs; the list and the new-check page are open to all who counter-verify.
HENAN_WALK = {
    "backoffice:paper_registration_form": {"ha_centre_clerk": 404, "ha_finance_clerk": 404},
    "backoffice:paper_registration_form_pdf": {"ha_centre_clerk": 404, "ha_finance_clerk": 404},
    "backoffice:counter_check_list": {"ha_centre_clerk": 200, "ha_finance_clerk": 200},
    "backoffice:counter_check_new": {"ha_centre_clerk": 200, "ha_finance_clerk": 200},
    "backoffice:counter_check_detail": {"ha_centre_clerk": 404, "ha_finance_clerk": 404},
    "backoffice:counter_check_notice": {"ha_centre_clerk": 404, "ha_finance_clerk": 404},
}


@pytest.mark.parametrize("who", ["ha_centre_clerk", "ha_finance_clerk", "zhengzhou_finance_clerk"])
def test_henan_clerks_walk_the_routes(paper: Paper, jinan: Client, who: str) -> None:
    deliver(paper, edition=Edition.OLD)
    check = _check(jinan)
    other = Client()
    other.force_login(paper.users[who])
    for name, expected in HENAN_WALK.items():
        if name.startswith("backoffice:paper"):
            args = [paper.record(SUN).public_id]
        elif name.endswith(("detail", "notice")):
            args = [check.reference]
        else:
            args = []
        status = other.get(reverse(name, args=args)).status_code
        assert status == expected.get(who, expected["ha_finance_clerk"]), (name, who)
