"""Render every certificate face's sample page to docs/faces/<face>.png, for docs/faces.md.

    .venv/bin/python tools/face_pngs.py                      # all faces, committed fonts
    .venv/bin/python tools/face_pngs.py score-proof --fonts DIR --out DIR

Each face's ``sample_page`` is compiled by the real ``Renderer`` with a demo round seal of the
sample's issuer (``ecert.core.documents.seals``), then rasterised by poppler's pdftoppm at 80 dpi and
stored with a 64-colour palette. Run it again after changing a layout or rebuilding the bold
font subset (tools/build_fonts.py --bold), whose characters come from the layouts.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from ecert.core.documents.faces import Face, sample_page
from ecert.core.documents.render import FontSet, Picture, Renderer
from ecert.core.documents.seals import round_seal_png

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "src" / "ecert" / "data"
SEAL_PX = 600
CREATED = datetime(2025, 6, 1, tzinfo=UTC)
DPI = "80"
COLOURS = 64


def demo_seal(issuer: str, font_file: Path) -> Picture:
    """The demo round seal of ``issuer`` (its name round the rim, 证书专用章 under the star)."""
    png = round_seal_png(issuer, font_file, caption="证书专用章", size=SEAL_PX)
    return Picture(png, "image/png", SEAL_PX, SEAL_PX)


def face_pdf(renderer: Renderer, face: Face, font_file: Path) -> bytes:
    """The sealed sample page of ``face`` as a PDF."""
    seal = demo_seal(sample_page(face).fields["issuer"], font_file)
    return renderer.document([sample_page(face, seal=seal)], created=CREATED)


def pdf_to_png(pdf: bytes, target: Path) -> None:
    """Rasterise the first page with pdftoppm and store it with a small palette."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is missing: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as scratch:
        source, stem = Path(scratch) / "face.pdf", Path(scratch) / "page"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 - a fixed tool with our own file arguments
            [pdftoppm, "-r", DPI, "-png", "-singlefile", str(source), str(stem)], check=True
        )
        with Image.open(stem.with_suffix(".png")) as page:
            page.convert("RGB").quantize(COLOURS).save(target, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("faces", nargs="*", help=f"faces (default: all): {', '.join(Face)}")
    parser.add_argument("--fonts", type=Path, default=DATA / "fonts", help="font folder")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "faces", help="PNG folder")
    args = parser.parse_args()
    unknown = [name for name in args.faces if name not in set(Face)]
    if unknown:
        parser.error(f"unknown face {unknown[0]}; choose from {', '.join(Face)}")
    args.out.mkdir(parents=True, exist_ok=True)
    fonts = FontSet.from_dirs([args.fonts])
    regular = next(path for path in fonts.files if "Regular" in path.name)
    renderer = Renderer(DATA / "faces", fonts)
    for face in [Face(name) for name in args.faces] or list(Face):
        target = args.out / f"{face.value}.png"
        pdf_to_png(face_pdf(renderer, face, regular), target)
        print(f"{target}: {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
