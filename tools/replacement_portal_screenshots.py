"""Pictures of docs/replacement.md, taken from a served demo with Debian's Chromium.

    ECERT_DATA_DIR=D .venv/bin/ecert demo --bind 127.0.0.1:8010   # one shell, a fresh directory D
    ECERT_DATA_DIR=D DJANGO_ALLOW_ASYNC_UNSAFE=true \\
        .venv/bin/python tools/replacement_portal_screenshots.py http://127.0.0.1:8010

The demo holder applies for their paper certificate in the portal: first for a lost one, which the
rules refuse (the paper certificate still waits at the Jinan bureau), then for a change of its
specialty, with a score proof meanwhile. The Jinan bureau's acceptance and the exam centre's
score proof are made through the services (the
script reads and writes the demo's database, the same ECERT_DATA_DIR) until the back-office pages
for them exist. Desktop pictures are 1280 px wide, phone pictures 390 px.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import ViewportSize, sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "replacement"
PASSWORD = "ecert-demo-2026"  # noqa: S105 - the demo's printed password (ecert.cli.demo)
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def _setup() -> tuple[str, str]:
    """The demo holder's ID number and the public id of their paper certificate."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
    django.setup()
    from ecert.credentials.services import holder_id_number
    from ecert.distribution.models import PaperCertificate

    mine = PaperCertificate.objects.select_related("credential__holder").get(
        credential__holder__user__username="holder", unit__key="sd-jinan"
    )
    return holder_id_number(mine.credential.holder), mine.credential.public_id


def _city_accepts_and_centre_proves(public_id: str) -> None:
    """The Jinan bureau accepts the application; the exam centre issues the score proof it asked
    for. (The demo's exam has no exam code yet, so the month's batch cannot be submitted.)"""
    from ecert.accounts.models import User
    from ecert.replacement.models import Application
    from ecert.replacement.services import application_accept, score_proof_issue

    application = Application.objects.get(credential__public_id=public_id, state="submitted")
    application = application_accept(
        actor=User.objects.get(username="jinan-clerk"), application=application
    )
    score_proof_issue(actor=User.objects.get(username="sd-exam"), application=application)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(OUT / name), full_page=True)
    print(f"  {name}")


def _holder(page: Any, base: str, id_number: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/my/login/")
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _fill(page: Any, reason: str) -> None:
    page.check(f"input[name=reason][value={reason}]")
    page.check("input[name=method][value=mail]")
    page.fill("input[name=phone]", "13800001111")
    page.fill("input[name=address]", "山东省聊城市东昌府区柳园南路 1 号")
    page.fill("input[name=postcode]", "252000")


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    holder_id, public_id = _setup()
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Debian's chromium is not installed (tools/system_packages.sh test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        desktop = browser.new_page(viewport=DESKTOP, locale="zh-CN")
        phone = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
        apply_url = f"{base}/my/credentials/{public_id}/replacement/"

        # A lost certificate that still waits at the bureau: refused beside the reason.
        for page, suffix in ((desktop, ""), (phone, "-phone")):
            _holder(page, base, holder_id)
            page.goto(apply_url)
            _fill(page, "lost")
            page.click("[data-testid=replacement-submit]")
            page.locator("[data-testid=error-reason]").wait_for()
            _shot(page, f"portal-form-error{suffix}.png")

        # A change of the specialty is received; the city accepts it and submits its batch.
        desktop.goto(apply_url)
        _fill(desktop, "change")
        desktop.fill("input[name=change_specialty]", "市政公用工程")
        desktop.check("input[name=score_proof]")
        desktop.click("[data-testid=replacement-submit]")
        desktop.locator("[data-testid=timeline]").wait_for()
        _city_accepts_and_centre_proves(public_id)
        for page, suffix in ((desktop, ""), (phone, "-phone")):
            page.goto(f"{base}/my/replacements/")
            _shot(page, f"portal-list{suffix}.png")
            page.click("[data-testid=applications] a")
            page.locator("[data-testid=timeline]").wait_for()
            _shot(page, f"portal-application{suffix}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
