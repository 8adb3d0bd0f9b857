"""The file check page in Chromium with an OFD: the sealed original shows its certificate's
verdict; a changed one is "此文件不是原件" alone, at desktop and phone widths."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ecert.core.documents.ofd import package_zip
from ecert.core.documents.ofd_seal import package_unzip
from ecert.credentials.models import Credential
from tests.browser.test_pdf_verdicts import _check
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.test_ofd_verdicts import _certificate_ofd, _seal_for, _sealed_by

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def sealed(world: World, issuing_keys: Any, own_storage: Path) -> bytes:
    proof: Credential = signed_proof(world, "jinan", "2025370100001234")
    _seal_for(proof.issuing_authority)
    return _sealed_by(proof.issuing_authority, _certificate_ofd(proof))


def test_the_sealed_ofd_shows_the_certificate_verdict(
    audit_flush_allowed: None, live_server: Any, sealed: bytes, browser: Any, tmp_path: Path
) -> None:
    ofd = tmp_path / "证书.ofd"
    ofd.write_bytes(sealed)

    for page in _check(browser, live_server.url, ofd, "ofd-original"):
        assert page.locator("[data-testid=pdf-verdict]").get_attribute("data-original") == "yes"
        assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"


def test_a_changed_ofd_is_only_not_an_original(
    audit_flush_allowed: None, live_server: Any, sealed: bytes, browser: Any, tmp_path: Path
) -> None:
    files = package_unzip(sealed)
    page_path = "Doc_0/Pages/Page_0/Content.xml"
    files[page_path] = files[page_path].replace("电子合格证明".encode(), "伪造证明".encode())
    ofd = tmp_path / "证书.ofd"
    ofd.write_bytes(package_zip(files))

    for page in _check(browser, live_server.url, ofd, "ofd-altered"):
        verdict = page.locator("[data-testid=pdf-verdict]")
        assert verdict.get_attribute("data-original") == "no"
        assert verdict.get_attribute("data-reason") == "altered"
        assert "此文件不是原件" in page.locator("main").inner_text()
        assert page.locator(".check.fail").count() == 1
