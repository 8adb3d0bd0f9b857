"""A replacement in a real browser from end to end (issue 17 item 10): the holder applies in the
portal with mail and sees it waiting for the city; the Jinan clerk checks it in the back office,
accepts it and submits the month's batch; the holder reloads and sees where it is and who acts
next; the provincial exam centre downloads the month's package, which holds the holder's row as
the certificate database has it, every cell text.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from ecert.core.rules.replacement import month_of
from tests.conftest import PASSWORD, cast_id_number
from tests.distribution.conftest import Paper
from tests.distribution.conftest import paper as paper  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

JINAN_A = "2537010000000201"  # the cast holder's paper certificate, handed out in Jinan


@pytest.fixture
def staff(browser: Any) -> Iterator[Any]:
    """A second browser, for the staff: their session is not the holder's."""
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    yield context.new_page()
    context.close()


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/backoffice/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/backoffice/")


def test_replacement_from_holder_application_through_city_batch_to_province_package(
    audit_flush_allowed: None, live_server: Any, paper: Paper, page: Any, staff: Any
) -> None:
    base = live_server.url
    public_id = paper.record(JINAN_A).public_id

    # The holder signs in and opens the paper certificate.
    page.goto(f"{base}/my/login/")
    page.fill("input[name=id_number]", cast_id_number(1))
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/my/credentials/{public_id}/")
    page.click("[data-testid=replacement-apply]")

    # The form comes filled from the record; the holder has an e-proof, so states a work need,
    # and asks for mail.
    assert page.input_value("input[name=name]") == "张堃"
    assert page.input_value("input[name=id_number]") == cast_id_number(1)
    page.check("input[name=reason][value=lost]")
    page.fill("textarea[name=work_need]", "投标须出示纸质证书原件")
    page.check("input[name=method][value=mail]")
    page.fill("input[name=phone]", "13800001111")
    page.fill("input[name=recipient]", "张堃")
    page.fill("input[name=address]", "山东省济南市历下区泉城路 1 号")
    page.fill("input[name=postcode]", "250011")
    page.click("[data-testid=replacement-submit]")

    assert page.locator("[data-testid=state]").inner_text() == "待受理"
    assert (
        "待济南市人力资源和社会保障局核对受理"
        in page.locator("[data-testid=next-step]").inner_text()
    )
    assert "您在网上提交了申请" in page.locator("[data-testid=timeline]").inner_text()

    # The Jinan clerk finds it in the back office, sees the work need and the check, accepts it,
    # and submits the month's batch.
    _sign_in(staff, base, "jinan_clerk")
    staff.click("[data-testid=nav-replacement]")
    staff.locator("[data-testid=applications] tbody tr", has_text="张堃").locator("a").first.click()
    assert "投标须出示纸质证书原件" in staff.locator("[data-testid=work-need]").inner_text()
    staff.locator("[data-testid=same]").wait_for()  # the holder wrote what the record says
    staff.click("[data-testid=accept]")
    assert "已受理" in staff.locator("[data-testid=state]").inner_text()
    staff.goto(f"{base}/backoffice/replacement/unit-batches/")
    staff.locator("[data-testid=batches] tbody tr a").first.click()
    staff.check("[data-testid=confirm]")
    staff.click("[data-testid=submit]")
    staff.locator("[data-testid=frozen]").wait_for()

    # The holder reloads and sees the new state, who acts next and each step.
    page.reload()
    assert page.locator("[data-testid=state]").inner_text() == "已报送上级"
    next_step = page.locator("[data-testid=next-step]").inner_text()
    assert next_step == "已报送山东省人事考试中心，待其汇总上报"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "济南市人力资源和社会保障局依据证书数据库核对后受理" in timeline
    assert "济南市人力资源和社会保障局将本月批次报送山东省人事考试中心" in timeline
    assert page.locator("[data-testid=withdraw]").count() == 0

    # The provincial exam centre downloads the month's package: the holder's row, from the record.
    staff.context.clear_cookies()
    _sign_in(staff, base, "exam_centre_clerk")
    month = month_of(timezone.localdate())
    staff.goto(f"{base}/backoffice/replacement/province/?month={month}")
    with staff.expect_download() as download:
        staff.click("[data-testid=aggregate-package]")
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (workbook_name,) = [n for n in archive.namelist() if n.endswith(".XLS")]
        assert workbook_name == (
            f"{month}-034-一级建造师(证书补换印制信息)数据(山东省人事考试中心)(1人).XLS"
        )
        rows = CalamineWorkbook.from_filelike(io.BytesIO(archive.read(workbook_name)))
    sheet = rows.get_sheet_by_index(0).to_python()
    assert sheet[0][:3] == ["ZSGLH", "KSXM", "ZJHM"]
    assert sheet[1][:3] == [JINAN_A, "张堃", cast_id_number(1)]
    assert all(isinstance(cell, str) for row in sheet for cell in row)
