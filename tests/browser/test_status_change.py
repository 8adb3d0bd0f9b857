"""A city clerk revokes a credential in a real browser; the QR code of the PDF printed before
then opens a page that says 已撤销 (revoked). A correction in the browser makes the old code say it
was replaced, and names the new number.

Set ECERT_SCREENSHOT_DIR to keep pictures of the confirmation and of the landing pages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ecert.core.documents.qr_images import qr_texts_in_pdf_bytes
from ecert.core.formats.qr import PATH
from ecert.credentials.models import Credential
from ecert.documents.services import document_original, document_path
from tests.conftest import PASSWORD, World
from tests.portal.signed import signed_proof

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

NUMBER = "2025370100004321"


@pytest.fixture
def printed(world: World, issuing_keys: Any, own_storage: Path) -> tuple[Credential, str]:
    """A sealed e-proof of 张堃 (Jinan), and the path its printed QR code opens."""
    credential = signed_proof(world, "jinan", NUMBER)
    document = document_original(actor=None, credential=credential, now=timezone.now())
    (text,) = qr_texts_in_pdf_bytes(document_path(document).read_bytes())
    return credential, "/V/" + text.split(PATH, 1)[1]


def _sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")


def _shot(page: Any, name: str) -> None:
    if directory := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def test_a_clerk_revokes_and_the_printed_qr_code_then_says_revoked(
    audit_flush_allowed: None,
    live_server: Any,
    page: Any,
    printed: tuple[Credential, str],
) -> None:
    credential, landing = printed
    page.goto(f"{live_server.url}{landing}")
    assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"

    _sign_in(page, live_server, "jinan_clerk")
    page.goto(f"{live_server.url}/backoffice/credentials/{credential.public_id}/")
    page.click("[data-testid=change-status]")
    page.select_option("select[name=status]", "revoked")
    page.fill("textarea[name=reason]", "持证人以伪造材料报名")
    page.click("[data-testid=status-form] button[type=submit]")
    assert page.locator("[data-testid=new-status]").inner_text() == "已撤销"
    assert page.locator("[data-testid=final-warning]").is_visible()
    _shot(page, "status-confirm.png")
    assert Credential.objects.get(pk=credential.pk).status == "valid"  # not before confirming
    page.click("[data-testid=status-confirm] button[type=submit]")
    assert page.locator(".messages").inner_text().strip() == "证书状态已改为：已撤销"

    page.goto(f"{live_server.url}{landing}")
    assert page.locator("[data-testid=verdict]").get_attribute("data-verdict") == "revoked"
    assert page.locator("[data-testid=verdict-text]").inner_text() == "真实，已撤销"
    _shot(page, "landing-after-revocation.png")


def test_a_correction_makes_the_printed_code_name_the_new_certificate(
    audit_flush_allowed: None,
    live_server: Any,
    page: Any,
    printed: tuple[Credential, str],
) -> None:
    credential, landing = printed
    _sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server.url}/backoffice/credentials/{credential.public_id}/")
    page.click("[data-testid=correct]")
    page.fill("input[name=name]", "张堃坤")
    page.fill("textarea[name=reason]", "户籍姓名变更")
    page.check("input[name=confirm]")
    page.click("[data-testid=correction-form] button[type=submit]")
    assert "张堃坤" in page.locator("h1").inner_text()
    _shot(page, "corrected.png")

    page.goto(f"{live_server.url}{landing}")
    assert page.locator("[data-testid=verdict]").get_attribute("data-verdict") == "superseded"
    assert NUMBER in page.locator("[data-testid=replaced-by]").inner_text()
