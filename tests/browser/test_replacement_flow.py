"""A replacement in a real browser (issue 17): the holder applies in the portal with mail, sees it
waiting for the city, and after the city accepts it and submits its month's batch, reloads and
sees where it is and who acts next.

The city's steps go through the services for now: the back-office pages for them are being built
beside this test. The test is named for the whole flow so that those steps can later be driven
through the back office here, and the province's package after them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from ecert.replacement.models import Application
from ecert.replacement.services import application_accept, batch_submit
from tests.conftest import PASSWORD, cast_id_number
from tests.distribution.conftest import Paper
from tests.distribution.conftest import paper as paper  # the fixture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

JINAN_A = "2537010000000201"  # the cast holder's paper certificate, handed out in Jinan


def test_replacement_from_holder_application_through_city_batch(
    audit_flush_allowed: None, live_server: Any, paper: Paper, page: Any
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

    # The Jinan bureau accepts it and submits its batch of the month (through the services, until
    # the back-office pages drive these steps here).
    application = Application.objects.get(credential__public_id=public_id)
    clerk = paper.users["jinan_clerk"]
    application_accept(actor=clerk, application=application)
    application.refresh_from_db()
    assert application.batch is not None
    batch_submit(actor=clerk, batch=application.batch)

    # The holder reloads and sees the new state, who acts next and each step.
    page.reload()
    assert page.locator("[data-testid=state]").inner_text() == "已报送上级"
    next_step = page.locator("[data-testid=next-step]").inner_text()
    assert next_step == "已报送山东省人事考试中心，待其汇总上报"
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "济南市人力资源和社会保障局依据证书数据库核对后受理" in timeline
    assert "济南市人力资源和社会保障局将本月批次报送山东省人事考试中心" in timeline
    assert page.locator("[data-testid=withdraw]").count() == 0
