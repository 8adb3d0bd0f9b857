"""Issuance tests keep received files and error workbooks in their own directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """Received files and error workbooks go to this test's own directory."""
    data = tmp_path / "data"
    settings.ECERT_DATA_DIR = data
    return data
