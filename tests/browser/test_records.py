"""The certificate database in a real browser: an exam-centre clerk loads records of paper
certificates with their photos; anyone's query then finds one, says it is a paper certificate on
record, and hands out the sealed query result of seed 001 三(一), whose QR code verifies.

Set ECERT_SCREENSHOT_DIR to keep pictures of the pages, on a desktop and on a phone.
"""

from __future__ import annotations

import csv
import os
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ecert.core.documents.qr_images import qr_texts_in_pdf_bytes
from ecert.core.formats.qr import PATH
from ecert.core.identity.idnumbers import Sex
from ecert.credentials.models import Credential
from tests.conftest import PASSWORD, World
from tests.core.idgen import make_resident_id
from tests.photos import id_photo
from tests.task_worker import run_queued_tasks

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
HOLDER_ID = make_resident_id(date(1970, 3, 4), Sex.MALE, region="370102", seq=31)
NUMBER = "0837010000000031"
HEADER = ("管理号", "姓名", "证件号码", "证件类别", "性别", "级别", "专业", "出生年月", "批准日期",
          "照片", "报名市")  # fmt: skip


def _shot(page: Any, name: str) -> None:
    if directory := os.environ.get("ECERT_SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def _records(folder: Path) -> tuple[Path, Path]:
    """A file of two 2008 paper certificates of 一级建造师, and the zip with 钱昇's photo."""
    path = folder / "一级建造师证书记录.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerow([NUMBER, "钱昇", HOLDER_ID, "居民身份证", "男", "一级", "房屋建筑工程",
                         "", "2008-09-26", "", "济南市"])  # fmt: skip
        other = make_resident_id(date(1975, 5, 6), Sex.FEMALE, region="370202", seq=32)
        writer.writerow(["0837020000000032", "孙芸", other, "居民身份证", "女", "一级",
                         "建筑工程", "", "2008-09-26", "", "青岛市"])  # fmt: skip
    photos = folder / "photos.zip"
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr(f"一级建造师证书记录/{HOLDER_ID}.jpg", id_photo())
    return path, photos


def test_a_clerk_loads_records_and_a_query_yields_the_sealed_query_result(
    audit_flush_allowed: None,
    live_server: Any,
    world: World,
    issuing_keys: Any,
    own_storage: Path,
    browser: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, photos = _records(tmp_path)
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.goto(f"{live_server.url}/backoffice/login/")
    page.fill("input[name=username]", "exam_centre_clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("link", name="合格名单导入", exact=True).click()
    page.click("[data-testid=records-new]")
    page.set_input_files("input[name=file]", str(path))
    page.set_input_files("input[name=photos]", str(photos))
    page.select_option("select[name=exam]", "constructor")
    _shot(page, "records-new.png")
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=following]")
    run_queued_tasks(monkeypatch)
    page.wait_for_selector("[data-testid=state]:has-text('已完成')", timeout=15_000)
    assert page.locator("[data-testid=issued]").inner_text() == "2"
    _shot(page, "records-loaded.png")
    desk.close()
    record = Credential.objects.get(management_number=NUMBER)
    assert (record.form, record.holder.photo_jpeg is not None) == ("paper", True)

    phone = browser.new_context(
        locale="zh-CN", viewport=PHONE, is_mobile=True, accept_downloads=True
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/verify/")
    page.fill("input[name=name]", "钱昇")
    page.fill("input[name=id_number]", HOLDER_ID)
    page.fill("input[name=number]", NUMBER)
    page.click("form[data-testid=query-form] button[type=submit]")
    assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"
    assert page.locator("[data-testid=kind]").inner_text() == "纸质证书（证书数据库记录）"
    _shot(page, "records-query-phone.png")
    with page.expect_download() as download:
        page.click("[data-testid=download-query-result]")
    pdf = Path(download.value.path()).read_bytes()
    (text,) = qr_texts_in_pdf_bytes(pdf)

    page.goto(f"{live_server.url}/V/{text.split(PATH, 1)[1]}")
    assert page.locator("[data-testid=verdict-text]").inner_text() == "真实有效"
    assert page.locator("[data-testid=purpose]").inner_text() == "证书查询结果"
    _shot(page, "query-result-landing-phone.png")
    phone.close()
