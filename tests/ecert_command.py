"""Running the real `ecert` command in a subprocess against a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def ecert_environment(data_dir: Path) -> dict[str, str]:
    """The environment of a test's `ecert`: only its own ECERT_* settings, none from the shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECERT_", "DATABASE_URL"))}
    return env | {
        "ECERT_DATA_DIR": str(data_dir),
        "ECERT_ADMIN_PASSWORD": "admin-password-for-tests",
        "COLUMNS": "200",
    }


def run_ecert(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`ecert <args>` run to its end in a subprocess against ``data_dir``."""
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "ecert.cli", *args],
        env=ecert_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
