"""Install the pinned uv into .tools/bin with nothing but Python's standard library.

A fresh Debian has Python 3.11 but neither pip nor venv's ensurepip (they come with the packages
python3-pip and python3-venv), so `make` cannot pip-install uv. It takes the wheel PyPI publishes for
this machine instead, checks it against the hash below and unpacks the one file it needs.

    python3 tools/uv_install.py 0.13.9 .tools/bin/uv
"""

from __future__ import annotations

import hashlib
import io
import platform
import stat
import sys
import urllib.request
import zipfile
from pathlib import Path

# sha256 of each wheel, from PyPI's index (https://pypi.org/simple/uv/), per machine.
WHEELS = {
    ("0.13.9", "x86_64"): (
        "https://files.pythonhosted.org/packages/3d/aa/26d64642d808de4a652579ef950d7cd2d37f080a8b"
        "abf9c67c6b75fc4c3f/uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "d7f459fe4fd247d830351c75686d3996ace3c6f3f728eb0e85a30b7ada0cef19",
    ),
    ("0.13.9", "aarch64"): (
        "https://files.pythonhosted.org/packages/fe/2f/51a5de367c602592c018a42a23d57fba5f2689fe6c3b"
        "f025dcf043b39c61/uv-0.13.9-py3-none-manylinux_2_28_aarch64.whl",
        "ecb6028d79dc96fbeafffe5c8af62a7099487ebc05a701e76714eebcffd06375",
    ),
}


def main(version: str, target: Path) -> int:
    machine = platform.machine()
    if (version, machine) not in WHEELS:
        known = ", ".join(sorted(f"{v} on {m}" for v, m in WHEELS))
        print(
            f"tools/uv_install.py knows no uv {version} wheel for {machine} ({known})",
            file=sys.stderr,
        )
        return 1
    url, expected = WHEELS[version, machine]
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - a fixed https URL
        wheel = response.read()
    found = hashlib.sha256(wheel).hexdigest()
    if found != expected:
        print(f"uv wheel from {url} has sha256 {found}, expected {expected}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        binary = archive.read(f"uv-{version}.data/scripts/uv")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(partial.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    partial.replace(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
