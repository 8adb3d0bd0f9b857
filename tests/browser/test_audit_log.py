"""The auditor reads the audit log in a real browser, on a desk and on a phone (issue 18): events
are sentences, and the phone's page does not scroll sideways."""

from __future__ import annotations

import os
from typing import Any

import pytest

from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.services import credential_set_status
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SUSPENDED = "暂停证书（由“有效”改为“暂停”）：持证人报告证书遗失，核查中"


@pytest.mark.parametrize(("width", "height", "name"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_auditor_reads_the_audit_log_in_sentences(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    issuing_keys: Any,
    browser: Any,
    width: int,
    height: int,
    name: str,
) -> None:
    credential_set_status(
        actor=world.user("jinan_clerk"),
        credential=world.credentials["jinan"],
        status=CredentialStatus.SUSPENDED,
        reason="持证人报告证书遗失，核查中",
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")
    page.goto(f"{live_server.url}/backoffice/audit/")

    events = page.locator("[data-testid=audit-events]")
    text = events.inner_text()
    assert SUSPENDED in text
    assert "授予账号 jinan_clerk 角色：市级经办人" in text
    assert "系统" in text
    assert "credential.suspended" not in page.content()
    # Nothing wider than the screen: the page does not scroll sideways.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
    if name == "phone":
        # One event per card: the sentence sits under its label, not squeezed into a column.
        sentence = events.locator("td.sentence", has_text=SUSPENDED)
        assert sentence.bounding_box()["width"] > width * 0.6
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/audit-log-{name}.png", full_page=False)
    context.close()
