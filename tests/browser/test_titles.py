"""A title from approval to verification, in a real browser: the province records Liaocheng's
approval, numbers and issues the certificate, and a phone opens the QR code of its sealed PDF.

Set ECERT_SCREENSHOT_DIR (docs/titles, say) to keep the detail page and the phone's landing page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ecert.core.documents.qr_images import qr_texts_in_pdf_bytes
from ecert.core.formats.qr import PATH
from ecert.credentials.models import Credential
from ecert.documents.services import document_original, document_path
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _shoot(page: Any, name: str) -> None:
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_approval_is_numbered_issued_and_verified_on_a_phone(
    audit_flush_allowed: None,
    live_server: Any,
    title_keys: World,
    own_storage: Path,
    page: Any,
    browser: Any,
) -> None:
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "province_admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="职称", exact=True).click()
    page.get_by_role("link", name="登记职称").click()

    form = page.locator("[data-testid=approval-form]")
    form.locator("select[name=approver]").select_option("sd-liaocheng")
    form.locator("select[name=series_level]").select_option(label="012 中小学教师高级")
    form.locator("input[name=name]").fill("欧阳𠮷喆")
    form.locator("input[name=id_number]").fill("37150219790423662X")
    form.locator("input[name=specialty]").fill("中学数学")
    form.locator("input[name=work_unit]").fill("聊城市东昌府区实验中学")
    form.locator("input[name=review_year]").fill("2025")
    form.locator("input[name=approval_date]").fill("2025-12-20")
    form.locator("input[name=approval_document]").fill("聊人社字〔2025〕100号")
    form.locator("input[name=grassroots]").check()
    form.get_by_role("button", name="登记").click()
    page.get_by_role("button", name="编号并颁发证书").click()

    number = page.locator("[data-testid=title-number]").inner_text()
    assert number == "鲁251402001200001（基层）"
    _shoot(page, "title-detail.png")

    credential = Credential.objects.get(management_number="鲁251402001200001")
    document = document_original(actor=None, credential=credential, now=timezone.now())
    (qr,) = qr_texts_in_pdf_bytes(document_path(document).read_bytes())
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        locale="zh-CN",
    )
    landing = phone.new_page()
    landing.goto(f"{live_server.url}{PATH}{qr.split(PATH, 1)[1]}")

    assert landing.locator("[data-testid=verdict]").get_attribute("data-verdict") == "valid"
    assert landing.locator("[data-testid=number]").inner_text() == number
    reading = landing.locator("[data-testid=number-reading]").inner_text()
    assert re.search(r"2025 年度评审通过", reading)
    assert "聊城市人力资源和社会保障局核准公布（代码 14020）" in reading
    assert "中小学教师高级（系列级别代码 012）" in reading
    assert "该系列（专业）第 1 本证书" in reading
    assert "基层职称" in reading
    assert landing.locator("[data-testid=holder]").inner_text() == "欧***"
    _shoot(landing, "title-landing.png")
    phone.close()
