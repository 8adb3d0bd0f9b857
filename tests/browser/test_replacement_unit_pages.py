"""The receiving unit's replacement work in a real browser (issue 17 items 1, 3, 4): the Jinan
clerk registers 孙芸's application at the counter (first with a mistake the page names beside its
field), checks it against the record with the difference highlighted, accepts it, and submits the
month's batch; 张堃's own application shows his work need. Every page is read for English, codes
or Python values, at a desktop's width and a phone's.

With ECERT_SCREENSHOTS=<folder> the pages are also saved there (docs/replacement/unit-*.png)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.distribution.conftest import Paper, sd_id
from tests.distribution.conftest import paper as paper  # the fixture
from tests.replacement.conftest import apply

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("own_storage")]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SUN_YUN = "2537010000000203"
WORK_NEED = "参加工程投标须出示纸质证书原件"
WIDTHS = {"desktop": 1280, "phone": 390}
# Latin words a Chinese page may show: people's user names in this cast, and file kinds.
ALLOWED = {"jinan_clerk", "holder", "EMS", "JPG", "JPEG", "PDF", "MiB"}


def english(text: str) -> list[str]:
    """Words of Latin letters on a Chinese page that are not expected there (references and
    numbers carry digits and are not words)."""
    words = re.findall(r"(?<![\w-])[A-Za-z_]{3,}(?![\w-])", text)
    return [word for word in words if word not in ALLOWED]


@pytest.fixture
def clerk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def look(page: Any, name: str) -> None:
    """The page at both widths: no stray English; saved when screenshots are asked for."""
    folder = os.environ.get("ECERT_SCREENSHOTS")
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        assert english(page.locator("main").inner_text()) == [], (name, label)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{folder}/unit-{name}-{label}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_city_clerk_registers_checks_accepts_and_submits(
    audit_flush_allowed: None, live_server: Any, paper: Paper, clerk: Any
) -> None:
    base = live_server.url
    apply(paper, paper.users["holder"], work_need=WORK_NEED)
    clerk.goto(f"{base}/backoffice/login/")
    clerk.fill("input[name=username]", "jinan_clerk")
    clerk.fill("input[name=password]", PASSWORD)
    clerk.click("button[type=submit]")
    clerk.click("[data-testid=nav-replacement]")

    # At the counter: find 孙芸's certificate, make a mistake, see it named beside its field.
    clerk.click("[data-testid=counter-new]")
    clerk.fill("input[name=management_number]", SUN_YUN)
    clerk.fill("input[name=who]", sd_id(203))
    clerk.click("[data-testid=find-form] button[type=submit]")
    form = clerk.locator("[data-testid=application-form]")
    form.wait_for()
    clerk.check("input[name=reason][value=change]")
    clerk.fill("input[name=name]", "孙芸")
    clerk.fill("input[name=level]", "二级")
    clerk.fill("input[name=specialty]", "建筑工程")
    clerk.fill("input[name=phone]", "13900000203")
    clerk.click("[data-testid=application-form] button[type=submit]")
    clerk.locator("[data-testid=form-refused]").wait_for()
    assert "须填写要修改的内容" in clerk.locator("[data-field=change_name] .errorlist").inner_text()
    look(clerk, "counter-error")

    # Corrected: a lost certificate, with the level written wrong on the paper form.
    clerk.check("input[name=reason][value=lost]")
    clerk.click("[data-testid=application-form] button[type=submit]")
    clerk.locator("[data-testid=check]").wait_for()
    level = clerk.locator("tr[data-field=level]")
    assert level.get_attribute("data-differs") == "1"
    assert "不一致" in level.inner_text()
    assert "以证书数据库为准" in clerk.locator("[data-testid=record-wins]").inner_text()
    look(clerk, "detail-difference")
    clerk.click("[data-testid=accept]")
    assert "已受理" in clerk.locator("[data-testid=state]").inner_text()

    # The list: 张堃's application waits, 孙芸's is in the month's batch.
    clerk.goto(f"{base}/backoffice/replacement/")
    rows = clerk.locator("[data-testid=applications] tbody tr")
    assert rows.count() == 2
    look(clerk, "list")
    zhang = clerk.locator("[data-testid=applications] tbody tr", has_text="张堃")
    zhang.locator("a").first.click()
    assert WORK_NEED in clerk.locator("[data-testid=work-need]").inner_text()
    look(clerk, "detail-work-need")

    # The month's batch: reviewed and submitted, then frozen.
    clerk.goto(f"{base}/backoffice/replacement/unit-batches/")
    clerk.locator("[data-testid=batches] tbody tr a").first.click()
    look(clerk, "batch")
    clerk.check("[data-testid=confirm]")
    clerk.click("[data-testid=submit]")
    clerk.locator("[data-testid=frozen]").wait_for()
    assert clerk.locator("[data-testid=batch-state]").inner_text() == "已报送"
    look(clerk, "batch-submitted")
