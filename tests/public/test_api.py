"""The public verification API: answers, the query's rules, quotas and rate limits, offline files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.accounts.services import api_token_create
from ecert.audit.models import AuditEvent
from ecert.core.formats.trust_list import load_trust_list
from ecert.core.formats.verify import Verdict, load_status_list, verify_qr_text
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.credentials.status_lists import status_lists_publish
from ecert.signing.models import RootCertificate, StatusListPublication
from ecert.signing.services import trust_list_publish
from ecert.verification.limits import VERIFY_PER_ADDRESS
from ecert.verification.models import Organisation, VerificationEvent
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW, qr_of


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


def _post(client: Client, name: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(reverse(name), body, content_type="application/json", **headers)  # type: ignore[arg-type]


def test_verify_answers_the_verdict_and_masked_facts(client: Client, proof: Credential) -> None:
    response = _post(client, "api:verify", {"qr": qr_of(proof)})

    body = response.json()
    assert response.status_code == 200
    assert (body["verdict"], body["genuine"], body["message_zh"]) == ("valid", True, "真实有效")
    assert body["facts"]["holder_name"] == "张*"
    assert body["facts"]["number"] == "2025370100001234"
    assert holder_id_number(proof.holder) not in response.content.decode()


def test_verify_of_garbage_is_not_genuine_not_an_error(client: Client, proof: Credential) -> None:
    body = _post(client, "api:verify", {"qr": "HTTPS://X/V/ZZZZ"}).json()

    assert (body["verdict"], body["facts"]) == ("not_genuine", None)


def test_query_finds_only_with_all_three_details(client: Client, proof: Credential) -> None:
    id_number = holder_id_number(proof.holder)
    right = {"name": "张堃", "id_number": id_number, "number": "2025370100001234"}

    found = _post(client, "api:query", right).json()
    wrong = _post(client, "api:query", {**right, "name": "张三"}).json()
    partial = _post(client, "api:query", {"name": "张堃", "number": "2025370100001234"})

    assert found["found"] is True
    assert found["answer"]["verdict"] == "valid"
    assert wrong == {"found": False, "answer": None}
    assert partial.status_code == 400
    assert partial.json()["code"] == "incomplete_query"


def test_status_reads_the_registry_live(client: Client, proof: Credential) -> None:
    assert proof.status_index is not None
    url = reverse("api:status", kwargs={"status_index": proof.status_index})

    before = client.get(url).json()
    Credential.objects.filter(pk=proof.pk).update(status="revoked")
    after = client.get(url).json()

    assert (before["status"], after["status"]) == ("valid", "revoked")


def test_anonymous_callers_are_limited_per_address(client: Client, proof: Credential) -> None:
    allowed = VERIFY_PER_ADDRESS.count  # the query page's limit (tests/public/test_rate_policy.py)
    answers = [
        _post(client, "api:verify", {"qr": "HTTPS://X/V/00A"}).status_code
        for _ in range(allowed + 1)
    ]

    assert answers[:allowed] == [200] * allowed
    assert answers[allowed] == 429
    assert VerificationEvent.objects.count() == allowed


def test_an_organisations_key_draws_on_its_daily_quota(
    world: World, client: Client, proof: Credential, employer_organisation: Organisation
) -> None:
    Organisation.objects.filter(pk=employer_organisation.pk).update(daily_quota=3)
    _token, secret = api_token_create(actor=None, user=world.users["employer"], name="HR")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    answers = [_post(client, "api:verify", {"qr": qr_of(proof)}, **bearer) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["code"] == "quota_exceeded"
    assert VerificationEvent.objects.filter(organisation=employer_organisation).count() == 3


def test_a_wrong_key_is_refused_not_treated_as_anonymous(client: Client, proof: Credential) -> None:
    response = _post(
        client, "api:verify", {"qr": qr_of(proof)}, HTTP_AUTHORIZATION="Bearer ecert_wrong"
    )

    assert response.status_code == 401


def test_offline_files_verify_a_credential_without_the_registry(
    world: World, client: Client, proof: Credential
) -> None:
    trust_list_publish(actor=None, now=NOW)
    status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=NOW)

    root = client.get(reverse("api:root_certificate")).content
    trust = client.get(reverse("api:trust_list")).content
    status = client.get(reverse("api:status_list", kwargs={"list_number": 0}))

    assert status["Content-Type"] == "application/cose"
    assert root == bytes(RootCertificate.objects.get(active=True).certificate)
    trusted = load_trust_list(trust, root_certificate=root)
    lists = {0: load_status_list(status.content, trusted)}
    result = verify_qr_text(qr_of(proof), trust_list=trusted, now=NOW, status_lists=lists)
    assert result.verdict is Verdict.VALID


def test_the_api_is_documented(client: Client) -> None:
    schema = client.get(reverse("api:openapi-json")).json()

    assert {"/api/v1/verify", "/api/v1/query", "/api/v1/trust-list"} <= set(schema["paths"])


def test_a_status_list_older_than_an_hour_is_signed_again_with_the_news(
    world: World, client: Client, proof: Credential
) -> None:
    trust_list_publish(actor=None, now=NOW)
    status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=NOW)
    StatusListPublication.objects.update(issued_at=NOW - timedelta(hours=2))
    Credential.objects.filter(pk=proof.pk).update(status="revoked")

    fetched = client.get(reverse("api:status_list", kwargs={"list_number": 0})).content

    trusted = load_trust_list(
        client.get(reverse("api:trust_list")).content,
        root_certificate=client.get(reverse("api:root_certificate")).content,
    )
    result = verify_qr_text(
        qr_of(proof),
        trust_list=trusted,
        now=timezone.now(),
        status_lists={0: load_status_list(fetched, trusted)},
    )
    assert result.verdict is Verdict.REVOKED


def test_asking_for_a_status_list_that_cannot_exist_signs_nothing(
    client: Client, proof: Credential
) -> None:
    # The proof's index is in list 0; list 7 would need millions more credentials.
    answers = [client.get(reverse("api:status_list", kwargs={"list_number": 7})) for _ in range(3)]

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert not StatusListPublication.objects.exists()
    assert not AuditEvent.objects.filter(action="signing.status_lists_published").exists()


def test_a_status_list_in_use_but_not_yet_published_is_signed_when_asked_for(
    client: Client, proof: Credential
) -> None:
    answer = client.get(reverse("api:status_list", kwargs={"list_number": 0}))

    assert answer.status_code == 200
    assert StatusListPublication.objects.filter(list_number=0).exists()


# Every operation of the API and whether it takes a key: "optional" (a key raises the quota),
# "none" (public files), "required" (a token or a signed-in session).
KEYS = {
    ("post", "/api/v1/verify"): "optional",
    ("post", "/api/v1/query"): "optional",
    ("get", "/api/v1/status/{status_index}"): "optional",
    ("get", "/api/v1/trust-list"): "none",
    ("get", "/api/v1/status-lists/{list_number}"): "none",
    ("get", "/api/v1/root-certificate"): "none",
    ("post", "/api/v1/passlists"): "required",
    ("post", "/api/v1/passlists/file"): "required",
    ("get", "/api/v1/passlists/{reference}"): "required",
    ("get", "/api/v1/passlists/{reference}/errors.xlsx"): "required",
    ("post", "/api/v1/credentials/{public_id}/status"): "required",
    ("get", "/api/v1/status-lists/{list_number}/w3c"): "none",
    ("get", "/api/v1/status-lists/{list_number}/token"): "none",
    ("get", "/api/v1/contexts/ecert-credential-v1.jsonld"): "none",
}


def _key_needed(operation: dict[str, Any]) -> str:
    """What an OpenAPI operation's security says: an empty requirement among the alternatives
    means it may be called without a key (OpenAPI 3.1 §4.8.10)."""
    security = operation.get("security")
    if security == []:
        return "none"
    assert security, operation["operationId"]  # no global default: each says its own
    return "optional" if {} in security else "required"


def test_the_schema_says_which_operations_take_a_key(client: Client) -> None:
    """Hostile case: the public verification operations were marked as needing a token."""
    schema = client.get(reverse("api:openapi-json")).json()

    declared = {
        (method, path): _key_needed(operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }

    assert declared == KEYS
    assert "security" not in schema  # nothing required of every operation at once
    assert set(schema["components"]["securitySchemes"]) == {"ApiTokenAuth", "BrowserSession"}
    for operation in ("/api/v1/verify", "/api/v1/query"):
        too_many = schema["paths"][operation]["post"]["responses"]["429"]
        assert too_many["headers"]["Retry-After"]["schema"]["type"] == "integer"


@pytest.mark.parametrize(("method", "path"), sorted(KEYS))
def test_each_operation_answers_as_the_schema_says_without_a_key(
    client: Client, world: World, method: str, path: str
) -> None:
    """Without a key a required-key operation is refused 401; the others are never refused so."""
    url = path.format(status_index=0, list_number=0, reference="X", public_id="X")
    if method == "post":
        response = client.post(url, {}, content_type="application/json")
    else:
        response = client.get(url)

    assert (response.status_code == 401) == (KEYS[(method, path)] == "required"), response.content
