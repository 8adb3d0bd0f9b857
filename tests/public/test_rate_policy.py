"""One rate policy for the pages and the API (issue 15): the keyless API allows no more than the
query page and shares its count, a key charges the organisation's quota, and every 429 says in
Retry-After how many seconds until the window reopens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.accounts.services import api_token_create
from ecert.config import cache_from_env
from ecert.credentials.models import Credential
from ecert.verification.limits import (
    ORGANISATION_DAY,
    PDF_PER_ADDRESS,
    VERIFY_PER_ADDRESS,
    Limit,
    retry_after,
    shared_cache_down_forget,
)
from ecert.verification.models import Organisation, VerificationEvent
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW, qr_of
from tests.streaming_replica import free_port

# One second into a ten-minute window (NOW is 12:00 in China, a multiple of 600 seconds).
CLOCK = NOW + timedelta(seconds=1)
WRONG = {"name": "张堃", "id_number": "370102198805170000", "number": "X"}


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch, own_storage: Any) -> datetime:
    """The time every page and the API read, held still so that no window closes mid-test; the
    counters in a cache of this test alone."""
    monkeypatch.setattr(timezone, "now", lambda: CLOCK)
    return CLOCK


@pytest.fixture
def proof(world: World, issuing_keys: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


def _api(client: Client, name: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(reverse(name), body, content_type="application/json", **headers)  # type: ignore[arg-type]


def _use_up_the_address(client: Client) -> None:
    for _ in range(VERIFY_PER_ADDRESS.count):
        assert client.post(reverse("verify:query"), WRONG).status_code == 200


def test_the_keyless_api_allows_no_more_than_the_query_page(client: Client, db: Any) -> None:
    """Hostile case: the keyless API allowed 120 a minute, 40 times the page's 30 in ten."""
    answers = [
        _api(client, "api:verify", {"qr": "HTTPS://X/V/00A"}).status_code
        for _ in range(VERIFY_PER_ADDRESS.count + 1)
    ]

    assert answers == [200] * VERIFY_PER_ADDRESS.count + [429]
    assert VerificationEvent.objects.count() == VERIFY_PER_ADDRESS.count


def test_the_query_page_and_the_keyless_api_share_one_count_per_address(
    client: Client, db: Any
) -> None:
    half = VERIFY_PER_ADDRESS.count // 2
    page = [client.post(reverse("verify:query"), WRONG).status_code for _ in range(half)]
    api = [
        _api(client, "api:query", WRONG).status_code
        for _ in range(VERIFY_PER_ADDRESS.count - half + 1)
    ]
    after = client.post(reverse("verify:query"), WRONG)

    assert page == [200] * half
    assert api == [200] * (VERIFY_PER_ADDRESS.count - half) + [429]
    assert after.status_code == 429


def test_another_address_has_its_own_count(client: Client, db: Any) -> None:
    _use_up_the_address(client)

    elsewhere = client.post(reverse("verify:query"), WRONG, REMOTE_ADDR="198.51.100.9")

    assert elsewhere.status_code == 200


def test_an_organisations_key_is_not_held_to_the_address_limit(
    world: World, client: Client, employer_organisation: Organisation
) -> None:
    _use_up_the_address(client)
    _token, secret = api_token_create(actor=None, user=world.users["employer"], name="HR")

    keyed = _api(client, "api:query", WRONG, HTTP_AUTHORIZATION=f"Bearer {secret}")
    keyless = _api(client, "api:query", WRONG)

    assert (keyed.status_code, keyless.status_code) == (200, 429)


def test_the_query_page_past_its_limit_says_when_to_come_back(client: Client, db: Any) -> None:
    _use_up_the_address(client)

    refused = client.post(reverse("verify:query"), WRONG)

    assert refused.status_code == 429
    assert refused["Retry-After"] == "599"
    assert "10 分钟后再试" in refused.content.decode()


def test_the_query_result_past_the_limit_says_when_to_come_back(client: Client, db: Any) -> None:
    _use_up_the_address(client)

    refused = client.post(reverse("verify:query_result"), WRONG)

    assert (refused.status_code, refused["Retry-After"]) == (429, "599")


