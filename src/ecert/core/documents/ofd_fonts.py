"""The fonts of an OFD page: the CFF subset Typst embedded in the PDF, wrapped as an OpenType font.

Typst embeds each font as a bare CID-keyed CFF (``FontFile3 /CIDFontType0C``) holding only the
glyphs the page prints, addressed by CID. OFD readers load an OpenType file, so the CFF is kept
byte for byte as the ``CFF `` table and the tables a reader needs around it are written from what
the PDF already says: ``cmap`` from the ``ToUnicode`` map (format 4 for the BMP, format 12 for
astral characters such as 𠮷), ``hmtx`` from the ``W`` widths, ``head``/``hhea``/``OS/2`` from the
font descriptor. Subsetting the full font again would cost about half a second; this costs about a
millisecond per font. Glyph indices in the OpenType font are the CFF's own, so a ``CGTransform``
names the same glyph the PDF drew.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from fontTools.cffLib import CFFFontSet
from fontTools.fontBuilder import FontBuilder
from fontTools.ttLib.tables.DefaultTable import DefaultTable

from ecert.core.errors import EcertError

_CID_NAME = re.compile(r"cid(\d+)\Z")
_HEX = re.compile(rb"<([0-9A-Fa-f\s]*)>")


@dataclass(frozen=True)
class CffSubset:
    """A PDF font's embedded CFF and what the PDF says about it."""

    name: str  # /BaseFont without the subset tag: EcertSerifSC-Regular
    cff: bytes
    to_unicode: Mapping[int, str]  # CID -> text
    widths: Mapping[int, float]  # CID -> advance, 1/1000 em
    default_width: float
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]
    bold: bool


@dataclass(frozen=True)
class OpenTypeFont:
    data: bytes
    cid_to_glyph: Mapping[int, int]  # CID in the PDF -> glyph index in ``data``
    glyph_count: int


def parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """CID -> text from a ToUnicode CMap (``bfchar`` and ``bfrange`` sections, UTF-16BE values)."""
    result: dict[int, str] = {}
    for section in re.finditer(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        values = [bytes.fromhex(v.decode().replace(" ", "")) for v in _HEX.findall(section[1])]
        for code, text in zip(values[0::2], values[1::2], strict=False):
            result[int.from_bytes(code, "big")] = text.decode("utf-16-be")
    for section in re.finditer(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for line in section[1].splitlines():
            parts = [bytes.fromhex(v.decode()) for v in _HEX.findall(line)]
            if len(parts) < 3:
                continue
            low, high = int.from_bytes(parts[0], "big"), int.from_bytes(parts[1], "big")
            if b"[" in line:  # an array of destinations, one per code
                for offset, text in enumerate(parts[2:]):
                    result[low + offset] = text.decode("utf-16-be")
                continue
            start = parts[2].decode("utf-16-be")
            for offset in range(high - low + 1):
                result[low + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return result


def build_open_type(font: CffSubset) -> OpenTypeFont:
    """Wrap ``font.cff`` in an OpenType font whose cmap maps each printed character to its glyph.

    The same subset gives the same bytes (the ``head`` dates are fixed), so a font is built once
    and remembered: the headings' subset of a face is the same for every holder.
    """
    key = hashlib.sha256(
        b"\0".join(
            [
                font.cff,
                repr(sorted(font.to_unicode.items())).encode(),
                repr(sorted(font.widths.items())).encode(),
                repr(
                    (font.name, font.default_width, font.ascent, font.descent, font.bbox)
                ).encode(),
                b"bold" if font.bold else b"",
            ]
        )
    ).digest()
    if key not in _BUILT:
        if len(_BUILT) >= 64:
            _BUILT.clear()
        _BUILT[key] = _build(font)
    return _BUILT[key]


_BUILT: dict[bytes, OpenTypeFont] = {}
# The fonts' own dates: the publication year of GB/T 33190, not the document's (a font's date
# says when the font was made; ours are made from the PDF's subset, which has no date).
_FONT_DATE = datetime(2016, 1, 1, tzinfo=UTC)


def _build(font: CffSubset) -> OpenTypeFont:
    cff_set = CFFFontSet()
    try:
        cff_set.decompile(io.BytesIO(font.cff), None)
        top = cff_set[0]
        charset: list[str] = list(top.charset)
    except Exception as error:
        raise _font_error(font.name) from error
    if not hasattr(top, "ROS"):
        raise _font_error(font.name)
    cid_to_glyph: dict[int, int] = {}
    for glyph, glyph_name in enumerate(charset):
        match = _CID_NAME.match(glyph_name)
        cid_to_glyph[int(match[1]) if match else 0] = glyph
    order = [f"g{glyph}" for glyph in range(len(charset))]
    cmap: dict[int, str] = {}
    for cid, text in font.to_unicode.items():
        if cid in cid_to_glyph and len(text) == 1:
            cmap.setdefault(ord(text), order[cid_to_glyph[cid]])
    advances = [round(font.default_width)] * len(order)
    for cid, width in font.widths.items():
        if cid in cid_to_glyph:
            advances[cid_to_glyph[cid]] = round(width)

    builder = FontBuilder(1000, isTTF=False)
    builder.font.recalcBBoxes = False  # the CFF table is kept as raw bytes, not parsed again
    builder.font.recalcTimestamp = False
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupHorizontalMetrics({name: (advances[i], 0) for i, name in enumerate(order)})
    builder.setupHorizontalHeader(ascent=font.ascent, descent=font.descent)
    family = re.sub(r"-(Regular|Bold)\Z", "", font.name)
    style = "Bold" if font.bold else "Regular"
    builder.setupNameTable(
        {
            "familyName": family,
            "styleName": style,
            "uniqueFontIdentifier": f"{font.name};ecert-ofd",
            "fullName": f"{family} {style}",
            "psName": font.name,
            "version": "Version 1.000",
        },
        mac=False,
    )
    builder.setupOS2(
        sTypoAscender=font.ascent,
        sTypoDescender=font.descent,
        usWinAscent=max(font.ascent, font.bbox[3], 0),
        usWinDescent=max(-font.descent, -font.bbox[1], 0),
        usWeightClass=700 if font.bold else 400,
        fsSelection=0x20 if font.bold else 0x40,
        achVendID="ECRT",
    )
    builder.setupPost(keepGlyphNames=False)
    builder.setupMaxp()
    head = builder.font["head"]
    head.xMin, head.yMin, head.xMax, head.yMax = font.bbox
    head.macStyle = 1 if font.bold else 0
    stamp = int(_FONT_DATE.timestamp()) + 2_082_844_800  # seconds since 1904-01-01
    head.created = head.modified = stamp
    raw = DefaultTable("CFF ")
    raw.data = font.cff
    builder.font["CFF "] = raw
    out = io.BytesIO()
    builder.font.save(out, reorderTables=False)
    return OpenTypeFont(out.getvalue(), cid_to_glyph, len(order))


def _font_error(name: str) -> EcertError:
    return EcertError(
        "ofd_font",
        f"PDF 中的字体 {name} 无法转换为 OFD 字体",
        f"the PDF font {name} cannot be made into an OFD font",
    )
