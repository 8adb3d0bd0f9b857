"""A locked npm tree that tests run under Node.js (an OpenID provider, the W3C VC checkers):
installed from its package-lock.json on first use, by one test process while the others
(pytest-xdist workers) wait for it; nothing but the pinned versions, no network once installed."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import pytest


def node_with(tree: Path, package: str) -> str:
    """The path of ``node``, once ``tree``'s packages (``package`` among them) are installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "Node.js and npm are not installed; `make test` installs them (tools/system_packages.sh)"
        )
    with (tree / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (tree / "node_modules" / package / "package.json").exists():
            subprocess.run(  # noqa: S603 - fixed arguments
                [npm, "ci", "--prefix", str(tree), "--no-audit", "--no-fund"],
                check=True,
                capture_output=True,
                timeout=600,
            )
    return node
