"""A holder on a phone signs in through the government service app (爱山东) in a real browser:
the portal's button, the provider's own sign-in and consent pages (panva's oidc-provider, started
on loopback), and back to their certificates; a person with no certificate here is told so."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import World
from tests.oidc.conftest import RunningProvider, provider_start

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def gov_app(live_server: Any, settings: Any) -> Iterator[RunningProvider]:
    """The provider, accepting the live server's callback, and the portal configured for it."""
    provider = provider_start(callback=f"{live_server.url}/my/login/oidc/callback/")
    settings.ECERT_OIDC = provider.config()
    yield provider
    provider.stop()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    # The provider's development pages ask Google for a web font; nothing leaves the machine.
    context.route("https://fonts.googleapis.com/**", lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


def _through_the_app(phone: Any, base: str, login: str) -> None:
    phone.goto(f"{base}/my/login/")
    phone.click("[data-testid=sign-in-oidc]")
    phone.fill("input[name=login]", login)  # the provider's own sign-in page
    phone.fill("input[name=password]", "any password")
    phone.click("button[type=submit]")
    phone.click("button[type=submit]")  # its consent page: Continue


def test_a_holder_signs_in_with_the_app_on_a_phone(
    audit_flush_allowed: None, live_server: Any, world: World, gov_app: RunningProvider, phone: Any
) -> None:
    phone.goto(f"{live_server.url}/my/login/")
    button = phone.locator("[data-testid=sign-in-oidc]")
    assert button.inner_text() == "通过爱山东登录"
    assert phone.locator("[data-testid=to-activate]").is_visible()  # the code stays the fallback
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if screenshot := os.environ.get("ECERT_SCREENSHOT"):
        phone.screenshot(path=screenshot, full_page=True)

    _through_the_app(phone, live_server.url, "lizhe")

    phone.wait_for_url(f"{live_server.url}/my/")
    text = phone.locator("[data-testid=credentials]").inner_text()
    assert world.credentials["qingdao"].management_number in text
    assert world.credentials["jinan"].management_number not in text
    assert phone.locator("[data-testid=who]").inner_text() == "李喆"


def test_a_person_without_certificates_is_told_and_not_signed_in(
    audit_flush_allowed: None, live_server: Any, world: World, gov_app: RunningProvider, phone: Any
) -> None:
    _through_the_app(phone, live_server.url, "stranger")

    phone.wait_for_url(f"{live_server.url}/my/login/oidc/refused/")
    refusal = phone.locator("[data-testid=oidc-refusal]").inner_text()
    assert "名下没有本系统登记的证书" in refusal
    assert phone.locator("[data-testid=who]").count() == 0
    phone.click("button[value=en]")  # the language switch at the foot
    assert (
        "no certificate is recorded here"
        in phone.locator("[data-testid=oidc-refusal]").inner_text()
    )
