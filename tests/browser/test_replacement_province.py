"""The level above in a real browser: Shandong's exam centre finds Jinan's and Qingdao's batches of
the month, returns one with a reason, records an error, downloads the month's aggregate and records
what it sent on. With ECERT_SCREENSHOTS=1 the pages are saved as docs/replacement/province-*.png
(desktop 1280 px, phone 390 px), the pictures of docs/replacement.md."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ecert.core.rules.replacement import BatchState, Reason
from ecert.replacement.models import Batch, Dispatch
from ecert.replacement.services import application_accept, batch_submit
from tests.conftest import PASSWORD
from tests.distribution.conftest import Paper
from tests.distribution.conftest import paper as paper  # the fixture
from tests.photos import id_photo
from tests.replacement.conftest import APPLIED, apply

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "replacement"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NEED = "投标须出示纸质证书原件"


@pytest.fixture
def centre_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport=DESKTOP)
    page = context.new_page()
    yield page
    context.close()


def _shot(page: Any, name: str) -> None:
    """Save the page at desktop and phone width when pictures are asked for."""
    if not os.environ.get("ECERT_SCREENSHOTS"):
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"province-{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"province-{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _batches(paper: Paper) -> tuple[Batch, Batch]:
    users = paper.users
    later = APPLIED + timedelta(hours=1)
    made = {}
    cases: tuple[tuple[str, str, str, dict[str, object]], ...] = (
        ("jinan_clerk", "holder", "2537010000000201", {}),
        (
            "jinan_clerk",
            "jinan_clerk",
            "2537010000000203",
            {"photo": id_photo(), "photo_name": "sun.jpg"},
        ),
        ("qingdao_clerk", "qingdao_clerk", "2537020000000202", {}),
    )
    for clerk, applicant, number, extra in cases:
        application = apply(paper, users[applicant], number, Reason.LOST, work_need=NEED, **extra)
        batch = application_accept(actor=users[clerk], application=application, now=later).batch
        assert batch is not None
        made[clerk] = batch
    jinan = batch_submit(actor=users["jinan_clerk"], batch=made["jinan_clerk"], now=later)
    qingdao = batch_submit(actor=users["qingdao_clerk"], batch=made["qingdao_clerk"], now=later)
    return jinan, qingdao


def test_the_exam_centre_returns_records_and_sends_on_a_month(
    audit_flush_allowed: None,
    live_server: Any,
    paper: Paper,
    centre_page: Any,
) -> None:
    jinan, qingdao = _batches(paper)
    base = live_server.url
    page = centre_page
    page.goto(f"{base}/backoffice/login/")
    page.fill("input[name=username]", "exam_centre_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/backoffice/")

    # The month's batches, from the menu.
    page.click("text=证书补换汇总")
    page.select_option("select[name=month]", "202611")
    page.click("form.filters button[type=submit]")
    rows = page.locator("[data-testid=replacement-batches] tbody tr")
    assert rows.count() == 2
    _shot(page, "batches")

    # Qingdao's batch goes back with a reason; Jinan's gets an error recorded.
    page.click(f"text={qingdao.reference}")
    page.fill("textarea[name=reason]", "钱昇的批准日期与证书数据库不一致，请核对后重新报送")
    page.click("[data-testid=batch-return] button[type=submit]")
    assert page.locator("[data-testid=batch-state]").inner_text() == "已退回，待重新报送"
    page.goto(f"{base}/backoffice/replacement/province/batches/{jinan.reference}/")
    page.select_option("select[name=found_by]", "ministry")
    page.fill("textarea[name=description]", "孙芸的照片底色不是白色")
    page.click("[data-testid=batch-error] button[type=submit]")
    assert "孙芸的照片底色不是白色" in page.locator("[data-testid=batch-errors]").inner_text()
    _shot(page, "batch")

    page.click("text=各单位年度差错统计")
    jinan_row = page.locator("[data-testid=error-counts] tr[data-unit=sd-jinan]")
    assert jinan_row.locator("[data-testid=unit-errors]").inner_text() == "1"
    _shot(page, "errors")

    # The month's aggregate, then the dispatch of what was sent on.
    page.goto(f"{base}/backoffice/replacement/province/?month=202611")
    with page.expect_download() as download:
        page.click("[data-testid=aggregate-package]")
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "202611-034-一级建造师(证书补换印制信息)数据(山东省人事考试中心)(2人).XLS" in (
            archive.namelist()
        )
    page.click("text=按月上报")
    page.check(f"input[name=batches][value={jinan.reference}]")
    today = timezone.localdate().isoformat()
    page.fill("input[name=paper_mailed_on]", today)
    page.fill("input[name=data_uploaded_on]", today)
    page.fill("textarea[name=note]", "EMS 1190000000000")
    _shot(page, "dispatch-new")
    page.click("[data-testid=dispatch-form] button[type=submit]")
    assert "上报已登记" in page.locator(".messages").inner_text()
    _shot(page, "dispatch")
    jinan.refresh_from_db()
    assert jinan.state == BatchState.DISPATCHED
    assert Dispatch.objects.get().files[0]["name"] == "202611-山东省人事考试中心(证书补换数据).zip"
