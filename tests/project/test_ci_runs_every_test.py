"""A test that skips for want of a tool on a developer's machine fails in CI (`.ci/run` exports
CI=1), where the tool is installed: a skip there would hide a check that never ran."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _offline_bundle_test_without_node(
    tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """tests/public/test_offline_bundle.py run by pytest with nothing on PATH (so no node, no npm)."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    kept = {
        k: v
        for k, v in os.environ.items()
        if k != "CI" and not k.startswith(("ECERT_", "DATABASE_URL", "PYTEST_"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/public/test_offline_bundle.py",
            "-p",
            "no:cacheprovider",
            "-n",
            "0",
            "-rs",
        ],
        cwd=ROOT,
        env=kept | {"PATH": str(empty), "ECERT_DATA_DIR": str(tmp_path / "data")} | env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_offline_bundle_test_fails_in_ci_without_node(tmp_path: Path) -> None:
    ran = _offline_bundle_test_without_node(tmp_path, CI="1")
    assert ran.returncode == pytest.ExitCode.TESTS_FAILED, ran.stdout[-2000:]
    assert "CI must rebuild the offline verifier's bundle: Node.js and npm" in ran.stdout


def test_the_offline_bundle_test_skips_with_its_reason_outside_ci(tmp_path: Path) -> None:
    ran = _offline_bundle_test_without_node(tmp_path)
    assert ran.returncode == pytest.ExitCode.OK, ran.stdout[-2000:]
    assert "1 skipped" in ran.stdout
    assert "Node.js and npm are not installed" in ran.stdout
