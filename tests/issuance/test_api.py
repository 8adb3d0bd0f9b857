"""The pass-list API: bearer tokens, JSON and file pushes, status, errors that are never a 500."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from ecert.accounts.models import ApiToken
from ecert.accounts.services import api_token_create, api_token_revoke
from ecert.api import passlists as passlists_api
from ecert.credentials.models import Credential, IssuanceBatch
from ecert.issuance.models import PassListImport
from tests.conftest import World
from tests.passlist_files import PINYIN_HEADER, Passer, make_passers, passer_cells, write_xlsx
from tests.spreadsheet_bombs import bomb
from tests.task_worker import run_queued_tasks

pytestmark = pytest.mark.usefixtures("issuing_keys")
PUSH = "/api/v1/passlists"


def _rows(passers: list[Passer]) -> list[dict[str, Any]]:
    return [
        {
            column: value.isoformat() if isinstance(value, date) else value
            for column, value in zip(PINYIN_HEADER, passer_cells(p), strict=True)
        }
        for p in passers
    ]


def _bearer(world: World, who: str = "exam_centre_clerk") -> dict[str, Any]:
    _, token = api_token_create(actor=None, user=world.users[who], name="exam system")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _push(client: Client, auth: dict[str, Any], body: Any, query: str = "") -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(PUSH + query, data, content_type="application/json", **auth)


def _list(passers: list[Passer], **fields: Any) -> dict[str, Any]:
    return {"exam": "constructor", "authority": "sd-pta", "rows": _rows(passers), **fields}


def _assert_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message_zh"]
    assert body["message_en"]


def test_a_json_push_with_wait_is_imported_within_the_request(world: World, client: Client) -> None:
    auth = _bearer(world)

    response = _push(client, auth, _list(make_passers(8, seed=31)), "?wait=true")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["finished"], body["rows_read"], body["issued"]) == (
        "completed",
        True,
        8,
        8,
    )
    assert (body["already_issued"], body["rows_invalid"], body["errors_url"]) == (0, 0, None)
    (batch,) = body["batches"]
    stored = IssuanceBatch.objects.get(reference=batch["reference"])
    assert batch == {
        "reference": stored.reference,
        "issuing_authority": "sd-hrss",
        "kind": "exam_proof",
        "size": 8,
        "merkle_root": bytes(stored.merkle_root or b"").hex(),
    }
    job = PassListImport.objects.get(reference=body["reference"])
    assert job.file_name == "passlist-constructor.csv"
    assert job.actor == world.users["exam_centre_clerk"]
    assert client.get(body["status_url"], **auth).json() == body


def test_a_push_is_queued_then_followed_on_its_status_url(
    world: World,
    client: Client,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    auth = _bearer(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = _push(client, auth, _list(make_passers(5, seed=32), file_name="2026 一建"))

    assert response.status_code == 202, response.content
    accepted = response.json()
    assert set(accepted) == {"reference", "state", "status_url"}
    assert accepted["state"] == "queued"
    assert accepted["status_url"].endswith(f"/api/v1/passlists/{accepted['reference']}")
    assert client.get(accepted["status_url"], **auth).json()["finished"] is False

    run_queued_tasks(monkeypatch)

    status = client.get(accepted["status_url"], **auth).json()
    assert (status["state"], status["issued"], status["file_name"]) == (
        "completed",
        5,
        "2026 一建.csv",
    )


def test_a_pushed_list_with_bad_rows_is_rejected_with_an_error_workbook(
    world: World, client: Client
) -> None:
    auth = _bearer(world)
    passers = make_passers(4, seed=33)
    passers[1] = dataclasses.replace(passers[1], level="三级")

    body = _push(client, auth, _list(passers), "?wait=true").json()

    assert (body["state"], body["rows_invalid"], body["issued"]) == ("rejected", 1, 0)
    assert Credential.objects.filter(batch__source__isnull=False).count() == 0
    download = client.get(body["errors_url"], **auth)
    assert download.status_code == 200
    assert "filename*=utf-8''" in download["Content-Disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download.getvalue()))
    assert [str(r[0]) for r in rows.get_sheet_by_index(0).to_python()[1:]] == ["3"]  # rows[1]


def test_accept_valid_through_the_api_issues_the_good_rows(world: World, client: Client) -> None:
    passers = make_passers(4, seed=34)
    passers[0] = dataclasses.replace(passers[0], specialty="宇航工程")

    body = _push(client, _bearer(world), _list(passers, accept_valid=True), "?wait=true").json()

    assert (body["state"], body["issued"], body["rows_invalid"]) == ("partial", 3, 1)
    assert body["errors_url"]


def _post_file(client: Client, world: World, path: Path, query: str = "") -> Any:
    with path.open("rb") as file:
        return client.post(
            PUSH + "/file" + query,
            {"file": file, "exam": "constructor", "authority": "sd-pta", "kind": "exam_proof"},
            **_bearer(world),
        )


def _worker_runs_while_the_request_waits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The request's waiting turns are where the worker (another process in production) runs
    the queued import: the real django-tasks worker, in this process. Returns what ran."""
    turns: list[str] = []

    def turn(_: float) -> None:
        turns.append("worker")
        run_queued_tasks(monkeypatch)

    monkeypatch.setattr(passlists_api, "sleep", turn)
    return turns


