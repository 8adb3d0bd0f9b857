"""Pictures of docs/replacement.md, taken from a served demo with Debian's Chromium.

    ECERT_DATA_DIR=D .venv/bin/ecert demo --bind 127.0.0.1:8031   # one shell, a fresh directory D
    ECERT_DATA_DIR=D .venv/bin/python tools/replacement_centre_screenshots.py http://127.0.0.1:8031

Before the browser starts, the script brings two of the demo's Jinan paper certificates to the
exam centre's desk through the services, as their people would: the Jinan clerk registers two
information changes at the counter (one asking for a score proof), accepts them and submits the
month's batch, the exam centre sends it on. Then the exam centre's clerk opens the list and an
application (desktop and phone), and the province administrator the exam-code form.
Desktop pictures are 1280 px wide, phone pictures 390 px.
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


def _prepare() -> tuple[list[str], str]:
    """Two applications sent up to the Shandong exam centre; their references, and the key of
    their qualification."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecert.settings")
    django.setup()
    from datetime import date

    from django.utils import timezone

    from ecert.accounts.models import User
    from ecert.catalogue.services import exam_code_set
    from ecert.core.rules.replacement import Reason, month_of
    from ecert.credentials.services import holder_id_number
    from ecert.distribution.models import PaperCertificate
    from ecert.replacement.models import Application
    from ecert.replacement.services import (
        ApplicationInput,
        DispatchInput,
        application_accept,
        application_submit,
        batch_submit,
        dispatch_record,
    )

    clerk = User.objects.get(username="jinan-clerk")
    centre = User.objects.get(username="sd-exam")
    admin = User.objects.get(username="sd-admin")
    papers = list(
        PaperCertificate.objects.filter(unit__key="sd-jinan", credential__holder__user=None)
        .select_related("credential__holder", "credential__qualification")
        .order_by("id")[:2]
    )
    record = papers[0].credential
    qualification = record.qualification
    assert qualification is not None
    level = qualification.levels.filter(name=record.level).first()
    if level is not None and not level.exam_code:
        exam_code_set(actor=admin, qualification=qualification, level=record.level, code="099")
    # Those already sent up by an earlier run (the demo's own applications wait at Jinan's desk).
    existing = list(
        Application.objects.filter(state__in=["forwarded", "dispatched", "completed"])
        .order_by("created_at", "id")
        .values_list("reference", flat=True)
    )
    if existing:
        return existing, qualification.key
    references = []
    for paper, changes, proof in zip(
        papers, ({"name": "褚云"}, {"specialty": "市政公用工程"}), (True, False), strict=True
    ):
        credential = paper.credential
        application = application_submit(
            actor=clerk,
            credential=credential,
            form=ApplicationInput(
                reason=Reason.CHANGE,
                name=credential.holder_name,
                id_number=holder_id_number(credential.holder),
                level=credential.level,
                specialty=credential.specialty,
                approval_date=credential.approval_date,
                phone="13800001111",
                changes=changes,
                score_proof=proof,
            ),
        )
        application_accept(actor=clerk, application=application)
        references.append(application.reference)
    application = Application.objects.get(reference=references[0])
    assert application.batch is not None
    batch_submit(actor=clerk, batch=application.batch)
    application.refresh_from_db()
    assert application.batch is not None
    dispatch_record(
        actor=centre,
        authority=application.target,
        form=DispatchInput(
            month=month_of(timezone.localdate()),
            batches=[application.batch],
            paper_mailed_on=date.today(),
            data_uploaded_on=date.today(),
        ),
    )
    return references, qualification.key


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    references, qualification = _prepare()  # before Playwright's event loop starts
    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Debian's chromium is not installed (tools/system_packages.sh test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        desktop = browser.new_page(viewport=DESKTOP, locale="zh-CN")
        phone = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)

        _staff(desktop, base, "sd-exam")
        desktop.goto(f"{base}/backoffice/replacement/centre/")
        _shot(desktop, "centre-list.png")
        detail = f"{base}/backoffice/replacement/centre/{references[0]}/"
        desktop.goto(detail)
        desktop.fill("input[name=arrived_on]", "")  # forgotten: the error shows beside it
        desktop.click("[data-testid=complete-form] button[type=submit]")
        _shot(desktop, "centre-complete.png")

        _staff(phone, base, "sd-exam")
        phone.goto(detail)
        _shot(phone, "centre-complete-phone.png")

        _staff(desktop, base, "sd-admin")
        desktop.goto(f"{base}/backoffice/catalogue/qualifications/{qualification}/")
        desktop.fill("input[name=code]", "34")  # not 3 digits: refused beside the field
        desktop.click("[data-testid=exam-code-form] button[type=submit]")
        _shot(desktop, "centre-exam-code.png")
        _staff(phone, base, "sd-admin")
        phone.goto(f"{base}/backoffice/catalogue/qualifications/{qualification}/")
        _shot(phone, "centre-exam-code-phone.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1])
