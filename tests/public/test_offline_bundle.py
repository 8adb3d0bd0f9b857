"""The offline verifier's committed script is what its locked npm tree builds, byte for byte.

A fresh machine serves the committed web/offline-verifier build (it has only Python); this test
rebuilds it from the committed package-lock.json (`npm ci`, then esbuild) and compares. Without
Node.js it is skipped, except in CI (`.ci/run` exports CI=1), which has Node and must run it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "web" / "offline-verifier"
BUNDLE = ROOT / "src" / "ecert" / "public" / "static" / "ecert" / "offline" / "verifier.js"


def test_the_committed_bundle_is_what_the_locked_tree_builds(tmp_path: Path) -> None:
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        missing = "Node.js and npm are not installed (tools/system_packages.sh test installs them)"
        if os.environ.get("CI", "").strip().lower() not in {"", "0", "false"}:
            pytest.fail(f"CI must rebuild the offline verifier's bundle: {missing}", pytrace=False)
        pytest.skip(missing)
    # One `npm ci` at a time: pytest-xdist workers share the folder.
    with (SOURCE / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(  # noqa: S603 - fixed arguments
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=SOURCE,
            check=True,
            capture_output=True,
        )
    built = tmp_path / "verifier.js"
    subprocess.run(  # noqa: S603 - fixed arguments
        [node, "build.mjs", str(built)], cwd=SOURCE, check=True, capture_output=True
    )
    assert built.read_bytes() == BUNDLE.read_bytes(), (
        "src/ecert/public/static/ecert/offline/verifier.js is not what web/offline-verifier builds:"
        " run `npm ci && npm run build` there and commit the result"
    )
