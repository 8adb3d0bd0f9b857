"""The offline verifier (/verify/offline/) in a real Chromium: visited once online, then with the
network off it opens from its service worker and verifies QR pictures in the page; and it agrees
with the server's Python verifier on every case of docs/formats/vectors/verification-v1.json.

Set ECERT_SCREENSHOT_DIR (docs/verification, say) to keep phone pictures of the page and of each
verdict as offline-<name>.png (desktop ones as offline-desktop-<name>.png).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Algorithm, generate_key
from ecert.core.formats.qr import ALPHABET, PATH, make_qr, qr_text
from ecert.core.formats.status_list import StatusListDocument
from ecert.core.formats.trust_list import load_trust_list, sign_trust_list
from ecert.core.formats.verify import load_status_list, verify_qr_text
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.credentials.status_lists import status_lists_publish
from ecert.signing.models import RootCertificate, StatusListPublication, TrustListPublication
from ecert.signing.services import trust_list_publish
from tests.conftest import World
from tests.core.format_vectors import (
    ES256_KID,
    KID,
    NARROW_KID,
    OLD_KID,
    REVOKED_KID,
    RFC6979_P256_SECRET,
    ROOT_KID,
    VECTOR_NOW,
    DeterministicP256,
    example_claims,
    vector_root,
    vector_signer_certificate,
    vector_trust_list,
)
from tests.portal.signed import signed_proof

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VECTORS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors"


@pytest.fixture
def published(world: World, issuing_keys: Any, own_storage: Path) -> dict[str, Credential]:
    """A valid and a revoked e-proof, with the trust list and status lists published."""
    valid = signed_proof(world, "jinan", "2025370100001234")
    revoked = signed_proof(world, "qingdao", "2025370200005678")
    credential_set_status(
        actor=None, credential=revoked, status=CredentialStatus.REVOKED, reason="测试：撤销"
    )
    now = timezone.now()
    trust_list_publish(actor=None, now=now)
    status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=now)
    return {"valid": valid, "revoked": revoked}


def _text(credential: Credential) -> str:
    assert credential.signed is not None
    return qr_text(django_settings.ECERT_VERIFY_HOST, bytes(credential.signed))


def _altered(text: str) -> str:
    """One byte of the signature changed: the lowest digit of a base42 group near the end (the
    signature is the message's last item) swapped with its neighbour. A change inside the claims
    would sometimes break their encoding instead (malformed_not_cbor), depending on the claims."""
    head, payload = text.split(PATH, 1)
    index = 3 * ((len(payload) - 30) // 3)
    swapped = ALPHABET[ALPHABET.index(payload[index]) ^ 1]
    return head + PATH + payload[:index] + swapped + payload[index + 1 :]


def _png(text: str, path: Path) -> Path:
    """The QR code as a PNG picture, drawn by the project's own QR code maker."""
    make_qr(text).save(str(path), scale=6, border=4)
    return path


def _server_answer(
    text: str, now: datetime | None = None
) -> tuple[str, list[tuple[str, str, str]]]:
    """What the Python verifier says of ``text`` with the files the page keeps."""
    root = bytes(RootCertificate.objects.get(active=True).certificate)
    trust_doc = TrustListPublication.objects.order_by("-sequence").first()
    assert trust_doc is not None
    trust = load_trust_list(bytes(trust_doc.document), root_certificate=root)
    lists: dict[int, StatusListDocument] = {}
    for row in StatusListPublication.objects.all():
        document = load_status_list(bytes(row.document), trust)
        lists[document.list_number] = document
    result = verify_qr_text(
        text, trust_list=trust, now=now or datetime.now(UTC), status_lists=lists
    )
    return str(result.verdict), [(c.name, str(c.outcome), c.reason) for c in result.checks]


def _page_answer(page: Any) -> tuple[str, list[tuple[str, str, str]]]:
    verdict = page.locator("[data-testid=verdict]").get_attribute("data-verdict")
    checks = page.eval_on_selector_all(
        "#checks li",
        "items => items.map(li => [li.dataset.check, li.className.split(' ')[1], li.dataset.reason])",
    )
    return verdict, [tuple(c) for c in checks]


def _choose_picture(page: Any, picture: Path) -> None:
    page.locator("#result").evaluate("node => { node.hidden = true; }")
    with page.expect_file_chooser() as chooser:
        page.locator("label[for=picture]").click()
    chooser.value.set_files(str(picture))
    page.locator("#result:not([hidden])").wait_for()


def _shoot(page: Any, name: str) -> None:
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"offline-{name}.png"), full_page=True)