def _never_parsed_in_the_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("a pushed file was read in the web process")

    monkeypatch.setattr(passlists_api, "passlist_import_run", refuse)


def test_a_file_push_with_wait_is_imported_by_the_worker_while_the_request_waits(
    world: World, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(6, seed=35))
    turns = _worker_runs_while_the_request_waits(monkeypatch)
    _never_parsed_in_the_request(monkeypatch)

    response = _post_file(client, world, path, "?wait=true")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["issued"], body["file_name"], body["kind"]) == (
        "completed",
        6,
        "名单.xlsx",
        "exam_proof",
    )
    assert turns == ["worker"]


def test_a_file_push_whose_import_outlasts_the_wait_answers_202(
    world: World, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_xlsx(tmp_path / "名单.xlsx", make_passers(3, seed=36))
    monkeypatch.setattr(passlists_api, "FILE_WAIT_SECONDS", 0.0)
    _never_parsed_in_the_request(monkeypatch)

    response = _post_file(client, world, path, "?wait=true")

    assert response.status_code == 202, response.content
    assert response.json()["state"] == "queued"
    run_queued_tasks(monkeypatch)
    assert client.get(response.json()["status_url"], **_bearer(world)).json()["issued"] == 3


def test_a_shared_strings_bomb_pushed_with_wait_fails_in_the_worker_not_the_web_process(
    world: World, client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This 1 MB file once cost a gunicorn worker 1.5 GB, 929 MB of it kept."""
    path = bomb(tmp_path / "bomb.xlsx", 400)
    assert path.stat().st_size <= 2**20
    _worker_runs_while_the_request_waits(monkeypatch)
    _never_parsed_in_the_request(monkeypatch)

    response = _post_file(client, world, path, "?wait=true")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["finished"], body["issued"]) == ("failed", True, 0)
    assert "xl/sharedStrings.xml" in body["message"]
    assert "bomb.xlsx" in body["message"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer ecert_not-a-real-token", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_a_missing_or_wrong_token_is_401(world: World, client: Client, header: str | None) -> None:
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": header} if header is not None else {}

    response = _push(client, auth, _list(make_passers(1, seed=36)))

    _assert_error(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"
    assert not PassListImport.objects.exists()


def test_a_revoked_token_is_401(world: World, client: Client) -> None:
    auth = _bearer(world)
    api_token_revoke(actor=None, api_token=ApiToken.objects.get())

    _assert_error(_push(client, auth, _list(make_passers(1, seed=37))), 401, "unauthenticated")


def test_a_token_is_stored_as_a_hash_and_notes_its_use(world: World, client: Client) -> None:
    api_token, token = api_token_create(
        actor=None, user=world.users["exam_centre_clerk"], name="sys"
    )
    assert token.startswith("ecert_")
    assert token not in (api_token.key_hash, api_token.key_prefix)
    assert token.startswith(api_token.key_prefix)

    client.get(f"{PUSH}/000000000000", HTTP_AUTHORIZATION=f"Bearer {token}")

    api_token.refresh_from_db()
    assert api_token.last_used_at is not None


def test_a_user_without_the_permission_is_403(world: World, client: Client) -> None:
    response = _push(client, _bearer(world, "jinan_clerk"), _list(make_passers(1, seed=38)))

    _assert_error(response, 403, "not_allowed")


def test_an_authority_outside_the_users_scope_is_403(world: World, client: Client) -> None:
    response = _push(
        client, _bearer(world), _list(make_passers(1, seed=39), authority="ha-pta"), "?wait=true"
    )

    _assert_error(response, 403, "not_allowed")
    assert not PassListImport.objects.exists()


def test_an_import_of_another_province_is_404_like_a_missing_one(
    world: World, client: Client
) -> None:
    bad = [dataclasses.replace(make_passers(1, seed=40)[0], level="三级")]
    pushed = _push(client, _bearer(world), _list(bad), "?wait=true").json()
    reference = pushed["reference"]
    assert pushed["errors_url"]  # rejected: it has an error workbook to ask for
    PassListImport.objects.filter(reference=reference).update(
        authority=world.authorities["ha-pta"]  # as if Henan's exam centre had imported it
    )
    shandong_admin = _bearer(world, "province_admin")

    for url in (f"{PUSH}/{reference}", f"{PUSH}/{reference}/errors.xlsx"):
        elsewhere = client.get(url, **shandong_admin)
        missing = client.get(url.replace(reference, "000000000000"), **shandong_admin)
        _assert_error(elsewhere, 404, "not_found")
        assert elsewhere.json() == missing.json()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "bad_request"),
        ("[]", "invalid_request"),
        ({"exam": "constructor", "authority": "sd-pta"}, "invalid_request"),
        ({"exam": "constructor", "authority": "sd-pta", "rows": "ZSGLH"}, "invalid_request"),
        ({"exam": "constructor", "authority": "sd-pta", "rows": [["A1"]]}, "invalid_request"),
        (
            {"exam": "constructor", "authority": "sd-pta", "rows": [{"ZSGLH": {}}]},
            "invalid_request",
        ),
        ({"exam": "constructor", "authority": "sd-pta", "rows": []}, "no_rows"),
        ({"exam": "constructor", "authority": "sd-pta", "rows": [{"": "x"}]}, "bad_columns"),
        ({"exam": "nope", "authority": "sd-pta", "rows": [{"ZSGLH": "A1"}]}, "unknown_exam"),
        (
            {"exam": "constructor", "authority": "nope", "rows": [{"ZSGLH": "A1"}]},
            "unknown_authority",
        ),
        (
            {
                "exam": "constructor",
                "authority": "sd-pta",
                "kind": "score_proof",
                "rows": [{"A": 1}],
            },
            "unknown_kind",
        ),
        (
            {"exam": "constructor", "authority": "sd-pta", "accept_valid": "maybe", "rows": [{}]},
            "invalid_request",
        ),
    ],
)
def test_a_malformed_body_is_400_and_stores_nothing(
    world: World, client: Client, body: Any, code: str
) -> None:
    _assert_error(_push(client, _bearer(world), body, "?wait=true"), 400, code)
    assert not PassListImport.objects.exists()


def test_a_file_push_without_a_file_is_400(world: World, client: Client) -> None:
    response = client.post(
        PUSH + "/file", {"exam": "constructor", "authority": "sd-pta"}, **_bearer(world)
    )

    _assert_error(response, 400, "invalid_request")


def test_more_than_200000_rows_is_413(world: World, client: Client) -> None:
    body = {"exam": "constructor", "authority": "sd-pta", "rows": [{"ZSGLH": "1"}] * 200_001}

    response = _push(client, _bearer(world), body)

    _assert_error(response, 413, "too_many_rows")
    assert not PassListImport.objects.exists()


def test_a_signed_in_clerk_may_use_the_api_from_the_browser(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["exam_centre_clerk"])
    pushed = _push(Client(), _bearer(world), _list(make_passers(1, seed=41)), "?wait=true").json()

    assert browser.get(f"{PUSH}/{pushed['reference']}").json()["state"] == "completed"
    refused = _push(browser, {}, _list(make_passers(1, seed=42)))  # a POST without a CSRF token
    _assert_error(refused, 403, "forbidden")


def test_an_unknown_route_under_the_api_is_a_json_404(world: World, client: Client) -> None:
    response = client.get("/api/v1/nothing-here", **_bearer(world))
    assert response.status_code == 404
