"""Portal tests: documents in the test's own directory, sign-in counters in a cache of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def portal_storage(settings: Any, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    settings.ECERT_DATA_DIR = data
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }
    return data
