"""Fixtures of the verification tests: signed credentials, their QR texts, an approved employer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings

from ecert.core.formats.qr import qr_text
from ecert.credentials.models import Credential
from ecert.verification.services import trust_list_forget

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_trust_list() -> Iterator[None]:
    """Each test's keys are its own: no process keeps the trust list of an earlier test."""
    trust_list_forget()
    yield
    trust_list_forget()


def qr_of(credential: Credential) -> str:
    assert credential.signed is not None
    return qr_text(django_settings.ECERT_VERIFY_HOST, bytes(credential.signed))


def payload_of(credential: Credential) -> str:
    return qr_of(credential).split("/V/", 1)[1]