def test_the_pdf_check_past_its_limit_says_when_to_come_back(client: Client, db: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    answers = [
        client.post(
            reverse("verify:pdf"),
            {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.7 nothing", "application/pdf")},
        )
        for _ in range(PDF_PER_ADDRESS.count + 1)
    ]

    assert [a.status_code for a in answers] == [200] * PDF_PER_ADDRESS.count + [429]
    assert answers[-1]["Retry-After"] == "599"
    assert all("Retry-After" not in a for a in answers[:-1])


def test_the_keyless_api_past_its_limit_says_when_to_come_back(client: Client, db: Any) -> None:
    _use_up_the_address(client)

    refused = [
        _api(client, "api:verify", {"qr": "HTTPS://X/V/00A"}),
        _api(client, "api:query", WRONG),
        client.get(reverse("api:status", kwargs={"status_index": 0})),
    ]

    assert [(r.status_code, r["Retry-After"]) for r in refused] == [(429, "599")] * 3
    assert refused[0].json()["code"] == "rate_limited"
    assert "599 秒后再试" in refused[0].json()["message_zh"]


def test_an_organisations_key_past_its_quota_waits_for_midnight_in_china(
    world: World, client: Client, proof: Credential, employer_organisation: Organisation
) -> None:
    Organisation.objects.filter(pk=employer_organisation.pk).update(daily_quota=1)
    _token, secret = api_token_create(actor=None, user=world.users["employer"], name="HR")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    first = _api(client, "api:verify", {"qr": qr_of(proof)}, **bearer)
    second = _api(client, "api:verify", {"qr": qr_of(proof)}, **bearer)

    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (429, "quota_exceeded")
    assert second["Retry-After"] == str(12 * 3600 - 1)  # 12:00:01 in China


def test_an_organisations_page_past_its_quota_waits_for_midnight_in_china(
    world: World, client: Client, proof: Credential, employer_organisation: Organisation
) -> None:
    Organisation.objects.filter(pk=employer_organisation.pk).update(daily_quota=1)
    client.force_login(world.users["employer"])
    url = reverse("verify:org_verify")

    client.post(url, {"text": qr_of(proof)})
    refused = client.post(url, {"text": qr_of(proof)})

    assert (refused.status_code, refused["Retry-After"]) == (429, str(12 * 3600 - 1))


@pytest.mark.parametrize(
    ("limit", "at", "seconds"),
    [
        (VERIFY_PER_ADDRESS, datetime(2026, 11, 24, 4, 0, 0, tzinfo=UTC), 600),
        (VERIFY_PER_ADDRESS, datetime(2026, 11, 24, 4, 9, 59, 500_000, tzinfo=UTC), 1),
        (Limit("hour", 5, 3600), datetime(2026, 11, 24, 4, 30, tzinfo=UTC), 1800),
        (ORGANISATION_DAY, datetime(2026, 11, 24, 15, 59, 30, tzinfo=UTC), 30),  # 23:59:30 China
        (ORGANISATION_DAY, datetime(2026, 11, 24, 16, 0, 0, tzinfo=UTC), 86_400),
    ],
)
def test_retry_after_counts_to_the_end_of_the_window(
    limit: Limit, at: datetime, seconds: int
) -> None:
    assert retry_after(limit, at) == seconds


def test_an_organisations_quota_held_in_blocks_answers_exactly_its_quota(
    world: World, employer_organisation: Organisation
) -> None:
    from ecert.verification.limits import ORGANISATION_DAY, limit_used, verification_take
    from ecert.verification.services import Asker

    Organisation.objects.filter(pk=employer_organisation.pk).update(daily_quota=200)
    organisation = Organisation.objects.get(pk=employer_organisation.pk)
    asker = Asker("192.0.2.9", world.users["employer"], organisation)
    now = timezone.now()

    answers = [verification_take(asker, now) for _ in range(201)]

    assert answers[:200] == [None] * 200
    refusal = answers[200]
    assert refusal is not None
    assert refusal.code == "quota_exceeded"
    assert limit_used(ORGANISATION_DAY, organisation.reference, now) == 200


def test_the_keyless_api_answers_and_limits_while_the_shared_cache_is_down(
    client: Client, proof: Credential, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """ECERT_CACHE_URL names a Redis that refuses connections: the API answers, each process
    counting for itself meanwhile (decision 288), and one warning says so."""
    settings.CACHES = {
        "default": cache_from_env({"ECERT_CACHE_URL": f"redis://127.0.0.1:{free_port()}/0"})
    }
    shared_cache_down_forget()
    try:
        answers = [
            _api(client, "api:verify", {"qr": qr_of(proof)})
            for _ in range(VERIFY_PER_ADDRESS.count + 1)
        ]
    finally:
        shared_cache_down_forget()
    assert [a.status_code for a in answers] == [200] * VERIFY_PER_ADDRESS.count + [429]
    assert {a.json()["verdict"] for a in answers[:-1]} == {"valid"}
    warned = [r for r in caplog.records if "shared cache cannot be reached" in r.getMessage()]
    assert len(warned) == 1