def _fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_with_the_network_off_the_page_opens_and_verifies_qr_pictures(
    audit_flush_allowed: None,
    live_server: Any,
    published: dict[str, Credential],
    browser: Any,
    tmp_path: Path,
) -> None:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    url = f"{live_server.url}/verify/offline/"
    page.goto(url)
    page.locator("body[data-ready=true]").wait_for()
    # The service worker is installed (it kept the files) and controls the page.
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    assert page.locator("#files-panel").get_attribute("data-state") == "ready"
    _shoot(page, "page")

    offline_from = time.time()
    context.set_offline(True)
    # A page the worker does not keep cannot be reached: the network is really off.
    gone = page.evaluate("fetch('/verify/').then(() => 'reached', () => 'unreachable')")
    assert gone == "unreachable"
    page.reload()
    page.locator("body[data-ready=true]").wait_for()
    kept = page.locator("[data-testid=kept-files]")
    assert kept.get_attribute("data-state") == "ready"
    # What the page verifies with was fetched before the network went off.
    assert float(kept.get_attribute("data-fetched-at")) < offline_from
    assert "信任列表" in kept.inner_text()

    cases = {
        "valid": (_text(published["valid"]), "真实有效"),
        "revoked": (_text(published["revoked"]), "真实，已撤销"),
        "not_genuine": (_altered(_text(published["valid"])), "不是真实证书"),
    }
    for name, (text, headline) in cases.items():
        _choose_picture(page, _png(text, tmp_path / f"{name}.png"))
        verdict, checks = _page_answer(page)
        assert (verdict, checks) == _server_answer(text), name
        assert verdict == name
        assert page.locator("[data-testid=verdict-text]").inner_text() == headline
        assert _fits_the_screen(page)
        _shoot(page, name)
    assert checks[0] == ("integrity", "fail", "bad_signature")
    # A genuine certificate shows its facts, masked as the server masks them.
    _choose_picture(page, tmp_path / "valid.png")
    assert page.locator("[data-testid=holder]").inner_text().endswith("*")
    assert page.locator("[data-testid=number]").inner_text() == "2025370100001234"

    # Two days later, still offline, the kept status list is past its next update: the page says
    # so, and a credential's status is reported unknown, as the server's verifier would.
    later = datetime.now(UTC) + timedelta(days=2)
    page.clock.install(time=later)
    page.reload()
    page.locator("body[data-ready=true]").wait_for()
    stale = page.locator("[data-testid=kept-files] li.stale")
    assert stale.count() >= 1
    assert "已过期" in stale.first.inner_text()
    text = _text(published["valid"])
    _choose_picture(page, tmp_path / "valid.png")
    assert _page_answer(page) == _server_answer(text, later)
    assert _page_answer(page)[0] == "valid_status_unknown"
    assert page.locator("[data-check=status]").get_attribute("data-reason") == "status_list_expired"
    assert page.locator("[data-testid=verdict-text]").inner_text() == "真实，状态未知"
    _shoot(page, "valid_status_unknown")

    # A picture without a QR code says so, in Chinese.
    blank = tmp_path / "blank.png"
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(blank)
    with page.expect_file_chooser() as chooser:
        page.locator("label[for=picture]").click()
    chooser.value.set_files(str(blank))
    message = page.locator("[data-testid=offline-message]")
    message.wait_for()
    assert "没有找到二维码" in message.inner_text()
    context.close()


def test_the_page_is_installable_and_reads_on_a_desktop(
    audit_flush_allowed: None,
    live_server: Any,
    published: dict[str, Credential],
    browser: Any,
    client: Any,
    tmp_path: Path,
) -> None:
    manifest = client.get("/verify/offline/manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    data = json.loads(manifest.content)
    assert data["start_url"] == data["scope"] == "/verify/offline/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get("/verify/offline/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert "/api/v1/trust-list" in worker.content.decode()

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/verify/offline/")
    page.locator("body[data-ready=true]").wait_for()
    assert page.evaluate("document.querySelector('link[rel=manifest]').href").endswith(
        "/verify/offline/manifest.webmanifest"
    )
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / "offline-desktop-page.png"), full_page=True)
    _choose_picture(page, _png(_text(published["revoked"]), tmp_path / "revoked.png"))
    assert _page_answer(page)[0] == "revoked"
    if folder := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / "offline-desktop-revoked.png"), full_page=True)
    context.close()


