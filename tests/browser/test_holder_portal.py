"""A holder's first day on a phone, in a real browser: the city clerk issues an activation code in
the back office, the holder opens their account, signs in, sees their certificates, downloads the
sealed PDF (an original to pyHanko) and asks for a 加注 copy."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from jwcrypto.jwk import JWK

from ecert.core.documents.pades import pdf_check
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.documents.models import ScopedCopy
from ecert.signing.models import RootCertificate
from tests.conftest import PASSWORD, World
from tests.portal.signed import signed_proof

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
HOLDER_PASSWORD = "李喆的手机密码-2026"


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        accept_downloads=True,
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def credential(world: World, issuing_keys: Any, settings: Any, tmp_path: Path) -> Credential:
    settings.ECERT_DATA_DIR = tmp_path / "data"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hp"}
    }
    return signed_proof(world, "qingdao", "2025370200005678")


def _issue_code(page: Any, base: str, credential: Credential) -> tuple[str, str]:
    """The Qingdao clerk issues a code on the credential's page; the slip shows it and the address."""
    page.goto(f"{base}/backoffice/login/")
    page.fill("input[name=username]", "qingdao_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/backoffice/credentials/{credential.public_id}/")
    page.click("[data-testid=issue-activation-code]")
    slip = page.locator("[data-testid=activation-slip]")
    slip.wait_for()
    return (
        page.locator("[data-testid=activation-code]").inner_text(),
        page.locator("[data-testid=portal-url]").inner_text(),
    )


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_holder_activates_signs_in_downloads_and_scopes_on_a_phone(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    credential: Credential,
    page: Any,
    phone: Any,
    tmp_path: Path,
) -> None:
    code, activation_url = _issue_code(page, live_server.url, credential)
    id_number = holder_id_number(credential.holder)
    assert activation_url == f"{live_server.url}/my/activate/"

    # Activation, on the phone, from the address on the slip.
    phone.goto(activation_url)
    assert _fits_the_screen(phone)
    phone.fill("input[name=id_number]", id_number)
    phone.fill("input[name=code]", code.lower())
    phone.fill("input[name=password1]", HOLDER_PASSWORD)
    phone.fill("input[name=password2]", HOLDER_PASSWORD)
    phone.click("[data-testid=activate] button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/my/")

    # Sign out, and in again with the ID number and the new password.
    phone.click("form.out button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/my/login/")
    phone.fill("input[name=id_number]", id_number)
    phone.fill("input[name=password]", HOLDER_PASSWORD)
    phone.click("[data-testid=sign-in] button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/my/")

    cards = phone.locator("[data-testid=credentials]")
    text = cards.inner_text()
    assert credential.management_number in text
    assert world.credentials["qingdao"].management_number in text
    assert world.credentials["jinan"].management_number not in text
    assert phone.locator("[data-testid=who]").inner_text() == "李喆"
    assert _fits_the_screen(phone)
    if screenshot := os.environ.get("ECERT_SCREENSHOT"):
        phone.screenshot(path=screenshot, full_page=True)

    # The sealed PDF: a download, and an original to pyHanko.
    phone.click(f"[data-testid=credential-{credential.public_id}]")
    phone.wait_for_selector("[data-testid=download]")
    assert _fits_the_screen(phone)
    with phone.expect_download() as download_info:
        phone.click("[data-testid=download]")
    download = download_info.value
    assert download.suggested_filename == f"证书-{credential.public_id}.pdf"
    saved = tmp_path / "download.pdf"
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/ByteRange" in pdf
    root = bytes(RootCertificate.objects.get(active=True).certificate)
    assert pdf_check(pdf, [root]).original
    assert phone.locator("[data-testid=print]").get_attribute("target") == "_blank"

    # A 加注 copy: the form, then back on the credential, where the download starts by itself.
    phone.click("[data-testid=scoped-new]")
    phone.fill("input[name=purpose]", "办理执业注册")
    valid_until = timezone.localdate() + timedelta(days=60)
    phone.fill("input[name=valid_until]", valid_until.isoformat())
    with phone.expect_download() as scoped_info:
        phone.click("[data-testid=scoped-form] button[type=submit]")
    copy = ScopedCopy.objects.get()
    assert scoped_info.value.suggested_filename == (
        f"证书-{credential.public_id}-加注-{copy.reference}.pdf"
    )
    listed = phone.locator(f"[data-testid=copy-{copy.reference}]").inner_text()
    assert "办理执业注册" in listed
    assert valid_until.isoformat() in listed
    assert _fits_the_screen(phone)

    # Both wallet files in one box, each with what it is for; the SD-JWT VC downloads.
    box = phone.locator("[data-testid=wallet]")
    assert box.locator("h2").inner_text() == "数字钱包凭证"
    assert box.locator("[data-testid=sd-jwt]").inner_text() == "下载 SD-JWT VC 凭证"
    assert box.locator("[data-testid=w3c-vc-download]").inner_text() == "下载 W3C 凭证"
    assert box.locator(".wallet-formats > li > .help").count() == 2  # one line on each format
    with phone.expect_download() as wallet_info:
        box.locator("[data-testid=sd-jwt]").click()
    assert wallet_info.value.suggested_filename == f"证书-{credential.public_id}.sd-jwt"
    # Bound to the wallet's key: the key pasted into the folded form, the file carries it.
    box.locator("[data-testid=wallet-key] summary").click()
    wallet_key = JWK.generate(kty="EC", crv="P-256")
    box.locator("textarea[name=holder_jwk]").fill(wallet_key.export_public())
    with phone.expect_download() as bound_info:
        box.locator("[data-testid=sd-jwt-bound]").click()
    bound = Path(bound_info.value.path()).read_text(encoding="ascii")
    payload = bound.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["cnf"]["jwk"]["x"] == json.loads(wallet_key.export_public())["x"]
    box.locator("[data-testid=wallet-key] summary").click()  # folded again for the pictures
    if pictures := os.environ.get("ECERT_WALLET_SCREENSHOTS"):
        _wallet_pictures(phone, page, Path(pictures))


def _wallet_pictures(phone: Any, desktop: Any, folder: Path) -> None:
    """docs/holders/credential-wallet-{phone,desktop}.png: the credential's page, whole."""
    page_url = phone.url.split("?")[0]  # without the just-made copy's download
    phone.goto(page_url)
    phone.locator("[data-testid=wallet]").wait_for()
    phone.screenshot(path=folder / "credential-wallet-phone.png", full_page=True)
    desktop.context.add_cookies(phone.context.cookies())  # the holder's session
    desktop.set_viewport_size({"width": 1280, "height": 900})
    desktop.goto(page_url)
    desktop.locator("[data-testid=wallet]").wait_for()
    desktop.screenshot(path=folder / "credential-wallet-desktop.png", full_page=True)
