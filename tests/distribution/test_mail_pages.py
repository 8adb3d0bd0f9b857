"""The back office's mail pages through Django's test client: the clerk records a choice at the
counter, exports the day's orders, downloads the workbook, uploads waybills and tracking, and
syncs with the HTTP carrier when one is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecert.config import CarrierConfig
from ecert.core.rules.paper import PaperState
from ecert.distribution.models import MailBatch, MailParcel
from tests.carrier_stand_in import KEY, carrier_stand_in
from tests.distribution.conftest import Paper, deliver
from tests.distribution.test_mail import JINAN_A, SENDER, choose_mail

pytestmark = pytest.mark.usefixtures("own_storage")


@pytest.fixture
def clerk(paper: Paper, client: Client) -> Client:
    deliver(paper)
    client.force_login(paper.users["jinan_clerk"])
    return client


def _export(clerk: Client) -> MailBatch:
    response = clerk.post(reverse("backoffice:mail_export"), {"unit": "sd-jinan", **SENDER})
    batch = MailBatch.objects.get()
    assert response["Location"] == reverse("backoffice:mail_batch_detail", args=[batch.reference])
    return batch


def test_the_clerk_records_the_holders_choice_at_the_counter(paper: Paper, clerk: Client) -> None:
    url = reverse("backoffice:paper_choose", args=[paper.record(JINAN_A).public_id])
    response = clerk.post(
        url,
        {
            "method": "mail",
            "recipient": "张堃",
            "phone": "13800001111",
            "address": "山东省济南市历下区泉城路 1 号",
        },
    )
    assert response.status_code == 302
    certificate = paper.certificate(JINAN_A)
    assert certificate.state == PaperState.TO_MAIL
    assert certificate.events.get(kind="chosen").detail["by"] == "clerk"


def test_the_clerk_exports_and_downloads_the_days_orders(paper: Paper, clerk: Client) -> None:
    choose_mail(paper, JINAN_A, actor="holder")
    listing = clerk.get(reverse("backoffice:mail_list")).content.decode()
    assert "张堃" in listing
    batch = _export(clerk)
    download = clerk.get(reverse("backoffice:mail_batch_download", args=[batch.reference]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert download.content[:2] == b"PK"
    assert "attachment" in download["Content-Disposition"]


def test_nothing_to_export_is_said_in_chinese(paper: Paper, clerk: Client) -> None:
    response = clerk.post(
        reverse("backoffice:mail_export"), {"unit": "sd-jinan", **SENDER}, follow=True
    )
    assert "没有待邮寄的证书" in response.content.decode()
    assert not MailBatch.objects.exists()


def test_a_bad_waybill_file_is_refused_with_its_place(paper: Paper, clerk: Client) -> None:
    choose_mail(paper, JINAN_A, actor="holder")
    _export(clerk)
    upload = SimpleUploadedFile("邮件号.csv", "客户订单号,邮件号\nE9,EA111111111CN\n".encode())
    response = clerk.post(reverse("backoffice:mail_waybills"), {"file": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "文件 邮件号.csv 第 2 行 A 列（客户订单号）" in page
    assert not MailParcel.objects.exclude(waybill=None).exists()


def test_waybills_and_tracking_uploaded_move_the_certificate(paper: Paper, clerk: Client) -> None:
    choose_mail(paper, JINAN_A, actor="holder")
    (parcel,) = _export(clerk).parcels.all()
    waybills = f"客户订单号,邮件号\n{parcel.reference},EA111111111CN\n".encode()
    response = clerk.post(
        reverse("backoffice:mail_waybills"),
        {"file": SimpleUploadedFile("w.csv", waybills)},
        follow=True,
    )
    assert "1 条已记录" in response.content.decode()
    assert paper.certificate(JINAN_A).state == PaperState.MAILED
    tracking = "邮件号,处理时间,处理动作\nEA111111111CN,2026-11-21 10:30:00,妥投\n".encode()
    clerk.post(reverse("backoffice:mail_tracking"), {"file": SimpleUploadedFile("t.csv", tracking)})
    assert paper.certificate(JINAN_A).state == PaperState.DELIVERED


def test_sync_is_offered_only_with_a_carrier_and_works(
    paper: Paper, clerk: Client, settings: Any
) -> None:
    choose_mail(paper, JINAN_A, actor="holder")
    assert (
        'data-testid="mail-sync"' not in clerk.get(reverse("backoffice:mail_list")).content.decode()
    )
    with carrier_stand_in() as stand_in:
        settings.ECERT_CARRIER = CarrierConfig(url=stand_in.url, key=KEY, timeout=5)
        assert (
            'data-testid="mail-sync"' in clerk.get(reverse("backoffice:mail_list")).content.decode()
        )
        _export(clerk)
        response = clerk.post(reverse("backoffice:mail_sync"), {"unit": "sd-jinan"})
        assert response.status_code == 302
    assert paper.certificate(JINAN_A).state == PaperState.MAILED
    assert MailBatch.objects.get().carrier == "http"


def test_a_unit_not_theirs_is_not_found(paper: Paper, client: Client, tmp_path: Path) -> None:
    deliver(paper)
    client.force_login(paper.users["qingdao_clerk"])
    assert client.get(reverse("backoffice:mail_list") + "?unit=sd-jinan").status_code == 404
    response = client.post(reverse("backoffice:mail_export"), {"unit": "sd-jinan", **SENDER})
    assert response.status_code == 404
