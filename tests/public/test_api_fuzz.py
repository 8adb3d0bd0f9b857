"""schemathesis against the published OpenAPI: whatever a caller sends, no answer is a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from ecert.accounts.services import api_token_create
from ecert.verification.models import Organisation
from tests.conftest import World
from tests.portal.signed import signed_proof

# The schema exactly as /api/openapi.json serves it; requests go in-process through Django's
# WSGI handler, inside each test's database transaction.
SCHEMA = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture(autouse=True)
def connection_kept_open() -> Iterator[None]:
    """Keep the test's database connection across requests, as Django's test client does.

    A real WSGI handler closes the connection when a request ends; inside a test's transaction
    that would end the transaction, and on PostgreSQL every later request would fail.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(
    world: World, issuing_keys: Any, own_storage: Any, employer_organisation: Organisation
) -> dict[str, str]:
    """A signed credential in the registry, and an organisation's key to call with."""
    signed_proof(world, "jinan", "2025370100001234")
    _token, secret = api_token_create(actor=None, user=world.users["employer"], name="fuzz")
    return {"Authorization": f"Bearer {secret}"}


@SCHEMA.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_gets_a_server_error(case: Any, bearer: dict[str, str]) -> None:
    response = case.call(headers=bearer)

    assert response.status_code < 500, (case.method, case.path, response.text[:300])


@SCHEMA.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_anonymous_request_gets_a_server_error(
    case: Any, world: World, own_storage: Any
) -> None:
    response = case.call()

    assert response.status_code < 500, (case.method, case.path, response.text[:300])
