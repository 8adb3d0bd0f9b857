"""A province's security administrator, in a real browser, opens an account for a clerk, gives it a
second role, disables it (the clerk can no longer sign in) and enables it again (the clerk signs in
with the temporary password and must first choose their own).

Set ECERT_SCREENSHOT_DIR to keep pictures of the user pages at desktop and phone widths.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ecert.accounts.models import User
from ecert.core.rules.roles import Role
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

OWN_PASSWORD = "jinan-new-own-2026"
PHONE = {"width": 390, "height": 844}


def _sign_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def _shot(page: Any, name: str) -> None:
    if directory := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
        width = page.viewport_size
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(Path(directory) / f"{name}-phone.png"), full_page=True)
        page.set_viewport_size(width)


def _message(page: Any) -> str:
    return str(page.locator(".messages").inner_text()).strip()


def test_a_security_administrator_opens_disables_and_enables_a_clerks_account(
    audit_flush_allowed: None,
    live_server: Any,
    browser: Any,
    page: Any,
    world: World,
    own_storage: Path,
) -> None:
    _sign_in(page, live_server, "sd_security", PASSWORD)
    page.wait_for_url(f"{live_server.url}/backoffice/")
    page.click("nav >> text=用户")
    page.click("[data-testid=user-new]")
    page.fill("input[name=username]", "jinan_new")
    page.fill("input[name=display_name]", "济南新经办人")
    page.select_option("select[name=role]", Role.CITY_CLERK.value)
    page.select_option("select[name=authority]", "sd-jinan")
    _shot(page, "user-new")
    page.click("[data-testid=user-new-form] button[type=submit]")
    temporary = page.locator("[data-testid=temporary-password]").inner_text().strip()
    assert len(temporary) == 12
    _shot(page, "user-password-shown")

    page.click("[data-testid=to-account]")
    page.select_option("[data-testid=role-assign] select[name=role]", Role.COUNTY_CLERK.value)
    page.select_option("[data-testid=role-assign] select[name=authority]", "sd-jinan-lixia")
    page.click("[data-testid=role-assign] button[type=submit]")
    assert _message(page) == "已分配角色：县级经办人"
    assert User.objects.get(username="jinan_new").roles() == {
        Role.CITY_CLERK,
        Role.COUNTY_CLERK,
    }
    _shot(page, "user-detail")

    page.click("[data-testid=disable]")
    assert "API 令牌停止使用" in page.locator("[data-testid=disable-warning]").inner_text()
    _shot(page, "user-disable")
    page.click("[data-testid=disable-confirm] button[type=submit]")
    assert _message(page) == "账户已停用。"
    assert page.locator("[data-testid=account-state]").inner_text() == "已停用"

    clerk_context = browser.new_context(locale="zh-CN")
    clerk = clerk_context.new_page()
    _sign_in(clerk, live_server, "jinan_new", temporary)
    assert "用户名或密码不正确" in clerk.locator("[data-testid=sign-in-error]").inner_text()
    assert clerk.url == f"{live_server.url}/backoffice/login/"

    page.click("[data-testid=enable]")
    assert _message(page) == "账户已重新启用。"
    page.goto(f"{live_server.url}/backoffice/users/")
    _shot(page, "user-list")

    _sign_in(clerk, live_server, "jinan_new", temporary)
    clerk.wait_for_url(f"{live_server.url}/backoffice/password/*")
    assert clerk.locator("[data-testid=must-change]").is_visible()
    clerk.fill("input[name=current]", temporary)
    clerk.fill("input[name=password1]", OWN_PASSWORD)
    clerk.fill("input[name=password2]", OWN_PASSWORD)
    clerk.click("[data-testid=password-change] button[type=submit]")
    clerk.wait_for_url(f"{live_server.url}/backoffice/")
    assert clerk.locator("[data-testid=who]").inner_text() == "济南新经办人"
    clerk_context.close()
