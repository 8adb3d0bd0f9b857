"""The level above's replacement pages (issue 17): Shandong's exam centre receives Jinan's and
Qingdao's monthly batches, downloads their package, returns one, records errors, counts them per
city and year and records what it sent on; Henan's province finance department does the same for
its cities' departments; nobody reaches a batch outside their scope."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from ecert.catalogue.models import QualificationLevel
from ecert.core.rules.replacement import BatchState, State
from ecert.credentials.services import holder_id_number
from ecert.replacement.models import Application, Batch, BatchError, Dispatch
from ecert.replacement.services import application_accept, batch_submit
from tests.distribution.conftest import Paper
from tests.distribution.conftest import paper as paper  # the fixture
from tests.replacement.conftest import APPLIED, HA_NUMBER, SD_NUMBER, apply

pytestmark = pytest.mark.django_db

LATER = APPLIED + timedelta(hours=1)
NEED = "投标须出示纸质证书原件"
SUN_YUN, QIAN_SHENG = "2537010000000203", "2537020000000202"
MONTH = "202611"


def submitted(paper: Paper, clerk: str, *numbers: str, applicant: str | None = None) -> Batch:
    """``clerk``'s unit accepts applications for ``numbers`` and submits its month's batch."""
    users = paper.users
    batch = None
    for number in numbers:
        application = apply(paper, users[applicant or clerk], number, work_need=NEED)
        batch = application_accept(actor=users[clerk], application=application, now=LATER).batch
    assert batch is not None
    return batch_submit(actor=users[clerk], batch=batch, now=LATER)


def signed_in(client: Client, paper: Paper, who: str) -> Client:
    client.force_login(paper.users[who])
    return client


def sheets(data: bytes) -> dict[str, list[list[str]]]:
    """The workbooks of a package zip, by file name, read with calamine."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: CalamineWorkbook.from_filelike(io.BytesIO(archive.read(name)))
            .get_sheet_by_index(0)
            .to_python()  # type: ignore[misc]
            for name in archive.namelist()
            if name.endswith(".XLS")
        }


def body(response: Any) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return bytes(response.content)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", body(response).decode())


