"""The PDF check page in Chromium, one verdict per file: the original with its certificate's
verdict; an altered copy, a printed-to-PDF copy and a copy sealed by another authority each as
"此文件不是原件" alone, with no green box and no seal picture, at desktop and phone widths.

Set ECERT_SCREENSHOT_DIR (docs/verification) to keep pdf-<case>.png and pdf-<case>-phone.png.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ecert.credentials.models import Credential
from ecert.documents.services import document_original, document_path
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.pdf_copies import altered, printed, sealed_by

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WIDTHS = {"": {"width": 1280, "height": 900}, "-phone": {"width": 390, "height": 844}}


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Path) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def _check(browser: Any, base: str, pdf: Path, name: str) -> list[Any]:
    """Upload ``pdf`` at both widths; the page of each, after a screenshot if asked for."""
    pages = []
    for suffix, viewport in WIDTHS.items():
        context = browser.new_context(
            viewport=viewport, device_scale_factor=2 if suffix else 1, locale="zh-CN"
        )
        page = context.new_page()
        page.goto(f"{base}/verify/pdf/")
        form = page.locator("[data-testid=pdf-form]")
        form.locator("input[name=file]").set_input_files(str(pdf))
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            form.locator("button[type=submit]").click()
        assert answer.value.status == 200
        page.wait_for_selector("[data-testid=pdf-verdict]")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"pdf-{name}{suffix}.png"), full_page=True)
        pages.append(page)
    return pages


def test_the_original_pdf_shows_the_certificate_verdict(
    audit_flush_allowed: None, live_server: Any, proof: Credential, browser: Any, tmp_path: Path
) -> None:
    pdf = tmp_path / "证书.pdf"
    document = document_original(actor=None, credential=proof, now=timezone.now())
    pdf.write_bytes(document_path(document).read_bytes())

    for page in _check(browser, live_server.url, pdf, "original"):
        assert page.locator("[data-testid=pdf-verdict]").get_attribute("data-original") == "yes"
        assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"
        assert page.locator(".verdict").count() == 1  # one verdict box: the certificate's
        assert page.locator("[data-testid=holder]").inner_text() == "张*"


COPIES: dict[str, Callable[[bytes, dict[str, Any]], bytes]] = {
    "altered": lambda pdf, keys: altered(pdf),
    "printed": lambda pdf, keys: printed(pdf),
    "wrong-signer": lambda pdf, keys: sealed_by(pdf, keys["sd-pta"]),
}
REASONS = {"altered": "altered", "printed": "unsigned", "wrong-signer": "wrong_signer"}


@pytest.mark.parametrize("case", list(COPIES))
def test_a_copy_is_only_not_an_original(
    audit_flush_allowed: None,
    live_server: Any,
    proof: Credential,
    issuing_keys: Any,
    browser: Any,
    tmp_path: Path,
    case: str,
) -> None:
    document = document_original(actor=None, credential=proof, now=timezone.now())
    pdf = tmp_path / "证书.pdf"
    pdf.write_bytes(COPIES[case](document_path(document).read_bytes(), issuing_keys))

    for page in _check(browser, live_server.url, pdf, case):
        verdict = page.locator("[data-testid=pdf-verdict]")
        assert verdict.get_attribute("data-original") == "no"
        assert verdict.get_attribute("data-reason") == REASONS[case]
        assert page.locator(".verdict").count() == 1  # the red one, alone
        assert page.locator(".verdict.valid, [data-testid=verdict], main img").count() == 0
        text = page.locator("main").inner_text()
        assert "此文件不是原件" in text
        assert "真实有效" not in text
        assert page.locator("[data-check] >> nth=0").is_visible()
        assert page.locator(".check.fail").count() == 1
        assert page.locator("[data-testid=pdf-next] a").get_attribute("href") == "/verify/"