def test_the_page_and_the_server_agree_on_every_published_vector(
    audit_flush_allowed: None, live_server: Any, db: Any, page: Any
) -> None:
    vectors = json.loads((VECTORS / "verification-v1.json").read_text(encoding="utf-8"))
    page.goto(f"{live_server.url}/verify/offline/")
    page.locator("body[data-ready=true]").wait_for()
    trust = load_trust_list(
        bytes.fromhex(vectors["trust_list_hex"]),
        root_certificate=bytes.fromhex(vectors["root_certificate_hex"]),
    )
    lists = {}
    for signed in vectors["status_lists_hex"]:
        try:
            document = load_status_list(bytes.fromhex(signed), trust)
        except EcertError:  # a refused list is a list the verifier lacks
            continue
        lists[document.list_number] = document
    now = datetime.fromtimestamp(vectors["now"], UTC)
    for case in vectors["credentials"]:
        server = verify_qr_text(case["qr_text"], trust_list=trust, now=now, status_lists=lists)
        browser_answer = page.evaluate(
            "v => window.ecertOffline.verifyVector(v)",
            {**vectors, "qr_text": case["qr_text"]},
        )
        expected = [[c.name, str(c.outcome), c.reason] for c in server.checks]
        assert browser_answer["verdict"] == str(server.verdict) == case["verdict"], case["name"]
        assert (
            [[c["name"], c["outcome"], c["reason"]] for c in browser_answer["checks"]]
            == expected
            == case["checks"]
        ), case["name"]
    for case in vectors["trust_lists"]:
        refusal = page.evaluate("v => window.ecertOffline.trustListRefusal(v)", case)
        assert refusal == case["refused"], case["name"]


def test_an_sm2_credential_is_sent_to_the_server_not_called_untrusted(
    audit_flush_allowed: None, live_server: Any, db: Any, page: Any
) -> None:
    """WebCrypto has no SM2: the page says the server must check it; the server checks it."""
    root = DeterministicP256(RFC6979_P256_SECRET)
    root_der = vector_root(root, "ecert 测试根证书")
    sm2 = generate_key(Algorithm.SM2_SM3)
    certificate = vector_signer_certificate(root, root_der, sm2, 2)
    kids = (KID, ES256_KID, NARROW_KID, OLD_KID, REVOKED_KID)
    trust_list = vector_trust_list(root_der, dict.fromkeys(kids, certificate))
    signed_trust = sign_trust_list(trust_list, root, kid=ROOT_KID)
    claims = replace(example_claims()["exam_proof"], status_index=5)
    text = qr_text("VERIFY.EXAMPLE.CN", cose.sign1(claims.to_cbor(), sm2, kid=KID, tagged=False))

    server = verify_qr_text(
        text,
        trust_list=load_trust_list(signed_trust, root_certificate=root_der),
        now=datetime.fromtimestamp(VECTOR_NOW, UTC),
    )
    assert server.verdict == "valid_status_unknown"  # genuine; this test gives it no status list

    page.goto(f"{live_server.url}/verify/offline/")
    page.locator("body[data-ready=true]").wait_for()
    vector = {
        "trust_list_hex": signed_trust.hex(),
        "root_certificate_hex": root_der.hex(),
        "status_lists_hex": [],
        "now": VECTOR_NOW,
        "qr_text": text,
    }
    answer = page.evaluate("v => window.ecertOffline.verifyVector(v)", vector)
    assert answer["verdict"] == "needs_server"
    assert answer["checks"][0] == {
        "name": "integrity",
        "outcome": "unknown",
        "reason": "needs_server",
    }
    # What the page shows for it, in Chinese.
    texts = json.loads(page.locator("#ecert-offline").text_content())["texts"]
    assert texts["verdicts"]["needs_server"] == "此证书须联网核验"


def _camera_file(text: str, path: Path) -> Path:
    """A one-frame Y4M video of the QR code on a white page: Chromium's fake camera plays it."""
    from PIL import Image

    code = tmp = path.with_suffix(".png")
    _png(text, tmp)
    frame = Image.new("L", (640, 480), 255)
    symbol = Image.open(code).convert("L")
    symbol.thumbnail((440, 440))
    frame.paste(symbol, ((640 - symbol.width) // 2, (480 - symbol.height) // 2))
    chroma = bytes([128]) * (320 * 240)
    header = b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n"
    path.write_bytes(header + b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


def test_the_camera_reads_the_code_and_the_page_verifies_it(
    audit_flush_allowed: None,
    live_server: Any,
    published: dict[str, Credential],
    browser: Any,
    tmp_path: Path,
) -> None:
    from tests.browser.conftest import CHROMIUM_FLAGS

    video = _camera_file(_text(published["valid"]), tmp_path / "camera.y4m")
    with_camera = browser.browser_type.launch(
        executable_path=shutil.which("chromium"),
        headless=True,
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = with_camera.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.goto(f"{live_server.url}/verify/offline/")
        page.locator("body[data-ready=true]").wait_for()
        page.locator("[data-testid=scan]").click()
        page.locator("#result:not([hidden])").wait_for()
        assert _page_answer(page) == _server_answer(_text(published["valid"]))
        assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"
        # The camera is stopped once a code is read.
        assert page.locator("#camera").is_hidden()
    finally:
        with_camera.close()
