"""tools/system_packages.sh on a machine that lacks the test packages, run by a user other than root:
it changes nothing and prints the one command that installs what is missing."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "system_packages.sh"


def test_a_user_without_root_is_told_the_one_command_to_run(tmp_path: Path) -> None:
    # A PATH with none of the tools the tests need, and an `id` that answers as an ordinary user.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_id = bin_dir / "id"
    fake_id.write_text("#!/bin/sh\necho 1000\n")
    fake_id.chmod(0o755)

    ran = subprocess.run(  # noqa: S603 - our own script, no shell
        ["/bin/bash", str(SCRIPT), "test"],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 1
    assert "sudo apt-get install -y chromium softhsm2 poppler-utils fonts-noto-cjk" in ran.stderr


def test_an_unknown_purpose_is_refused_with_the_usage() -> None:
    ran = subprocess.run(  # noqa: S603 - our own script, no shell
        ["/bin/bash", str(SCRIPT), "everything"], capture_output=True, text=True, timeout=60
    )

    assert ran.returncode == 2
    assert "usage:" in ran.stderr
