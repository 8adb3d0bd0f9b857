"""Signing tests keep their key files in their own temporary directory, never the data dir's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecert.config import KeyStoreConfig

KEY_PASSWORD = "signing-tests-key-password"


@pytest.fixture
def key_dir(settings: Any, tmp_path: Path) -> Path:
    """An empty file key store for this test only."""
    directory = tmp_path / "keys"
    settings.ECERT_KEYSTORE = KeyStoreConfig(
        kind="file", directory=directory, password=KEY_PASSWORD
    )
    return directory
