"""An independent OFD reader for the tests: ofd.js 0.2.6 (npm, Apache-2.0, pure JavaScript) drawing
our packages in Debian's Chromium, and the comparison of its picture with the PDF's.

ofd.js unzips the package, reads the XML and draws each object as SVG; it does not load embedded
fonts itself but names the font's ``FamilyName`` in CSS, so the page first registers each embedded
font file of the package (``PublicRes.xml`` → ``FontFile``) with the browser's ``FontFace`` API
under that family and weight, as a host page of ofd.js does. Chromium then checks the OpenType file
(its OTS sanitiser refuses a malformed font and the load fails the test) and draws every character
through the font's own cmap: a character the font does not map falls back to another font and
shows as a difference.

ofd.js 0.2.6 walks a TextCode in UTF-16 code units, so it draws a character outside the BMP (𠮷)
as two lone surrogates, i.e. replacement boxes. That is the reader's defect, not the package's
(GB/T 33190 counts characters); ``astral_cells`` gives those characters' cells so the comparison can
leave them out, and the glyph itself is checked by tests/core/test_ofd.py against the font.

Two comparisons: ``misplaced`` matches every character PDFium finds in the PDF with a character
ofd.js drew at the same place (the SVG text elements' boxes); ``unexplained`` compares the two
pictures pixel by pixel, for the paths and images.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pypdfium2
from lxml import etree
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from tests.node_tree import node_with

TREE = Path(__file__).resolve().parent
LIBRARY = TREE / "node_modules" / "ofd.js" / "lib" / "ofd.umd.min.js"
NS = {"ofd": "http://www.ofdspec.org/2016"}
WIDTH = 794  # CSS pixels asked of ofd.js for the page width (it draws a 777 px A4 page)
BLUR = 1.5  # pixels: anti-aliasing and sub-pixel placement differ between the two rasterisers
REACH = 5  # pixels (a 5×5 neighbourhood): half a millimetre of placement is forgiven
INK = 64  # grey levels: a quarter of the range from white to black

_RENDER = """
async ({ofd, fonts, width}) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  for (const font of fonts) {
    const face = new FontFace(font.family, bytes(font.data), {weight: font.weight});
    await face.load();
    document.fonts.add(face);
  }
  const documents = await new Promise((resolve, reject) =>
    window.ofd.parseOfdDocument({ofd: bytes(ofd).buffer, success: resolve, fail: reject}));
  const host = document.getElementById("host");
  host.innerHTML = "";
  for (const page of window.ofd.renderOfd(width, documents[0])) host.appendChild(page);
  await document.fonts.ready;
  return host.children.length;
}
"""


def ensure_installed() -> None:
    node_with(TREE, "ofd.js")


def _fonts(files: dict[str, bytes]) -> list[dict[str, str]]:
    public = etree.fromstring(files["Doc_0/PublicRes.xml"])
    fonts = []
    for font in public.iterfind(".//ofd:Font", NS):
        path = "Doc_0/Res/" + (font.findtext("ofd:FontFile", namespaces=NS) or "")
        fonts.append(
            {
                "family": font.get("FamilyName") or font.get("FontName", ""),
                "weight": "700" if font.get("Bold") == "true" else "400",
                "data": base64.b64encode(files[path]).decode("ascii"),
            }
        )
    return fonts


def open_reader(browser: Any) -> Any:
    """A Chromium page with ofd.js loaded and nothing else."""
    ensure_installed()
    page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=1)
    page.set_content("<html><body style='margin:0;background:#fff'><div id='host'></div></body>")
    page.add_script_tag(path=str(LIBRARY))
    return page


def render(page: Any, archive: bytes) -> Image.Image:
    """The first page of the OFD ``archive`` as ofd.js draws it, in RGB."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        files = {name: opened.read(name) for name in opened.namelist()}
    arguments = {
        "ofd": base64.b64encode(archive).decode("ascii"),
        "fonts": _fonts(files),
        "width": WIDTH,
    }
    assert page.evaluate(_RENDER, arguments) >= 1
    shot = page.locator("#host > div").first.screenshot()
    return Image.open(io.BytesIO(shot)).convert("RGB")


_STAMPS = """
async ({ofd}) => {
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const documents = await new Promise((resolve, reject) =>
    window.ofd.parseOfdDocument({ofd: bytes(ofd).buffer, success: resolve, fail: reject}));
  return Object.values(documents[0].stampAnnot || {}).flat().map((s) => {
    const seal = s.stamp.sealObj;
    const info = seal.SES_Signature.toSign.eseal.esealInfo.property;
    return [info.name, seal.verifyRet === true, s.obj.boundary];
  });
}
"""


def stamps(page: Any, archive: bytes) -> list[tuple[str, bool, dict[str, float]]]:
    """The seals ofd.js finds in the OFD ``archive``: the seal's name, whether ofd.js's own SM2
    check (sm-crypto, default user id) accepts the SES_Signature, and where it draws the seal."""
    arguments = {"ofd": base64.b64encode(archive).decode("ascii")}
    return [(name, ok, box) for name, ok, box in page.evaluate(_STAMPS, arguments)]


