"""Public verification on a phone, in a real browser: the page a scanned QR code opens, one page
per verdict, the online query, the PDF check, and an employer's list check with its result sheet.

Set ECERT_SCREENSHOT_DIR (docs/verification, say) to keep a full-page picture of each landing page
as landing-<verdict>.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from python_calamine import CalamineWorkbook

from ecert.core.documents.qr_images import qr_texts_in_pdf_bytes
from ecert.core.formats.qr import ALPHABET, PATH, qr_text
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status, holder_id_number
from ecert.documents.services import document_original, document_path
from ecert.verification.models import Organisation
from tests.conftest import PASSWORD, World
from tests.portal.signed import signed_proof

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
NUMBER = "2025370100001234"  # the 监理工程师 e-proof of 张堃 (Jinan) these tests check
VERDICT_TEXTS = {
    "valid": "真实有效",
    "suspended": "真实，已暂停使用",
    "revoked": "真实，已撤销",
    "superseded": "真实，已换发新证书",
    "not_genuine": "不是真实证书",
}


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
def proof(world: World, issuing_keys: Any, own_storage: Path) -> Credential:
    return signed_proof(world, "jinan", NUMBER)


def _payload_of(credential: Credential) -> str:
    """What follows /V/ in the credential's QR code."""
    assert credential.signed is not None
    text = qr_text(django_settings.ECERT_VERIFY_HOST, bytes(credential.signed))
    return text.split(PATH, 1)[1]


def _submit(page: Any, button: Any) -> int:
    """Click a form's button; the status of the POST it sends (403 if the CSRF check refuses)."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        button.click()
    return int(answer.value.status)


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _masked(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def _sealed_pdf(credential: Credential) -> bytes:
    document = document_original(actor=None, credential=credential, now=timezone.now())
    return document_path(document).read_bytes()


def _verdict(page: Any) -> tuple[str, str]:
    """The verdict a visitor sees: the section's verdict and its headline."""
    section = page.locator("[data-testid=verdict]")
    return (
        section.get_attribute("data-verdict"),
        page.locator("[data-testid=verdict-text]").inner_text(),
    )


def _altered(payload: str) -> str:
    """The payload with one character of the signed claims changed to its neighbour."""
    index = 60  # the least significant digit of a pair of bytes well inside the claims
    swapped = ALPHABET[ALPHABET.index(payload[index]) ^ 1]
    return payload[:index] + swapped + payload[index + 1 :]


def _shoot(page: Any, name: str) -> None:
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_the_qr_code_of_a_sealed_pdf_opens_a_valid_verdict_with_a_masked_holder(
    audit_flush_allowed: None, live_server: Any, proof: Credential, phone: Any
) -> None:
    texts = [t for t in qr_texts_in_pdf_bytes(_sealed_pdf(proof)) if PATH in t]
    assert len(texts) == 1
    scheme, host = django_settings.ECERT_VERIFY_SCHEME, django_settings.ECERT_VERIFY_HOST
    prefix = f"{scheme}://{host}{PATH}".upper()  # QR alphanumerics
    assert texts[0].startswith(prefix)
    payload = texts[0].removeprefix(prefix)
    id_number = holder_id_number(proof.holder)

    phone.goto(f"{live_server.url}/V/{payload}")

    assert _verdict(phone) == ("valid", "真实有效")
    assert phone.locator("[data-testid=holder]").inner_text() == "张*"
    assert phone.locator("[data-testid=id-number]").inner_text() == _masked(id_number)
    assert phone.locator("[data-testid=number]").inner_text() == NUMBER
    assert phone.locator("[data-testid=qualification]").inner_text() == "监理工程师"
    assert phone.locator("[data-testid=issuer]").inner_text() == "山东省人力资源和社会保障厅"
    html = phone.content()
    assert "张堃" not in html
    assert id_number not in html
    # The verdict comes first, above the facts, and the page needs no sideways scrolling.
    verdict_box = phone.locator("[data-testid=verdict]").bounding_box()
    facts_box = phone.locator("[data-testid=facts]").bounding_box()
    assert verdict_box["y"] + verdict_box["height"] <= facts_box["y"]
    assert verdict_box["y"] < PHONE["height"]
    assert _fits_the_screen(phone)


def _landing_payload(world: World, proof: Credential, verdict: str) -> str:
    """Put ``proof`` in the state that earns ``verdict``; the payload its QR code carries."""
    admin = world.user("province_admin")
    if verdict in ("suspended", "revoked"):
        credential_set_status(
            actor=admin, credential=proof, status=CredentialStatus(verdict), reason="核查"
        )
    elif verdict == "superseded":
        # One credential per holder, qualification, level and approval date: the old one moves.
        Credential.objects.filter(pk=proof.pk).update(approval_date=date(2024, 9, 1))
        newer = signed_proof(world, "jinan", "2025370100005678")
        Credential.objects.filter(pk=newer.pk).update(supersedes=proof)
        Credential.objects.filter(pk=proof.pk).update(status=CredentialStatus.SUPERSEDED)
    payload = _payload_of(proof)
    return _altered(payload) if verdict == "not_genuine" else payload


