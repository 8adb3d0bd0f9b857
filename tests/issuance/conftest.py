"""Issuance tests: the packaged authorities and catalogue, and a signing key for every issuer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.config import KeyStoreConfig
from ecert.core.algorithms import Algorithm
from ecert.core.trust_list import Purpose
from ecert.signing.selectors import signing_plan
from ecert.signing.services import root_create, signer_key_create

KEY_PASSWORD = "issuance-tests-key-password"
KEYS_MADE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def issuing_keys(
    settings: Any, tmp_path: Path, catalogue: dict[str, Qualification]
) -> dict[str, Authority]:
    """A root and one ES256 key per issuing authority (as `ecert keys init` makes them)."""
    settings.ECERT_KEYSTORE = KeyStoreConfig(
        kind="file", directory=tmp_path / "keys", password=KEY_PASSWORD
    )
    root_create(actor=None, algorithm=Algorithm.ES256, now=KEYS_MADE)
    issuers = {}
    for authority, kinds in signing_plan().items():
        signer_key_create(
            actor=None,
            authority=authority,
            algorithm=Algorithm.ES256,
            kinds=kinds,
            purposes=[Purpose.CREDENTIALS, Purpose.BATCH_ROOTS, Purpose.STATUS_LISTS],
            now=KEYS_MADE,
        )
        issuers[authority.key] = authority
    return issuers


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """Received files and error workbooks go to this test's own directory."""
    data = tmp_path / "data"
    settings.ECERT_DATA_DIR = data
    return data
