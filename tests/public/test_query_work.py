"""The online query does the same work whichever detail is wrong (issue 15): the same database
reads and one signature check, and the same answer, so neither the answer nor the time it takes
tells a stranger which of name, ID number and number was right. Work is counted, never timed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecert.core.formats.algorithms import VerificationKey
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW

NUMBER = "2025370100001234"
OTHER_ID = "370102198805170000"  # well formed, nobody's


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", NUMBER, now=NOW)


@pytest.fixture
def signature_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a signature is checked: the real check, counted."""
    calls: list[int] = []
    real = VerificationKey.verify

    def counted(self: VerificationKey, data: bytes, signature: bytes) -> bool:
        calls.append(1)
        return real(self, data, signature)

    monkeypatch.setattr(VerificationKey, "verify", counted)
    return calls


def _cases(world: World, proof: Credential) -> dict[str, dict[str, str]]:
    id_number = holder_id_number(proof.holder)
    someone_else = world.credentials["qingdao"]
    right = {"name": "张堃", "id_number": id_number, "number": NUMBER}
    return {
        "all right": right,
        "number unknown": {**right, "number": "2025370100009999"},
        "name wrong": {**right, "name": "张三"},
        "ID number wrong": {**right, "id_number": OTHER_ID},
        "number of someone else": {**right, "number": someone_else.management_number},
        "ID number malformed": {**right, "id_number": "not an id"},
    }


def _work(ask: Callable[[], Any], checks: list[int]) -> tuple[list[str], int, Any]:
    """The tables each SQL statement touches, the signature checks, and what was answered."""
    checks.clear()
    with CaptureQueriesContext(connection) as queries:
        answered = ask()
    tables = [_shape(q["sql"]) for q in queries.captured_queries]
    return tables, len(checks), answered


def _shape(sql: str) -> str:
    words = sql.replace('"', "").replace("`", "").split()
    verb = words[0].upper() if words else ""
    touched = [
        words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in ("FROM", "INTO", "UPDATE")
    ]
    return f"{verb} {' '.join(touched)}"


def test_every_wrong_detail_costs_the_api_the_same_reads_and_one_signature_check(
    world: World, client: Client, proof: Credential, signature_checks: list[int]
) -> None:
    url = reverse("api:query")
    cases = _cases(world, proof)
    client.post(url, cases["all right"], content_type="application/json")  # the trust list, built

    work = {
        case: _work(
            lambda body=body: client.post(url, body, content_type="application/json"),  # type: ignore[misc]
            signature_checks,
        )
        for case, body in cases.items()
    }

    hit_tables, hit_checks, hit = work.pop("all right")
    assert hit.json()["found"] is True
    assert hit_checks == 1
    for case, (tables, checks, answered) in work.items():
        assert (case, tables, checks) == (case, hit_tables, 1)
        assert (case, answered.status_code, answered.content) == (
            case,
            200,
            b'{"found": false, "answer": null}',
        )


def test_every_wrong_detail_costs_the_query_page_the_same_work(
    world: World, client: Client, proof: Credential, signature_checks: list[int]
) -> None:
    url = reverse("verify:query")
    cases = _cases(world, proof)
    client.post(url, cases["all right"])

    work = {
        case: _work(lambda body=body: client.post(url, body), signature_checks)  # type: ignore[misc]
        for case, body in cases.items()
    }

    hit_tables, _hit_checks, _hit = work.pop("all right")
    for case, (tables, checks, answered) in work.items():
        assert (case, tables, checks) == (case, hit_tables, 1)
        assert answered.status_code == 200
        assert 'data-verdict="not_found"' in answered.content.decode()


def test_a_paper_record_found_costs_the_same_signature_check_as_a_miss(
    world: World, proof: Credential, client: Client, signature_checks: list[int]
) -> None:
    """A record without a signature is answered from the registry; the stand-in is checked so
    that finding one takes the same work as finding a signed one or nothing."""
    paper = world.credentials["qingdao"]
    Credential.objects.filter(pk=paper.pk).update(signed=None)
    url = reverse("api:query")
    body = {
        "name": "李喆",
        "id_number": holder_id_number(paper.holder),
        "number": paper.management_number,
    }
    client.post(url, body, content_type="application/json")

    _tables, checks, answered = _work(
        lambda: client.post(url, body, content_type="application/json"), signature_checks
    )

    assert answered.json()["found"] is True
    assert checks == 1
