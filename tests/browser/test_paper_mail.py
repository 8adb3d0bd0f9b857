"""Mail by EMS in a real browser: the holder chooses mail in the portal, the city clerk exports the
day's orders and downloads the workbook for EMS's bulk-order service, uploads the waybills EMS
gave back, and the holder sees the waybill number on their certificate."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecert.core.spreadsheets.reader import read_rows
from tests.conftest import PASSWORD, cast_id_number
from tests.distribution.conftest import Paper, deliver
from tests.distribution.conftest import paper as paper  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

JINAN_A = "2537010000000201"  # the cast holder's paper certificate, handed out in Jinan


@pytest.fixture
def clerk_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_holder_chooses_mail_clerk_exports_and_holder_sees_the_waybill(
    audit_flush_allowed: None,
    live_server: Any,
    paper: Paper,
    page: Any,
    clerk_page: Any,
    tmp_path: Path,
) -> None:
    deliver(paper)
    base = live_server.url
    public_id = paper.record(JINAN_A).public_id

    # The holder signs in and chooses mail.
    page.goto(f"{base}/my/login/")
    page.fill("input[name=id_number]", cast_id_number(1))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/my/credentials/{public_id}/")
    assert page.locator("[data-testid=paper-state]").inner_text() == "待选择领取方式"
    page.click("[data-testid=paper-choose]")
    page.check("input[name=method][value=mail]")
    page.fill("input[name=recipient]", "张堃")
    page.fill("input[name=phone]", "13800001111")
    page.fill("input[name=address]", "山东省济南市历下区泉城路 1 号")
    page.fill("input[name=postcode]", "250011")
    page.click("[data-testid=paper-choose-submit]")
    assert page.locator("[data-testid=paper-state]").inner_text() == "待邮寄"

    # The Jinan clerk exports the day's orders and downloads the workbook.
    clerk = clerk_page
    clerk.goto(f"{base}/backoffice/login/")
    clerk.fill("input[name=username]", "jinan_clerk")
    clerk.fill("input[name=password]", PASSWORD)
    clerk.click("button[type=submit]")
    clerk.goto(f"{base}/backoffice/mail/")
    assert "张堃" in clerk.locator("[data-testid=mail-waiting]").inner_text()
    clerk.fill("input[name=sender_phone]", "0531-86000000")
    clerk.fill("input[name=sender_address]", "济南市市中区纬二路 1 号")
    clerk.click("[data-testid=mail-export]")
    clerk.locator("[data-testid=mail-parcels]").wait_for()
    with clerk.expect_download() as download:
        clerk.click("[data-testid=mail-download]")
    workbook = tmp_path / "orders.xlsx"
    download.value.save_as(workbook)
    header, row = (cells for _number, cells in read_rows(workbook))
    assert header[0] == "客户订单号"
    assert row[1:5] == ["张堃", "13800001111", "山东省济南市历下区泉城路 1 号", "250011"]
    order = str(row[0])

    # EMS gives the waybill back; the clerk uploads it.
    waybills = tmp_path / "邮件号.csv"
    waybills.write_text(f"客户订单号,邮件号\n{order},EA123456789CN\n", encoding="utf-8")
    clerk.goto(f"{base}/backoffice/mail/waybills/")
    clerk.set_input_files("input[name=file]", str(waybills))
    clerk.click("[data-testid=mail-upload]")
    assert "1 条已记录" in clerk.content()

    # The holder sees the certificate mailed, with its waybill.
    page.reload()
    assert page.locator("[data-testid=paper-state]").inner_text() == "已交寄"
    waybill = page.locator("[data-testid=paper-waybill]").inner_text()
    assert "EA123456789CN" in waybill
    assert "EMS" in waybill
