"""The holder's paper certificate in the portal: where it is, how it got there, the waybill once
it is mailed, and the holder's own choice of mail or collection."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from ecert.core.rules.paper import PaperState
from ecert.distribution.models import PaperCertificate
from tests.distribution.conftest import Paper, deliver
from tests.distribution.conftest import paper as paper  # the fixture
from tests.distribution.test_mail import JINAN_A, QINGDAO, mailed

ADDRESS = {
    "method": "mail",
    "recipient": "张堃",
    "phone": "138 0000 1111",
    "address": "山东省济南市历下区泉城路 1 号",
    "postcode": "250011",
}


@pytest.fixture
def holder(paper: Paper, client: Client) -> Client:
    deliver(paper)
    client.force_login(paper.users["holder"])
    return client


def _page(client: Client, paper: Paper, number: str = JINAN_A) -> str:
    public_id = paper.record(number).public_id
    response = client.get(reverse("portal:credential_detail", args=[public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_holder_sees_where_the_paper_certificate_is(paper: Paper, holder: Client) -> None:
    page = _page(holder, paper)
    assert "待选择领取方式" in page
    assert "济南市人力资源和社会保障局" in page
    assert reverse("portal:paper_choose", args=[paper.record(JINAN_A).public_id]) in page


def test_the_holder_chooses_mail(paper: Paper, holder: Client) -> None:
    url = reverse("portal:paper_choose", args=[paper.record(JINAN_A).public_id])
    response = holder.post(url, ADDRESS)
    assert response.status_code == 302
    certificate = paper.certificate(JINAN_A)
    assert (certificate.state, certificate.mail_phone) == (PaperState.TO_MAIL, "13800001111")
    assert "待邮寄" in _page(holder, paper)


def test_a_bad_phone_is_said_beside_the_field_and_nothing_changes(
    paper: Paper, holder: Client
) -> None:
    url = reverse("portal:paper_choose", args=[paper.record(JINAN_A).public_id])
    response = holder.post(url, {**ADDRESS, "phone": "12345"})
    assert response.status_code == 200
    assert "联系电话须为 11 位手机号码" in response.content.decode()
    assert paper.certificate(JINAN_A).state == PaperState.AWAITING_CHOICE


def test_the_holder_chooses_the_counter(paper: Paper, holder: Client) -> None:
    url = reverse("portal:paper_choose", args=[paper.record(JINAN_A).public_id])
    assert holder.post(url, {"method": "counter"}).status_code == 302
    assert paper.certificate(JINAN_A).state == PaperState.TO_COLLECT


def test_once_mailed_the_holder_sees_the_waybill_and_cannot_choose(
    paper: Paper, holder: Client, tmp_path: Path
) -> None:
    waybills = mailed(paper, tmp_path)
    page = _page(holder, paper)
    assert waybills[JINAN_A] in page
    assert "中国邮政 EMS" in page
    assert "已交寄" in page
    url = reverse("portal:paper_choose", args=[paper.record(JINAN_A).public_id])
    response = holder.post(url, {"method": "counter"})
    assert response.status_code == 200
    assert PaperCertificate.objects.get(pk=paper.certificate(JINAN_A).pk).state == "mailed"


def test_someone_elses_paper_certificate_is_not_found(paper: Paper, holder: Client) -> None:
    url = reverse("portal:paper_choose", args=[paper.record(QINGDAO).public_id])
    assert holder.get(url).status_code == 404
    assert holder.post(url, ADDRESS).status_code == 404


def test_a_paper_record_offers_no_electronic_original(paper: Paper, holder: Client) -> None:
    page = _page(holder, paper)
    assert 'data-testid="download"' not in page
    assert 'data-testid="paper-record-notice"' in page
    assert "没有可下载的电子原件" in page
    assert "纸质" in page  # the kind says paper, not 电子证书
    assert "专业技术人员职业资格电子证书" not in page
