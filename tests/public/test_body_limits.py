"""Request bodies are refused by size before anything reads them: nothing lands on disk."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client

from ecert.accounts.services import api_token_create
from ecert.body_limits import _CountedBody
from tests.conftest import World

SIX_HUNDRED_MB = 600 * 10**6


@pytest.fixture
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    """Where Django writes uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE while parsing."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2**10  # every upload would go to disk
    return folder


def _upload(size: int, name: str = "big.pdf") -> io.BytesIO:
    file = io.BytesIO(b"%PDF-1.7\n" + b"0" * size)
    file.name = name
    return file


@pytest.mark.django_db
def test_an_anonymous_600_mb_post_is_refused_by_its_length_before_it_is_read(
    client: Client, upload_dir: Path
) -> None:
    response = client.generic(
        "POST",
        "/verify/pdf/",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(SIX_HUNDRED_MB),
    )

    assert response.status_code == 413
    text = response.content.decode()
    assert text.startswith("请求内容超过 12 MiB")
    assert "larger than 12 MiB" in text
    assert list(upload_dir.iterdir()) == []


@pytest.mark.django_db
def test_an_anonymous_upload_over_the_limit_never_reaches_the_form(
    client: Client, upload_dir: Path, settings: Any
) -> None:
    """Before the limit, Django wrote this file to the temporary folder, then the form refused it."""
    settings.ECERT_MAX_ANONYMOUS_BODY = 2**20
    response = client.post("/verify/pdf/", {"file": _upload(2 * 2**20)})

    assert response.status_code == 413
    assert list(upload_dir.iterdir()) == []


@pytest.mark.django_db
def test_an_anonymous_api_upload_over_the_limit_is_a_json_413(
    client: Client, upload_dir: Path, settings: Any
) -> None:
    settings.ECERT_MAX_ANONYMOUS_BODY = 2**20
    response = client.post(
        "/api/v1/passlists/file", {"file": _upload(2 * 2**20, "名单.csv"), "exam": "x"}
    )

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert body["message_zh"].startswith("请求内容超过 1 MiB")
    assert body["message_en"]
    assert list(upload_dir.iterdir()) == []


def test_an_uploader_with_a_token_gets_the_larger_limit(
    world: World, client: Client, upload_dir: Path, settings: Any
) -> None:
    settings.ECERT_MAX_ANONYMOUS_BODY = 2**20
    _, token = api_token_create(actor=None, user=world.users["exam_centre_clerk"], name="exam")
    response = client.post(
        "/api/v1/passlists/file",
        {"file": _upload(2 * 2**20, "名单.csv"), "exam": "constructor", "authority": "sd-pta"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code != 413, response.content


def test_a_body_longer_than_announced_is_stopped_as_soon_as_it_passes_the_limit() -> None:
    """What a chunked body, or one longer than its Content-Length, meets while it is read."""
    body = _CountedBody(io.BytesIO(b"x" * (3 * 2**20)), 2**20)
    assert len(body.read(2**19)) == 2**19
    with pytest.raises(RequestDataTooBig):
        body.read(2**20)
