"""Importing a pass list from the back office: upload, the background task, the result page."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from python_calamine import CalamineWorkbook

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.credentials.models import Credential, Holder, IssuanceBatch
from ecert.issuance.models import PassListImport
from ecert.issuance.services import passlist_import_create
from tests.conftest import World
from tests.passlist_files import make_passers, write_xlsx
from tests.task_worker import run_queued_tasks

pytestmark = pytest.mark.usefixtures("issuing_keys")


@pytest.fixture
def clerk(world: World, client: Client) -> Client:
    client.force_login(world.users["exam_centre_clerk"])
    return client


def _upload(client: Client, path: Path, **fields: Any) -> Any:
    with path.open("rb") as file:
        return client.post(
            reverse("backoffice:import_new"),
            {"file": file, "exam": "constructor", "kind": "", "authority": "sd-pta", **fields},
        )


def _uploaded(
    client: Client, path: Path, capture: Any, monkeypatch: pytest.MonkeyPatch, **fields: Any
) -> PassListImport:
    """Upload through the form, then let the task worker run the queued import."""
    with capture(execute=True):
        response = _upload(client, path, **fields)
    assert response.status_code == 302, response.content.decode()[-2000:]
    job = PassListImport.objects.get()
    assert response["Location"] == reverse("backoffice:import_detail", args=[job.reference])
    run_queued_tasks(monkeypatch)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    job.refresh_from_db()
    return job


def test_an_upload_is_imported_by_the_task_and_its_page_shows_the_outcome(
    clerk: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "一级建造师合格名单.xlsx"
    write_xlsx(path, make_passers(12, seed=21))

    job = _uploaded(clerk, path, django_capture_on_commit_callbacks, monkeypatch)

    assert (job.state, job.rows_read, job.issued, job.rows_invalid) == ("completed", 12, 12, 0)
    page = clerk.get(reverse("backoffice:import_detail", args=[job.reference])).content.decode()
    assert "已完成" in page
    assert 'data-testid="issued">12<' in page
    batch = IssuanceBatch.objects.get(source=job)
    assert bytes(batch.merkle_root or b"").hex() in page
    assert 'http-equiv="refresh"' not in page  # finished: the page no longer follows it
    progress = clerk.get(reverse("backoffice:import_progress", args=[job.reference])).json()
    assert progress | {"state_label": ""} == {
        "reference": job.reference,
        "state": "completed",
        "state_label": "",
        "finished": True,
        "rows_read": 12,
        "issued": 12,
        "already_issued": 0,
        "rows_invalid": 0,
    }


def test_a_queued_import_page_follows_it_with_and_without_javascript(
    clerk: Client, tmp_path: Path
) -> None:
    path = tmp_path / "list.xlsx"
    write_xlsx(path, make_passers(3, seed=22))
    _upload(clerk, path)  # on_commit does not run inside the test's transaction: stays queued
    job = PassListImport.objects.get()

    page = clerk.get(reverse("backoffice:import_detail", args=[job.reference])).content.decode()

    assert job.state == "queued"
    assert '<noscript><meta http-equiv="refresh"' in page
    assert reverse("backoffice:import_progress", args=[job.reference]) in page
    progress = clerk.get(reverse("backoffice:import_progress", args=[job.reference])).json()
    assert (progress["state"], progress["finished"]) == ("queued", False)


def test_a_bad_file_is_rejected_with_a_downloadable_error_workbook_and_nothing_stored(
    clerk: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passers = make_passers(6, seed=23)
    passers[2] = dataclasses.replace(passers[2], specialty="宇航工程")
    path = tmp_path / "二〇二六年名单.xlsx"
    write_xlsx(path, passers)
    before = (Holder.objects.count(), Credential.objects.count())

    job = _uploaded(clerk, path, django_capture_on_commit_callbacks, monkeypatch)

    assert (job.state, job.rows_invalid, job.issued) == ("rejected", 1, 0)
    assert (Holder.objects.count(), Credential.objects.count()) == before
    assert not IssuanceBatch.objects.filter(source__isnull=False).exists()
    page = clerk.get(reverse("backoffice:import_detail", args=[job.reference])).content.decode()
    assert "未保存任何数据" in page
    errors_url = reverse("backoffice:import_errors", args=[job.reference])
    assert errors_url in page
    download = clerk.get(errors_url)
    assert download.status_code == 200
    assert (
        "filename*=utf-8''" + quote("二〇二六年名单-错误行.xlsx") in download["Content-Disposition"]
    )
    workbook = tmp_path / "errors.xlsx"
    workbook.write_bytes(download.getvalue())
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python()[1:]
    assert [str(row[0]) for row in rows] == ["4"]
    assert "宇航工程" in str(rows[0][-2])


def test_accept_valid_issues_the_good_rows_and_sets_the_bad_ones_aside(
    clerk: Client,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passers = make_passers(5, seed=24)
    passers[1] = dataclasses.replace(passers[1], level="三级")
    path = tmp_path / "list.xlsx"
    write_xlsx(path, passers)

    job = _uploaded(clerk, path, django_capture_on_commit_callbacks, monkeypatch, accept_valid="on")

    assert (job.state, job.issued, job.rows_invalid) == ("partial", 4, 1)
    page = clerk.get(reverse("backoffice:import_detail", args=[job.reference])).content.decode()
    assert "已完成，错误行未导入" in page
    assert reverse("backoffice:import_errors", args=[job.reference]) in page


def test_the_upload_form_sets_bad_rows_aside_only_when_asked(clerk: Client) -> None:
    page = clerk.get(reverse("backoffice:import_new")).content.decode()
    assert 'name="accept_valid"' in page
    assert 'name="accept_valid" checked' not in page
    assert "不勾选时，只要有一行错误就不保存任何数据" in page
    assert '<option value="sd-pta" selected>' in page  # the clerk's exam centre


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"file": None}, "这个字段是必填项"),
        ({"exam": "no-such-exam"}, "选择一个有效的选项"),
        ({"authority": "ha-pta"}, "选择一个有效的选项"),  # an authority outside the clerk's scope
        ({"kind": "score_proof"}, "选择一个有效的选项"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_received(
    clerk: Client, tmp_path: Path, fields: dict[str, Any], message: str
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("ZSGLH\n", encoding="utf-8")
    with path.open("rb") as file:
        data = {"file": file, "exam": "constructor", "kind": "", "authority": "sd-pta"}
        data |= fields
        response = clerk.post(
            reverse("backoffice:import_new"), {k: v for k, v in data.items() if v is not None}
        )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PassListImport.objects.exists()


def _henan_import(tmp_path: Path) -> PassListImport:
    path = tmp_path / "henan.xlsx"
    write_xlsx(path, make_passers(2, seed=25))
    return passlist_import_create(
        actor=None,
        authority=Authority.objects.get(key="ha-pta"),
        qualification=Qualification.objects.get(key="constructor"),
        file_name=path.name,
        chunks=[path.read_bytes()],
    )


@pytest.mark.parametrize("route", ["import_detail", "import_progress", "import_errors"])
def test_an_import_of_another_province_answers_like_a_missing_one(
    clerk: Client, tmp_path: Path, route: str
) -> None:
    theirs = _henan_import(tmp_path)

    elsewhere = clerk.get(reverse(f"backoffice:{route}", args=[theirs.reference]))
    missing = clerk.get(reverse(f"backoffice:{route}", args=["000000000000"]))

    assert elsewhere.status_code == missing.status_code == 404


def test_the_import_list_shows_the_imports_in_scope_only(clerk: Client, tmp_path: Path) -> None:
    theirs = _henan_import(tmp_path)
    path = tmp_path / "ours.xlsx"
    write_xlsx(path, make_passers(2, seed=26))
    _upload(clerk, path)
    ours = PassListImport.objects.get(authority__key="sd-pta")

    page = clerk.get(reverse("backoffice:import_list")).content.decode()

    assert ours.reference in page
    assert theirs.reference not in page


def test_issuers_find_the_imports_from_the_menu_and_dashboard(world: World, client: Client) -> None:
    client.force_login(world.users["exam_centre_clerk"])
    page = client.get(reverse("backoffice:dashboard")).content.decode()
    assert reverse("backoffice:import_list") in page
    assert 'data-testid="dashboard-import"' in page
    client.force_login(world.users["jinan_clerk"])
    assert (
        reverse("backoffice:import_list")
        not in client.get(reverse("backoffice:dashboard")).content.decode()
    )