@pytest.mark.parametrize("verdict", list(VERDICT_TEXTS))
def test_each_verdict_has_a_landing_page_that_reads_on_a_phone(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    proof: Credential,
    phone: Any,
    verdict: str,
) -> None:
    payload = _landing_payload(world, proof, verdict)

    phone.goto(f"{live_server.url}/V/{payload}")

    assert _verdict(phone) == (verdict, VERDICT_TEXTS[verdict])
    assert "张堃" not in phone.content()
    if verdict == "not_genuine":
        # Nothing from an altered code is shown as if it were a certificate's.
        assert phone.locator("[data-testid=facts]").count() == 0
        assert NUMBER not in phone.content()
    else:
        assert phone.locator("[data-testid=holder]").inner_text() == "张*"
        assert phone.locator("[data-testid=number]").inner_text() == NUMBER
    if verdict == "superseded":
        assert "2025370100005678" in phone.locator("[data-testid=replaced-by]").inner_text()
    assert _fits_the_screen(phone)
    _shoot(phone, f"landing-{verdict}.png")


def _ask(page: Any, base: str, name: str, id_number: str, number: str) -> None:
    page.goto(f"{base}/verify/")
    form = page.locator("[data-testid=query-form]")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=id_number]").fill(id_number)
    form.locator("input[name=number]").fill(number)
    assert _submit(page, form.locator("button[type=submit]")) == 200
    page.wait_for_selector("[data-testid=verdict]")


def test_the_online_query_answers_a_match_and_a_miss(
    audit_flush_allowed: None, live_server: Any, proof: Credential, phone: Any
) -> None:
    id_number = holder_id_number(proof.holder)

    _ask(phone, live_server.url, "张堃", id_number, NUMBER)

    assert _verdict(phone) == ("valid", "真实有效")
    assert phone.locator("[data-testid=holder]").inner_text() == "张*"
    assert phone.locator("[data-testid=number]").inner_text() == NUMBER
    assert _fits_the_screen(phone)

    _ask(phone, live_server.url, "张堃", id_number, "2025370100009999")

    assert phone.locator("[data-testid=verdict]").get_attribute("data-verdict") == "not_found"
    assert phone.locator("[data-testid=facts]").count() == 0
    assert NUMBER not in phone.content()


def _check_pdf(page: Any, base: str, path: Path) -> Any:
    page.goto(f"{base}/verify/pdf/")
    form = page.locator("[data-testid=pdf-form]")
    form.locator("input[name=file]").set_input_files(str(path))
    assert _submit(page, form.locator("button[type=submit]")) == 200
    return page.wait_for_selector("[data-testid=pdf-verdict]")


def test_the_pdf_check_tells_the_original_from_a_re_saved_copy(
    audit_flush_allowed: None, live_server: Any, proof: Credential, phone: Any, tmp_path: Path
) -> None:
    original = tmp_path / "证书.pdf"
    original.write_bytes(_sealed_pdf(proof))
    copy = tmp_path / "证书-副本.pdf"
    copy.write_bytes(original.read_bytes() + b"\n% re-saved\n")

    result = _check_pdf(phone, live_server.url, original)

    assert result.get_attribute("data-original") == "yes"
    assert "证书.pdf" in result.inner_text()
    assert _verdict(phone) == ("valid", "真实有效")  # the certificate in the file
    assert phone.locator("[data-testid=holder]").inner_text() == "张*"
    assert _fits_the_screen(phone)

    result = _check_pdf(phone, live_server.url, copy)

    assert result.get_attribute("data-original") == "no"
    assert result.get_attribute("data-reason") == "added_after_signing"
    assert phone.locator("[data-testid=pdf-reason]").inner_text().strip()


def test_an_employer_checks_a_list_and_downloads_the_result_sheet(
    audit_flush_allowed: None,
    live_server: Any,
    proof: Credential,
    employer_organisation: Organisation,
    phone: Any,
    tmp_path: Path,
) -> None:
    id_number = holder_id_number(proof.holder)
    listing = tmp_path / "应聘人员.csv"
    listing.write_text(
        f"姓名,证件号码,证书编号\n张堃,{id_number},{NUMBER}\n张堃,{id_number},2025370100009999\n",
        encoding="utf-8",
    )

    phone.goto(f"{live_server.url}/verify/org/login/")
    form = phone.locator("[data-testid=sign-in-form]")
    form.locator("input[name=username]").fill("employer")
    form.locator("input[name=password]").fill(PASSWORD)
    assert _submit(phone, form.locator("button[type=submit]")) == 302
    phone.wait_for_url(f"{live_server.url}/verify/org/")
    assert phone.locator("[data-testid=who]").inner_text() == "济南某建筑公司"
    assert _fits_the_screen(phone)

    upload = phone.locator("[data-testid=org-list-form]")
    upload.locator("input[name=file]").set_input_files(str(listing))
    with phone.expect_download() as download_info:
        upload.locator("button[type=submit]").click()
    download = download_info.value
    assert download.suggested_filename.startswith("verification-")
    assert download.suggested_filename.endswith(".xlsx")
    sheet = tmp_path / download.suggested_filename
    download.save_as(sheet)

    rows = CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).to_python()
    assert rows[0][5] == "核验结论"
    found, missing = rows[1:]
    assert (str(found[0]), found[3], found[5]) == ("2", NUMBER, "真实有效")
    assert found[7] == "监理工程师"
    assert (str(missing[0]), missing[3]) == ("3", "2025370100009999")
    assert str(missing[5]).startswith("查无此证")

    # Both rows are in the organisation's own log of verifications.
    phone.goto(f"{live_server.url}/verify/org/")
    log = phone.locator("[data-testid=org-log]").inner_text()
    assert NUMBER in log
    assert "2025370100009999" in log