def pdf_picture(pdf: bytes, size: tuple[int, int]) -> Image.Image:
    """The PDF's first page rasterised by PDFium at ``size``."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    scale = size[0] / page.get_width()
    picture: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
    return picture.resize(size)


def astral_cells(files: dict[str, bytes], size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of characters outside the BMP (drawn wrongly by ofd.js, see above)."""
    content = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    scale = size[0] / 210.0
    cells = []
    for text in content.iterfind(".//ofd:TextObject", NS):
        left, top = (float(v) for v in text.get("Boundary", "").split()[:2])
        em = float(text.get("Size", "0"))
        for code in text.iterfind("ofd:TextCode", NS):
            characters = code.text or ""
            if not any(ord(c) > 0xFFFF for c in characters):
                continue
            deltas = [float(v) for v in (code.get("DeltaX") or "").split()]
            x = left + float(code.get("X", "0")) + sum(deltas[: len(characters) - 1])
            y = top + float(code.get("Y", "0"))
            cells.append(
                (
                    int((x - 0.1 * em) * scale),
                    int((y - 1.0 * em) * scale),
                    int((x + 1.6 * em) * scale) + 1,
                    int((y + 0.3 * em) * scale) + 1,
                )
            )
    return cells


def unexplained(
    ofd: Image.Image, pdf: Image.Image, leave_out: Sequence[tuple[int, int, int, int]] = ()
) -> int:
    """Pixels of either picture that the other does not explain within ``REACH`` pixels.

    Both pictures are blurred by ``BLUR`` px (the two rasterisers anti-alias hairlines and glyph
    edges differently); a pixel is explained when its grey level lies within ``INK`` of the range
    the other picture has around it. A text moved by a millimetre or a missing character leaves
    hundreds of unexplained pixels; the same page drawn by both leaves a few dozen at most.
    """
    greys = []
    for picture in (ofd, pdf):
        grey = picture.convert("L")
        draw = ImageDraw.Draw(grey)
        for box in leave_out:
            draw.rectangle(box, fill=255)
        greys.append(grey.filter(ImageFilter.GaussianBlur(BLUR)))
    total = 0
    for one, other in (greys, greys[::-1]):
        low = other.filter(ImageFilter.MinFilter(REACH))
        high = other.filter(ImageFilter.MaxFilter(REACH))
        outside = ImageChops.lighter(ImageChops.subtract(low, one), ImageChops.subtract(one, high))
        total += outside.point(lambda v: 255 if v > INK else 0).histogram()[255]
    return total


_TEXTS = """
() => {
  const origin = document.querySelector("#host > div").getBoundingClientRect();
  return Array.from(document.querySelectorAll("#host text")).map((element) => {
    const box = element.getBoundingClientRect();
    return [element.textContent, box.left - origin.left, (box.top + box.bottom) / 2 - origin.top];
  });
}
"""


def drawn_characters(page: Any) -> list[tuple[str, float, float]]:
    """Each character ofd.js drew (as its own SVG text): the character, its left edge and the
    middle of its line box, in page pixels. Lone surrogate halves are left out (see above)."""
    return [
        (text, left, middle)
        for text, left, middle in page.evaluate(_TEXTS)
        if len(text) == 1 and not 0xD800 <= ord(text) <= 0xDFFF and not text.isspace()
    ]


def pdf_characters(pdf: bytes, width: int) -> list[tuple[str, float, float]]:
    """Each character PDFium finds on the PDF's first page, measured as ``drawn_characters``:
    left edge (the glyph origin) and the middle of the font's ascent–descent box."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    scale = width / page.get_width()
    height = page.get_height()
    text_page = page.get_textpage()
    found: list[tuple[str, float, float]] = []
    previous = None
    for index in range(text_page.count_chars()):
        char = text_page.get_text_range(index, 1)
        box = text_page.get_charbox(index, loose=True)
        # PDFium gives the second character of a ligature ("fi") the box of the first; the OFD
        # spreads them over the glyph's advance (ofd.py), so only the first one is compared.
        follows_ligature = previous is not None and abs(box[0] - previous[0]) < 0.01
        previous = box
        if len(char) != 1 or char.isspace() or 0xD800 <= ord(char) <= 0xDFFF or follows_ligature:
            continue
        left, bottom, _, top = box
        found.append((char, left * scale, (height - (top + bottom) / 2) * scale))
    return found


def misplaced(
    drawn: list[tuple[str, float, float]], printed: list[tuple[str, float, float]], tolerance: float
) -> list[tuple[str, float, float]]:
    """Characters of the PDF that ofd.js did not draw within ``tolerance`` pixels."""
    by_char: dict[str, list[tuple[float, float]]] = {}
    for char, left, middle in drawn:
        by_char.setdefault(char, []).append((left, middle))
    missing = []
    for char, left, middle in printed:
        places = by_char.get(char, [])
        if not any(abs(x - left) <= tolerance and abs(y - middle) <= tolerance for x, y in places):
            missing.append((char, left, middle))
    return missing
