"""A credential's QR text verifies alike with either scheme the deployment may print: HTTPS (a
production deployment) and HTTP (a development server, the demo), through the API and on the page
the code opens, upper-case host and all."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from ecert.core.formats.qr import qr_text
from ecert.credentials.models import Credential
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_the_api_verifies_a_qr_text_of_either_scheme(
    client: Client, proof: Credential, scheme: str
) -> None:
    text = qr_text(django_settings.ECERT_VERIFY_HOST, bytes(proof.signed or b""), scheme=scheme)
    assert text.startswith(f"{scheme.upper()}://")

    response = client.post(reverse("api:verify"), {"qr": text}, content_type="application/json")

    assert response.json()["verdict"] == "valid"


@pytest.mark.parametrize("scheme", ["ftp", "file"])
def test_the_api_does_not_take_another_scheme_for_a_certificate(
    client: Client, proof: Credential, scheme: str
) -> None:
    text = qr_text(django_settings.ECERT_VERIFY_HOST, bytes(proof.signed or b""))
    other = f"{scheme.upper()}://{text.split('://', 1)[1]}"

    response = client.post(reverse("api:verify"), {"qr": other}, content_type="application/json")

    assert response.json()["verdict"] == "not_genuine"


def test_the_page_a_code_opens_answers_its_upper_case_host(
    client: Client, proof: Credential
) -> None:
    text = qr_text("localhost:8000", bytes(proof.signed or b""), scheme="http")
    path = text.removeprefix("HTTP://LOCALHOST:8000")

    response = client.get(path, HTTP_HOST="LOCALHOST:8000")

    assert response.status_code == 200
    assert 'data-verdict="valid"' in response.content.decode()
