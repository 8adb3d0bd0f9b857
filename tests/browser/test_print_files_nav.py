"""A city clerk, in a real browser on a desk and on a phone, goes from the navigation to the
batches of their area and asks for a print file (issue 18)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.backoffice.test_permissions import sd_batch_reference as sd_batch_reference
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_city_clerk_goes_from_the_navigation_to_a_print_file(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    sd_batch_reference: str,
    browser: Any,
    width: int,
    height: int,
    name: str,
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "jinan_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")

    page.locator("nav").get_by_role("link", name="打印文件", exact=True).click()
    batches = page.locator("[data-testid=printable-batches]")
    assert sd_batch_reference in batches.inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/print-files-{name}.png", full_page=True)

    batches.locator("tr", has_text=sd_batch_reference).get_by_role("link").click()
    assert sd_batch_reference in page.locator("main").inner_text()
    assert page.url.endswith(f"/backoffice/batches/{sd_batch_reference}/print/")
    context.close()
