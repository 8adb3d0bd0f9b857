"""The exam centre's clerk, in a real browser, goes from the navigation to the e-licence export,
names a batch and downloads its zip for the provincial platform."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ecert.credentials.models import IssuanceBatch
from tests.conftest import PASSWORD, World
from tests.documents.conftest import document_storage as document_storage  # autouse: own files
from tests.documents.conftest import sd_batch as sd_batch

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_exam_centre_downloads_a_batchs_elicence_zip(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    sd_batch: IssuanceBatch,
    browser: Any,
    tmp_path: Path,
) -> None:
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "exam_centre_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")

    page.locator("nav").get_by_role("link", name="电子证照导出", exact=True).click()
    form = page.locator("[data-testid=elicence-form]")
    assert "导出机构" in form.inner_text()
    form.locator("input[name=batch]").fill(sd_batch.reference)
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/elicence-export.png", full_page=True)
    with page.expect_download() as downloading:
        form.get_by_role("button", name="下载压缩包").click()
    download = downloading.value
    assert download.suggested_filename.startswith("elicence-sd-pta-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    context.close()

    with zipfile.ZipFile(saved) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["counts"]["credentials"] == 5
    assert manifest["selection"]["issuanceBatch"] == sd_batch.reference
