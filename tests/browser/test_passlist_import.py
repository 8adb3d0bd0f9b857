"""An exam-centre clerk uploads a pass list in a real browser and watches it become credentials."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ecert.credentials.models import IssuanceBatch
from tests.conftest import PASSWORD, World
from tests.passlist_files import make_passers, write_xlsx
from tests.task_worker import run_queued_tasks

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_clerk_uploads_a_pass_list_and_sees_it_issued(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    issuing_keys: Any,
    settings: Any,
    tmp_path: Path,
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.ECERT_DATA_DIR = tmp_path / "data"
    path = tmp_path / "一级建造师合格名单.xlsx"
    write_xlsx(path, make_passers(10, seed=51))

    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "exam_centre_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="合格名单导入", exact=True).click()
    page.get_by_role("link", name="导入合格名单", exact=True).click()
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=exam]", "constructor")
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=following]")

    run_queued_tasks(monkeypatch)  # the worker; the open page notices and reloads itself

    page.wait_for_selector("[data-testid=state]:has-text('已完成')", timeout=15_000)
    assert page.locator("[data-testid=issued]").inner_text() == "10"
    root = bytes(IssuanceBatch.objects.get(source__isnull=False).merkle_root or b"").hex()
    assert page.locator("[data-testid=merkle-root]").inner_text() == root
    if screenshot := os.environ.get("ECERT_SCREENSHOT"):
        page.screenshot(path=screenshot, full_page=True)
