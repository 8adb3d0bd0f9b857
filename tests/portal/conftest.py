"""Portal tests: documents in the test's own directory, sign-in counters in a cache of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def portal_storage(own_storage: Path) -> Path:
    return own_storage
