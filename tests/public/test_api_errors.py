"""The API's refusals: each code answers the status it always had, as {code, message_zh,
message_en}; an EcertError that is no route's refusal is not turned into one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ecert.api import verification
from ecert.api.errors import REFUSALS, STATUS, status_of
from ecert.core.errors import EcertError

# Every code the API answered before EcertError, with the status it had then.
BEFORE = {
    "not_found": 404,
    "not_allowed": 403,
    "unknown_kind": 400,
    "unknown_exam": 400,
    "unknown_authority": 400,
    "bad_columns": 400,
    "too_many_rows": 413,
    "no_rows": 400,
    "quota_exceeded": 429,
    "rate_limited": 429,
    "incomplete_query": 400,
    "kind_not_importable": 400,  # passlist_import_create's
    "too_big": 413,
    "busy": 400,
}
# Codes of routes added since, with their statuses: the status change of a credential.
ADDED = {"no_reason": 400, "status_not_allowed": 400, "not_allowed_status": 400}


def test_every_refusal_keeps_the_status_it_had() -> None:
    assert set(REFUSALS) == set(BEFORE) | set(ADDED)
    everything = BEFORE | ADDED
    assert {code: status_of(EcertError(code, "中", "en")) for code in everything} == everything
    assert STATUS["forbidden"] == 403
    assert STATUS["too_large"] == 413


def test_a_refusal_is_answered_as_json_with_its_status(client: Client) -> None:
    response = client.post(reverse("api:query"), {"name": "张三"}, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "incomplete_query",
        "message_zh": "须同时提供姓名、证件号码和证书编号，或提供验证码",
        "message_en": "give name, id_number and number together, or verification_code",
    }


def test_an_error_that_is_no_routes_refusal_is_not_answered_as_one(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_key_store(**_: Any) -> None:
        raise EcertError("wrong_password", "无法解密密钥文件", "cannot decrypt the key file")

    monkeypatch.setattr(verification, "qr_verify", broken_key_store)

    with pytest.raises(EcertError):  # the test client re-raises what would be a 500
        client.post(reverse("api:verify"), {"qr": "X"}, content_type="application/json")