def test_jinan_downloads_its_submitted_batch_with_the_records_values(
    paper: Paper, client: Client
) -> None:
    users = paper.users
    application = apply(paper, users["holder"], name="张坤", work_need=NEED)  # a typo
    batch = application_accept(actor=users["jinan_clerk"], application=application, now=LATER).batch
    assert batch is not None
    batch_submit(actor=users["jinan_clerk"], batch=batch, now=LATER)
    response = signed_in(client, paper, "jinan_clerk").get(
        reverse("backoffice:replacement_batch_package", args=[batch.reference])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    ((name, rows),) = sheets(body(response)).items()
    record = paper.record(SD_NUMBER)
    assert name == "202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人).XLS"
    assert len(rows[0]) == 11
    assert all(isinstance(cell, str) for row in rows for cell in row)
    assert rows[1][:3] == [SD_NUMBER, "张堃", holder_id_number(record.holder)]
    assert rows[1][8:] == ["2025-09-01", "", "济南市"]


def test_jinan_downloads_its_batchs_two_forms(paper: Paper, client: Client) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    response = signed_in(client, paper, "jinan_clerk").get(
        reverse("backoffice:replacement_batch_forms", args=[batch.reference])
    )
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        names = archive.namelist()
    assert names == [
        "202611-济南市-证书补发(更换)统计汇总表.pdf",
        "202611-034-一级建造师(证书补换印制信息)数据(济南市)(1人)-证书补发(更换)申请表.pdf",
    ]


def test_an_exam_without_a_code_refuses_the_download_with_its_reason(
    paper: Paper, client: Client
) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    QualificationLevel.objects.filter(qualification=paper.sd, name="一级").update(exam_code="")
    page = reverse("backoffice:replacement_province_batch", args=[batch.reference])
    response = signed_in(client, paper, "exam_centre_clerk").get(
        reverse("backoffice:replacement_batch_package", args=[batch.reference]),
        HTTP_REFERER="http://testserver" + page,
        follow=True,
    )
    assert "“一级建造师”没有考试代码" in text(response)


def test_the_centre_lists_every_citys_batches_by_month_and_state(
    paper: Paper, client: Client
) -> None:
    submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    submitted(paper, "qingdao_clerk", QIAN_SHENG)
    response = signed_in(client, paper, "exam_centre_clerk").get(
        reverse("backoffice:replacement_province_batches"), {"month": MONTH, "state": "submitted"}
    )
    page = text(response)
    assert "济南市人力资源和社会保障局" in page
    assert "青岛市人力资源和社会保障局" in page
    assert "已报送" in page
    opened = client.get(reverse("backoffice:replacement_province_batches"), {"state": "open"})
    assert "暂无批次" in text(opened)


def test_the_aggregate_has_one_file_per_exam_with_both_cities_and_the_centres_name(
    paper: Paper, client: Client
) -> None:
    submitted(paper, "jinan_clerk", SD_NUMBER, SUN_YUN)
    submitted(paper, "qingdao_clerk", QIAN_SHENG)
    response = signed_in(client, paper, "exam_centre_clerk").get(
        reverse("backoffice:replacement_province_package"), {"month": MONTH}
    )
    workbooks = sheets(body(response))
    assert list(workbooks) == [
        "202611-034-一级建造师(证书补换印制信息)数据(山东省人事考试中心)(3人).XLS"
    ]
    rows = next(iter(workbooks.values()))
    assert sorted(row[10] for row in rows[1:]) == ["济南市", "济南市", "青岛市"]


def test_an_aggregate_of_a_month_without_batches_says_so(paper: Paper, client: Client) -> None:
    response = signed_in(client, paper, "exam_centre_clerk").get(
        reverse("backoffice:replacement_province_package"), {"month": "202601"}, follow=True
    )
    assert "202601 没有待上报的批次" in text(response)


def test_returning_a_batch_reopens_it_and_jinan_submits_again(paper: Paper, client: Client) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    url = reverse("backoffice:replacement_province_batch_return", args=[batch.reference])
    client = signed_in(client, paper, "exam_centre_clerk")
    refused = client.post(url, {"reason": "  "})
    batch.refresh_from_db()
    assert batch.state == BatchState.SUBMITTED
    assert "这个字段是必填项" in text(refused) or "须填写退回原因" in text(refused)
    response = client.post(url, {"reason": "孙芸的照片底色不是白色"}, follow=True)
    batch.refresh_from_db()
    assert "批次已退回济南市人力资源和社会保障局" in text(response)
    assert batch.state == BatchState.RETURNED
    assert batch.return_reason == "孙芸的照片底色不是白色"
    assert [a.state for a in batch.applications.all()] == [State.ACCEPTED]
    again = batch_submit(actor=paper.users["jinan_clerk"], batch=batch, now=LATER)
    assert again.state == BatchState.SUBMITTED
    assert again.return_reason == ""


def test_errors_are_counted_per_city_and_year(paper: Paper, client: Client) -> None:
    jinan = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    submitted(paper, "qingdao_clerk", QIAN_SHENG)
    client = signed_in(client, paper, "exam_centre_clerk")
    url = reverse("backoffice:replacement_province_batch_error", args=[jinan.reference])
    application = jinan.applications.get()
    client.post(url, {"found_by": "province", "description": "出生年月与证书数据库不符"})
    client.post(
        url,
        {
            "found_by": "ministry",
            "application": application.reference,
            "description": "照片不合格",
        },
    )
    assert BatchError.objects.filter(unit=jinan.unit).count() == 2
    year = timezone.localdate().year
    page = client.get(reverse("backoffice:replacement_province_errors"), {"year": year})
    counts = dict(
        re.findall(
            r'data-unit="([a-z-]+)">.*?data-testid="unit-errors">(\d+)<', body(page).decode()
        )
    )
    assert counts == {"sd-jinan": "2", "sd-qingdao": "0"}
    last_year = client.get(reverse("backoffice:replacement_province_errors"), {"year": year - 1})
    assert 'data-testid="unit-errors">2<' not in body(last_year).decode()


def test_an_error_without_a_description_is_refused(paper: Paper, client: Client) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    response = signed_in(client, paper, "exam_centre_clerk").post(
        reverse("backoffice:replacement_province_batch_error", args=[batch.reference]),
        {"found_by": "province", "description": ""},
    )
    assert response.status_code == 200
    assert not BatchError.objects.exists()


def test_dispatch_sends_the_batches_on_and_keeps_the_packages_sha256(
    paper: Paper, client: Client
) -> None:
    jinan = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    qingdao = submitted(paper, "qingdao_clerk", QIAN_SHENG)
    client = signed_in(client, paper, "exam_centre_clerk")
    package = body(client.get(reverse("backoffice:replacement_province_package"), {"month": MONTH}))
    form = client.get(reverse("backoffice:replacement_province_dispatch_new"), {"month": MONTH})
    assert "济南市人力资源和社会保障局：1 份申请" in text(form)
    today = timezone.localdate()
    response = client.post(
        reverse("backoffice:replacement_province_dispatch_new"),
        {
            "month": MONTH,
            "batches": [jinan.reference, qingdao.reference],
            "paper_mailed_on": today.isoformat(),
            "data_uploaded_on": today.isoformat(),
            "note": "EMS 1234567890",
        },
        follow=True,
    )
    assert "上报已登记" in text(response)
    dispatch = Dispatch.objects.get()
    assert dispatch.files[0] == {
        "name": "202611-山东省人事考试中心(证书补换数据).zip",
        "sha256": hashlib.sha256(package).hexdigest(),
        "rows": 2,
    }
    assert dispatch.files[1]["name"].endswith("(山东省人事考试中心)(2人).XLS")
    assert hashlib.sha256(package).hexdigest() in text(response)
    assert set(Batch.objects.values_list("state", flat=True)) == {BatchState.DISPATCHED}
    assert set(Application.objects.values_list("state", flat=True)) == {State.DISPATCHED}
    listed = client.get(reverse("backoffice:replacement_province_dispatches"))
    assert dispatch.reference in text(listed)


def test_a_dispatch_dated_in_the_future_is_refused(paper: Paper, client: Client) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = signed_in(client, paper, "exam_centre_clerk").post(
        reverse("backoffice:replacement_province_dispatch_new"),
        {"month": MONTH, "batches": [batch.reference], "paper_mailed_on": tomorrow.isoformat()},
    )
    assert "日期不能晚于今天" in text(response)
    assert not Dispatch.objects.exists()


def test_henan_finance_gathers_zhengzhous_batch_under_its_own_name(
    paper: Paper, client: Client
) -> None:
    QualificationLevel.objects.filter(qualification=paper.ha, name="中级").update(exam_code="017")
    batch = submitted(paper, "zhengzhou_finance_clerk", HA_NUMBER)
    assert batch.target.key == "ha-finance"
    client = signed_in(client, paper, "ha_finance_clerk")
    listed = client.get(reverse("backoffice:replacement_province_batches"))
    assert batch.reference in text(listed)
    package = client.get(reverse("backoffice:replacement_province_package"), {"month": MONTH})
    assert list(sheets(body(package))) == [
        "202611-017-中级会计专业技术资格(证书补换印制信息)数据(河南省财政厅)(1人).XLS"
    ]


@pytest.mark.parametrize(
    ("who", "route"),
    [
        ("qingdao_clerk", "backoffice:replacement_batch_package"),
        ("qingdao_clerk", "backoffice:replacement_batch_forms"),
        ("jinan_clerk", "backoffice:replacement_province_batch"),
        ("ha_finance_clerk", "backoffice:replacement_province_batch"),
        ("ha_finance_clerk", "backoffice:replacement_batch_package"),
    ],
)
def test_a_batch_out_of_scope_is_not_found(
    paper: Paper, client: Client, who: str, route: str
) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    response = signed_in(client, paper, who).get(reverse(route, args=[batch.reference]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "route",
    ["backoffice:replacement_province_batch_return", "backoffice:replacement_province_batch_error"],
)
def test_a_write_on_a_batch_out_of_scope_is_not_found(
    paper: Paper, client: Client, route: str
) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    response = signed_in(client, paper, "ha_finance_clerk").post(
        reverse(route, args=[batch.reference]),
        {"reason": "x", "found_by": "province", "description": "x"},
    )
    batch.refresh_from_db()
    assert response.status_code == 404
    assert batch.state == BatchState.SUBMITTED
    assert not BatchError.objects.exists()


def test_henan_sees_neither_shandongs_batches_nor_its_aggregate(
    paper: Paper, client: Client
) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    client = signed_in(client, paper, "ha_finance_clerk")
    listed = client.get(reverse("backoffice:replacement_province_batches"))
    assert batch.reference not in text(listed)
    errors = client.get(reverse("backoffice:replacement_province_errors"))
    assert "sd-jinan" not in text(errors)


def test_the_pages_speak_chinese(paper: Paper, client: Client) -> None:
    batch = submitted(paper, "jinan_clerk", SD_NUMBER, applicant="holder")
    client = signed_in(client, paper, "exam_centre_clerk")
    for url in (
        reverse("backoffice:replacement_province_batches"),
        reverse("backoffice:replacement_province_batch", args=[batch.reference]),
        reverse("backoffice:replacement_province_errors"),
        reverse("backoffice:replacement_province_dispatch_new"),
        reverse("backoffice:replacement_province_dispatches"),
    ):
        page = re.sub(r"<[^>]+>", " ", body(client.get(url)).decode())
        page = re.sub(
            r"\b(PC|BH|SB)\d{8}-[0-9A-F]{6}\b|SHA-256|ecert|English|\.zip|PDF|\d{4}-\d{2}", "", page
        )
        english = re.findall(r"\b[A-Za-z]{4,}\b", page)
        assert english == [], (url, english)
