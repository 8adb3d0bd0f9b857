"""A city clerk signs in through a real browser and sees their city's credentials only."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_city_clerk_sees_own_city_and_not_another(
    audit_flush_allowed: None, live_server: Any, world: World, page: Any
) -> None:
    page.goto(f"{live_server.url}/backoffice/")
    assert "/backoffice/login/" in page.url
    page.fill("input[name=username]", "jinan_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")
    assert page.locator("[data-testid=who]").inner_text() == "jinan_clerk"

    page.get_by_role("link", name="证书", exact=True).click()
    table = page.locator("[data-testid=credentials]")
    text = table.inner_text()
    assert world.credentials["jinan"].management_number in text
    assert world.credentials["county"].management_number in text  # a county of Jinan
    assert world.credentials["qingdao"].management_number not in text
    assert world.credentials["henan"].management_number not in text
    assert "张堃" in text
    # The ID number is masked in the list: first 4, last 4.
    assert "3701**********" in text
    if screenshot := os.environ.get("ECERT_SCREENSHOT"):
        page.screenshot(path=screenshot, full_page=True)

    page.goto(f"{live_server.url}/backoffice/credentials/{world.credentials['qingdao'].public_id}/")
    assert page.locator("h1").inner_text() == "未找到"
    assert world.credentials["qingdao"].holder.name not in page.content()
