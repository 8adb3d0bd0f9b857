"""Running the real `ecert` command in a subprocess against a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_ecert(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ecert <args>` with only the test's own ECERT_* settings (none inherited from the shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))}
    env |= {
        "ECERT_DATA_DIR": str(data_dir),
        "ECERT_ADMIN_PASSWORD": "admin-password-for-tests",
        "COLUMNS": "200",
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
