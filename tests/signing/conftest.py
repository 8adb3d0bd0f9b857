"""Signing tests keep their key files in their own temporary directory, never the data dir's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecert.config import KeyStoreConfig
from ecert.signing.models import RootCertificate, SignerKey
from tests.conftest import World

KEY_PASSWORD = "signing-tests-key-password"


@pytest.fixture
def key_dir(settings: Any, tmp_path: Path, world: World) -> Path:
    """An empty file key store for this test only: the keys the cast's credentials were issued
    with are taken away, so that the test makes the root and the keys it is about."""
    SignerKey.objects.all().delete()
    RootCertificate.objects.all().delete()
    directory = tmp_path / "signing-keys"
    settings.ECERT_KEYSTORE = KeyStoreConfig(
        kind="file", directory=directory, password=KEY_PASSWORD
    )
    return directory
