"""Pictures of docs/distribution.md, taken from a served demo with Debian's Chromium.

    ECERT_DATA_DIR=D .venv/bin/ecert demo --bind 127.0.0.1:8010   # one shell, a fresh directory D
    ECERT_DATA_DIR=D .venv/bin/python tools/distribution_screenshots.py http://127.0.0.1:8010

The script reads the demo's database (the same ECERT_DATA_DIR) only to know whom to sign in as
and which ID card to "read".
It walks the demo's paper certificates as its people do: the demo holder chooses mail at /my/,
the Jinan clerk finds the certificates, exports the day's mail orders, hands another one over at
the counter (the card reader's data through ``window.ecertIdCard``, a document-camera picture,
a signature drawn with the pointer) and checks an original for an organisation; Henan's housing
department sees its own. Desktop pictures are 1280 px wide, phone pictures 390 px.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import FilePayload, ViewportSize, sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "distribution"
PASSWORD = "ecert-demo-2026"  # noqa: S105 - the demo's printed password (ecert.cli.demo)
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _jpeg() -> bytes:
    picture = Image.new("RGB", (640, 480), (236, 232, 220))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / name), full_page=True)
    print(f"  {name}")


def _staff(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/backoffice/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/backoffice/")


def _sign(page: Any) -> None:
    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    for start, points in (
        ((30, 120), [(60, 60), (100, 140), (140, 50), (180, 130)]),
        ((220, 80), [(260, 110), (300, 70), (340, 120)]),
    ):
        page.mouse.move(box["x"] + start[0], box["y"] + start[1])
        page.mouse.down()
        for x, y in points:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=6)
        page.mouse.up()


def _holder(page: Any, base: str, id_number: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/my/login/")
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _demo_facts() -> tuple[str, str, list[tuple[str, str, str]]]:
    """The demo holder's ID number and paper certificate, and Jinan's other certificates still
    awaiting a choice: (public id, name, ID number)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
    django.setup()
    from ecert.credentials.services import holder_id_number
    from ecert.distribution.models import PaperCertificate

    papers = PaperCertificate.objects.filter(unit__key="sd-jinan").select_related(
        "credential__holder"
    )
    mine = papers.get(credential__holder__user__username="holder")
    others = [
        (p.credential.public_id, p.credential.holder_name, holder_id_number(p.credential.holder))
        for p in papers.exclude(pk=mine.pk).filter(state="awaiting_choice").order_by("id")
    ]
    return holder_id_number(mine.credential.holder), mine.credential.public_id, others


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    holder_id, holder_paper, others = _demo_facts()  # before Playwright's event loop starts
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Debian's chromium is not installed (tools/system_packages.sh test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        desktop = browser.new_page(viewport=DESKTOP, locale="zh-CN")
        phone = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)

        # The holder chooses mail (phone), then sees the state.
        _holder(phone, base, holder_id)
        phone.goto(f"{base}/my/credentials/{holder_paper}/")
        phone.click("[data-testid=paper-choose]")
        phone.check("input[name=method][value=mail]")
        phone.fill("input[name=recipient]", "罗明")
        phone.fill("input[name=phone]", "13800001111")
        phone.fill("input[name=address]", "山东省济南市历下区泉城路 1 号")
        phone.fill("input[name=postcode]", "250011")
        _shot(phone, "portal-choose-phone.png")
        phone.click("[data-testid=paper-choose-submit]")
        _shot(phone, "portal-state-phone.png")

        # The Jinan clerk: the list, the day's mail orders.
        _staff(desktop, base, "jinan-clerk")
        desktop.goto(f"{base}/backoffice/paper/")
        _shot(desktop, "paper-list.png")
        desktop.goto(f"{base}/backoffice/mail/")
        _shot(desktop, "mail-list.png")

        # Another certificate handed over at the counter, with the evidence.
        public_id, name, id_number = others[0]
        detail_url = f"{base}/backoffice/paper/{public_id}/"
        desktop.goto(detail_url + "collect/")
        desktop.wait_for_function("() => window.ecertIdCard && window.ecertIdCard.ready")
        desktop.evaluate(
            "card => window.ecertIdCard.put(card)",
            {"name": name, "idNumber": id_number, "authority": "济南市公安局历下分局"},
        )
        desktop.set_input_files(
            "input[name=camera_image]",
            files=[FilePayload(name="高拍仪.jpg", mimeType="image/jpeg", buffer=_jpeg())],
        )
        _sign(desktop)
        desktop.check("input[name=confirm]")
        _shot(desktop, "collect.png")
        desktop.click("[data-testid=collect-confirm]")
        desktop.locator("[data-testid=receipt-link]").wait_for()
        desktop.goto(detail_url)
        _shot(desktop, "paper-detail.png")

        # The clerk on a phone-sized screen: the collect page.
        _staff(phone, base, "jinan-clerk")
        phone.goto(f"{base}/backoffice/paper/{others[1][0]}/collect/")
        _shot(phone, "collect-phone.png")

        # Counter verification for an organisation.
        desktop.goto(f"{base}/backoffice/counter-checks/new/")
        _shot(desktop, "counter-check-new.png")

        # The exam centre's deliveries; Henan's housing department.
        _staff(desktop, base, "sd-exam")
        desktop.goto(f"{base}/backoffice/paper/deliveries/")
        desktop.locator("[data-testid=deliveries] tbody a").first.click()
        _shot(desktop, "delivery-detail.png")
        _staff(desktop, base, "ha-housing-clerk")
        desktop.goto(f"{base}/backoffice/paper/")
        _shot(desktop, "henan-paper-list.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
