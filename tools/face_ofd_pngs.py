"""Draw every face's sample OFD with the independent reader to docs/faces/ofd/<face>.png.

    .venv/bin/python tools/face_ofd_pngs.py

The OFD is made from the sample's Typst PDF (``ecert.core.documents.ofd``) and sealed with a
GB/T 38540 electronic seal holding the sample issuer's demo seal picture (tests/ofd_world.py: the
test seal world's SM2 keys), then drawn by ofd.js in Debian's Chromium exactly as
tests/browser/test_ofd_reader.py draws it (tests/ofd_reader): the red seal on the picture is the
reader's drawing of the SESeal at the stamp annotation, not part of the page. Stored with a
64-colour palette like docs/faces/*.png.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from tests.browser.conftest import CHROMIUM_FLAGS
from tests.ofd_reader.reader import open_reader, render
from tests.ofd_world import sealed_face_ofd

from ecert.core.documents.faces import Face

OUT = Path(__file__).resolve().parents[1] / "docs" / "faces" / "ofd"
COLOURS = 64


def main() -> int:
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is missing: tools/system_packages.sh installs it")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        page = open_reader(browser)
        for face in Face:
            target = OUT / f"{face.value}.png"
            picture = render(page, sealed_face_ofd(face))
            picture.quantize(COLOURS).save(target, optimize=True)
            print(f"{target}: {target.stat().st_size:,} bytes")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
