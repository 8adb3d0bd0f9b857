"""A Jinan clerk hands a paper certificate over at the counter in a real browser: the ID-card
reader hands the card to the page through ``window.ecertIdCard``, the document camera's picture
is uploaded, the holder signs on the pad with the pointer, the clerk confirms and the page shows
the certificate handed over with its receipt.

Set ECERT_SCREENSHOT_DIR to keep pictures of the filled form and of the result.
"""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ecert.core.rules.paper import PaperState
from ecert.distribution.models import Collection
from tests.conftest import PASSWORD
from tests.distribution.conftest import Paper, deliver
from tests.distribution.conftest import paper as paper
from tests.distribution.evidence import CARD_DATA, ZHANG_KUN_ID, picture

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

JINAN = "2537010000000201"


def _sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/backoffice/")


def _shot(page: Any, name: str) -> None:
    if directory := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def _sign(page: Any) -> None:
    """Two strokes on the signature pad, as a pen or a finger draws them."""
    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    left, top = box["x"], box["y"]
    for start, points in (
        ((30, 120), [(60, 60), (100, 140), (140, 50), (180, 130)]),
        ((220, 80), [(260, 110), (300, 70), (340, 120)]),
    ):
        page.mouse.move(left + start[0], top + start[1])
        page.mouse.down()
        for x, y in points:
            page.mouse.move(left + x, top + y, steps=6)
        page.mouse.up()


def test_a_clerk_hands_a_certificate_over_with_the_reader_the_camera_and_the_pad(
    audit_flush_allowed: None,
    live_server: Any,
    page: Any,
    paper: Paper,
) -> None:
    deliver(paper)
    record = paper.record(JINAN)
    _sign_in(page, live_server, "jinan_clerk")
    page.goto(f"{live_server.url}/backoffice/credentials/{record.public_id}/")
    page.click("[data-testid=paper-collect]")
    assert page.locator("[data-testid=paper-state]").inner_text() == "待选择领取方式"
    page.wait_for_function("() => window.ecertIdCard && window.ecertIdCard.ready")

    # A card reader's bridge that announces itself with the event, then hands the card over.
    page.evaluate(
        "detail => document.dispatchEvent(new CustomEvent('ecert:idcard', {detail}))",
        {"name": "某某", "idNumber": "110101199003074477"},
    )
    assert page.input_value("input[name=collector_name]") == "某某"
    photo = base64.b64encode(picture(size=(102, 126))).decode()
    taken = page.evaluate(
        "card => window.ecertIdCard.put(card)",
        {"name": "张堃", "idNumber": ZHANG_KUN_ID, "photo": photo, **CARD_DATA},
    )
    assert taken is True
    assert page.input_value("input[name=collector_name]") == "张堃"
    assert page.input_value("input[name=id_source]") == "reader"
    assert page.locator("[data-card-photo]").is_visible()
    assert page.locator("[data-source-reader]").is_visible()

    page.set_input_files(
        "input[name=camera_image]",
        files=[{"name": "高拍仪.jpg", "mimeType": "image/jpeg", "buffer": picture()}],
    )
    assert page.locator("[data-camera-preview]").is_visible()
    _sign(page)
    page.wait_for_function(
        "() => document.querySelector('input[name=signature]').files.length === 1"
    )
    page.check("input[name=confirm]")
    _shot(page, "collect-filled.png")
    page.click("[data-testid=collect-confirm]")

    receipt = page.locator("[data-testid=receipt-link]")
    receipt.wait_for()
    assert page.locator("[data-testid=paper-state]").inner_text() == "已现场领取"
    _shot(page, "collect-done.png")
    collection = Collection.objects.get()
    assert collection.certificate.state == PaperState.HANDED_OVER
    assert collection.id_source == "reader"
    assert collection.id_card_data["authority"] == CARD_DATA["authority"]
    assert [len(stroke) >= 2 for stroke in collection.signature_strokes] == [True, True]
    assert all(
        set(point) == {"x", "y", "t", "p"}
        for stroke in collection.signature_strokes
        for point in stroke
    )
    with Image.open(io.BytesIO(bytes(collection.signature_png))) as signature:
        assert signature.format == "PNG"
        assert signature.getchannel("A").getbbox() is not None  # ink on the pad
    answer = page.request.get(live_server.url + receipt.get_attribute("href"))
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body()[:5] == b"%PDF-"


def test_typing_over_the_card_turns_the_record_to_typed_and_a_proxy_needs_the_authorisation(
    audit_flush_allowed: None,
    live_server: Any,
    page: Any,
    paper: Paper,
) -> None:
    deliver(paper)
    record = paper.record(JINAN)
    _sign_in(page, live_server, "jinan_clerk")
    page.goto(f"{live_server.url}/backoffice/paper/{record.public_id}/collect/")
    page.wait_for_function("() => window.ecertIdCard && window.ecertIdCard.ready")
    page.evaluate(
        "card => window.ecertIdCard.put(card)", {"name": "张堃", "idNumber": ZHANG_KUN_ID}
    )
    assert not page.locator("[data-testid=authorisation]").is_visible()
    page.check("input[name=by_proxy]")
    assert page.locator("[data-testid=authorisation]").is_visible()
    page.fill("input[name=collector_name]", "李代领")
    page.fill("input[name=collector_id_number]", "110101199003074477")
    assert page.input_value("input[name=id_source]") == "typed"
    page.set_input_files(
        "input[name=camera_image]",
        files=[{"name": "camera.png", "mimeType": "image/png", "buffer": picture("PNG")}],
    )
    _sign(page)
    page.wait_for_function(
        "() => document.querySelector('input[name=signature]').files.length === 1"
    )
    page.check("input[name=confirm]")
    page.click("[data-testid=collect-confirm]")

    page.locator(".errorlist").first.wait_for()
    assert (
        "代领须拍摄或上传持证人签字的委托书"
        in page.locator("[data-testid=collect-form]").inner_text()
    )
    assert page.locator("[data-testid=paper-state]").inner_text() == "待选择领取方式"
    assert not Collection.objects.exists()
    # The strokes came back with the page: the pad is drawn again and its picture made again.
    page.wait_for_function(
        "() => document.querySelector('input[name=signature]').files.length === 1"
    )
