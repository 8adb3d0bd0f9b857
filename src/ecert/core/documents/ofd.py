"""OFD (GB/T 33190-2016) documents made from the PDF pages Typst compiled: one layout, two formats.

A face is laid out once, by Typst; ``ofd_from_pdf`` reads each PDF page's content stream and writes
the same drawing as OFD objects: paths as ``PathObject``, each text run as a ``TextObject`` whose
``TextCode`` carries the Unicode text with its glyph positions (``DeltaX``) and a ``CGTransform``
with the glyph indices, images as ``ImageObject`` over ``MultiMedia`` resources (JPEG kept as it
is, Flate images as PNG with their soft mask as alpha). The fonts are the subsets Typst embedded,
wrapped as OpenType (``ofd_fonts``). OFD measures in millimetres from the page's top left corner;
PDF in points from the bottom left: ``X = x·25.4/72``, ``Y = (H − y)·25.4/72``.

Only what Typst writes is understood. Anything else (another operator, a shading, a clip that cuts
a drawing) is refused with ``EcertError("ofd_unsupported")`` rather than drawn wrongly.

Code positions (§11.4 ``CGTransform/@CodePosition``, ``@CodeCount``) count Unicode characters
(code points) of the ``TextCode``; a character outside the BMP such as 𠮷 is one character. Readers
that count UTF-16 units instead would misplace every character after it, so such a character is
always the last one of its ``TextCode`` and the next character starts a new ``TextCode`` with its
own ``X``: both ways of counting then agree (docs/formats/ofd.md).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pikepdf
from lxml import etree
from PIL import Image

from ecert.core.documents.ofd_fonts import (
    CffSubset,
    OpenTypeFont,
    build_open_type,
    parse_to_unicode,
)
from ecert.core.documents.render import Picture
from ecert.core.errors import EcertError

NS = "http://www.ofdspec.org/2016"
# The refusals a caller may answer to a user (the others are programming errors).
OFD_REFUSALS = frozenset({"ofd_unsupported", "ofd_font", "ofd_unmapped_glyph"})
MM = 25.4 / 72
_Q = "{%s}" % NS  # noqa: UP031 - a Clark-notation prefix
_DOC_ID = re.compile(r"[0-9a-f]{32}\Z")
_TOKEN = re.compile(
    rb"[-+]?(?:\d+\.?\d*|\.\d+)|/[^\s/\[\]<>()%]*|<<|>>|\[|\]|<[0-9A-Fa-f\s]*>"
    rb"|\(|[A-Za-z'\"*]+"
)
_NUM = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
_END = rb"(?=[\s/\[<(]|\Z)"
_PATH_RUN = "path"  # a pseudo-operator: a run of m/l/c/re/h with their operands
_RUN = re.compile(
    rb"(?:\s*(?:(?:%s\s+){2}[ml]|(?:%s\s+){6}c|(?:%s\s+){4}re|h)%s)+" % (_NUM, _NUM, _NUM, _END)
)
_NUMBER = re.compile(_NUM)
_OFD_OPERATORS = {b"m": b"M", b"l": b"L", b"c": b"B", b"h": b"C"}
_RE = re.compile(rb"(%s)\s+(%s)\s+(%s)\s+(%s)\s+re" % (_NUM, _NUM, _NUM, _NUM))
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}
_IGNORED = frozenset({"BDC", "EMC", "BMC", "MP", "DP", "M", "ri", "i", "BX", "EX"})
# Marked content, the miter limit (Typst's 4; OFD's MiterLimit is not plainly a ratio), rendering
# intent and flatness do not change what is drawn on our pages. Dashes and graphics states that
# would change it are refused (``_run``).

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Box = tuple[float, float, float, float]  # x, y, width, height in mm


@dataclass
class OfdPackage:
    """The files of an OFD package, path -> bytes, in the order they are written to the zip."""

    files: dict[str, bytes]
    stamp: tuple[int, Box] | None = None  # (page index, boundary in mm) of the seal picture

    def to_zip(self) -> bytes:
        return package_zip(self.files)


_STORED_SUFFIXES = (".png", ".jpg", ".jpeg", ".esl", ".dat")


def package_zip(files: Mapping[str, bytes]) -> bytes:
    """An OFD package as its zip file: OFD.xml first, then the files in the mapping's order, every entry dated
    1980-01-01 so that the same files give the same bytes; JPEG and PNG pictures, and the seal's
    files that carry its picture (``Seal.esl``, ``SignedValue.dat``), are stored as they are
    (deflating them again costs milliseconds and saves under 1 %), everything else deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files, key=lambda p: p != "OFD.xml"):  # stable: the rest as given
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            packed = not path.lower().endswith(_STORED_SUFFIXES)
            info.compress_type = zipfile.ZIP_DEFLATED if packed else zipfile.ZIP_STORED
            archive.writestr(info, files[path], compresslevel=6)
    return out.getvalue()


def _unsupported(what: str) -> EcertError:
    return EcertError(
        "ofd_unsupported",
        f"版式中有 OFD 转换不支持的内容：{what}",
        f"the page has something the OFD conversion does not support: {what}",
    )


def _matrix(args: Sequence[Any]) -> Matrix:
    a, b, c, d, e, f = (float(v) for v in args)
    return (a, b, c, d, e, f)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m × n (PDF row-vector convention: apply m first, then n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def fmt(value: float) -> str:
    """A length in mm as OFD writes it: at most 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# --- what a page draws, before IDs are given -------------------------------------------------


@dataclass
class _Path:
    box: Box
    data: str  # AbbreviatedData relative to the box
    fill: tuple[int, int, int] | None
    stroke: tuple[int, int, int] | None
    line_width: float
    even_odd: bool
    cap: str
    join: str
    ctm: Matrix | None  # set when ``data`` is in PDF user space


@dataclass
class _Code:
    x: float  # page mm
    y: float
    text: str
    deltas: list[float]
    glyphs: list[int]
    counts: list[int]  # characters per glyph


@dataclass
class _Text:
    box: Box
    font: int  # index into the page set's fonts
    size: float
    colour: tuple[int, int, int]
    codes: list[_Code]


@dataclass
class _Image:
    box: Box
    ctm: Matrix  # unit square -> box-relative mm
    image: int  # index into the images


_Drawing = _Path | _Text | _Image


@dataclass
class _Media:
    data: bytes
    extension: str
    is_seal: bool


@dataclass
class _Font:
    subset: CffSubset
    built: OpenTypeFont


@dataclass
class _Converter:
    height: float  # page height in pt
    seal: Picture | None
    stand_ins: Mapping[tuple[int, int, bytes], Picture] = field(default_factory=dict)
    fonts: list[_Font] = field(default_factory=list)
    font_keys: dict[tuple[int, int], int] = field(default_factory=dict)
    images: list[_Media] = field(default_factory=list)
    image_keys: dict[tuple[int, int], int] = field(default_factory=dict)

    # -- coordinates
    def point(self, x: float, y: float, m: Matrix) -> tuple[float, float]:
        a, b, c, d, e, f = m
        px, py = a * x + c * y + e, b * x + d * y + f
        return px * MM, (self.height - py) * MM

    # -- resources
    def font(self, obj: pikepdf.Object) -> int:
        key = obj.objgen
        if key in self.font_keys:
            return self.font_keys[key]
        if obj.get("/Subtype") != "/Type0":
            raise _unsupported(f"font {obj.get('/Subtype')}")
        descendant = obj.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        if "/FontFile3" not in descriptor or descriptor.FontFile3.get("/Subtype") != (
            "/CIDFontType0C"
        ):
            raise _unsupported("a font that is not a CFF subset")
        widths: dict[int, float] = {}
        w = list(descendant.get("/W", []))
        i = 0
        while i < len(w):
            first = int(w[i])
            if isinstance(w[i + 1], pikepdf.Array):
                for offset, value in enumerate(w[i + 1]):
                    widths[first + offset] = float(value)
                i += 2
            else:
                for cid in range(first, int(w[i + 1]) + 1):
                    widths[cid] = float(w[i + 2])
                i += 3
        name = str(descendant.BaseFont)[1:].split("+")[-1]
        bbox = tuple(round(float(v)) for v in descriptor.FontBBox)
        subset = CffSubset(
            name=name,
            cff=descriptor.FontFile3.read_bytes(),
            to_unicode=parse_to_unicode(obj.ToUnicode.read_bytes()) if "/ToUnicode" in obj else {},
            widths=widths,
            default_width=float(descendant.get("/DW", 1000)),
            ascent=round(float(descriptor.get("/Ascent", 880))),
            descent=round(float(descriptor.get("/Descent", -120))),
            bbox=(bbox[0], bbox[1], bbox[2], bbox[3]),
            bold="Bold" in name or int(descriptor.get("/Flags", 0)) & (1 << 18) != 0,
        )
        self.fonts.append(_Font(subset, build_open_type(subset)))
        self.font_keys[key] = len(self.fonts) - 1
        return len(self.fonts) - 1

    def image(self, obj: pikepdf.Object) -> int:
        key = obj.objgen
        if key in self.image_keys:
            return self.image_keys[key]
        filters = obj.get("/Filter")
        standing = self._stood_in_for(obj)
        if standing is not None:
            media = _Media(standing.data, _EXTENSIONS[standing.mime], standing is self.seal)
        elif filters == "/DCTDecode" and "/SMask" not in obj:
            media = _Media(obj.read_raw_bytes(), "jpg", is_seal=False)
        else:
            raw = obj.read_raw_bytes()
            mask = obj.SMask.read_raw_bytes() if "/SMask" in obj else b""
            is_seal = self.seal is not None and _same_picture(self.seal, obj, raw, mask)
            if is_seal and self.seal is not None and self.seal.mime == "image/png":
                media = _Media(self.seal.data, "png", is_seal=True)
            else:
                media = _Media(_png_of(obj, raw, mask), "png", is_seal=is_seal)
        self.images.append(media)
        self.image_keys[key] = len(self.images) - 1
        return len(self.images) - 1

    def _stood_in_for(self, obj: pikepdf.Object) -> Picture | None:
        """The picture ``obj`` stands in for (``stand_in``), if it is a stand-in."""
        if not self.stand_ins or "/SMask" in obj:
            return None
        width, height = int(obj.Width), int(obj.Height)
        if max(width, height) > _STAND_IN_MAX:
            return None
        return self.stand_ins.get((width, height, bytes(obj.read_bytes())))

    # -- the content stream
    def page(self, page: pikepdf.Page) -> list[_Drawing]:
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        raw = b"".join(_content_streams(page))
        return list(self._run(_operations(raw), resources))

    def _run(
        self, operations: Iterator[tuple[list[Any], str]], resources: pikepdf.Object
    ) -> Iterator[_Drawing]:
        ctm = IDENTITY
        fill = stroke = (0, 0, 0)
        width, cap, join = 1.0, "Butt", "Miter"
        stack: list[tuple[Matrix, tuple[int, int, int], tuple[int, int, int], float, str, str]] = []
        clip: Box | None = None
        clip_stack: list[Box | None] = []
        pieces: list[tuple[Matrix, bytes]] = []  # path construction, as PDF wrote it
        pending_clip = False
        font, size, text_matrix = -1, 0.0, IDENTITY
        for args, op in operations:
            if op == _PATH_RUN:
                pieces.append((ctm, args[0]))
            elif op in ("m", "l", "c", "re", "h"):  # a path operator the run pattern missed
                operands = " ".join(repr(float(v)) for v in args)
                pieces.append((ctm, f"{operands} {op}".strip().encode()))
            elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                if op in ("s", "b", "b*"):
                    pieces.append((ctm, b"h"))
                if pending_clip:
                    clip = _intersect(clip, _rect_of(self._absolute(pieces)[1]))
                    pending_clip = False
                if op != "n" and pieces:
                    strokes = op in ("S", "s", "B", "B*", "b", "b*")
                    fills = op not in ("S", "s")
                    line = width * _scale(ctm) * MM
                    if not strokes and all(piece[0] == pieces[0][0] for piece in pieces):
                        box, data, path_ctm = self._in_object_space(pieces)
                    else:
                        segments, points = self._absolute(pieces)
                        box = _bounds(points, line / 2 if strokes else 0.0)
                        data, path_ctm = _relative(segments, box), None
                    _inside(box, clip)
                    yield _Path(
                        box,
                        data,
                        fill if fills else None,
                        stroke if strokes else None,
                        line,
                        op in ("f*", "B*", "b*"),
                        cap,
                        join,
                        path_ctm,
                    )
                pieces = []
            elif op == "W" or op == "W*":
                pending_clip = True
            elif op == "q":
                stack.append((ctm, fill, stroke, width, cap, join))
                clip_stack.append(clip)
            elif op == "Q":
                ctm, fill, stroke, width, cap, join = stack.pop()
                clip = clip_stack.pop()
            elif op == "cm":
                ctm = _mul(_matrix(args), ctm)
            elif op in ("cs", "CS"):
                pass  # the colour follows with scn/SCN; its components say RGB or grey
            elif op in ("scn", "sc", "SCN", "SC", "rg", "RG", "g", "G", "k", "K"):
                colour = _rgb(op, [float(v) for v in args])
                if op in ("SCN", "SC", "RG", "G", "K"):
                    stroke = colour
                else:
                    fill = colour
            elif op == "w":
                width = float(args[0])
            elif op == "J":
                cap = ("Butt", "Round", "Square")[int(args[0])]
            elif op == "j":
                join = ("Miter", "Round", "Bevel")[int(args[0])]
            elif op == "BT":
                text_matrix = IDENTITY
            elif op == "ET":
                pass
            elif op == "Tf":
                font = self.font(resources.Font[str(args[0])])
                size = float(args[1])
            elif op == "Tm":
                text_matrix = _matrix(args)
            elif op == "Tr":
                if int(args[0]) != 0:
                    raise _unsupported(f"text rendering mode {args[0]}")
            elif op in ("Tj", "TJ"):
                items = args[0] if op == "TJ" else [args[0]]
                drawn, text_matrix = self._text(items, font, size, text_matrix, ctm, fill)
                _inside(drawn.box, clip)
                yield drawn
            elif op == "Do":
                xobject = resources.XObject[str(args[0])]
                if xobject.get("/Subtype") != "/Image":
                    raise _unsupported("a form XObject")
                yield self._image(xobject, ctm, clip)
            elif op == "d":
                if args[0]:
                    raise _unsupported("a dashed line")
            elif op == "gs":
                _plain_state(resources.ExtGState[str(args[0])])
            elif op in _IGNORED:
                pass
            else:
                raise _unsupported(f"PDF operator {op}")

    def _in_object_space(self, pieces: list[tuple[Matrix, bytes]]) -> tuple[Box, str, Matrix]:
        """A fill-only path kept in PDF user space, placed by the PathObject's CTM (fast)."""
        run = b" ".join(piece[1] for piece in pieces)
        if b"re" in run:
            run = _RE.sub(_rectangle, run)
        numbers = [float(v) for v in _NUMBER.findall(run)]
        xs, ys = numbers[0::2], numbers[1::2]
        ctm = _mul(pieces[0][0], (MM, 0.0, 0.0, -MM, 0.0, MM * self.height))
        corners = [
            (ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5])
            for x in (min(xs), max(xs))
            for y in (min(ys), max(ys))
        ]
        box = _bounds(corners, 0.0)
        data = _prefix_lines(run)
        placed = (ctm[0], ctm[1], ctm[2], ctm[3], ctm[4] - box[0], ctm[5] - box[1])
        return box, data, placed

    def _absolute(
        self, pieces: list[tuple[Matrix, bytes]]
    ) -> tuple[list[str], list[tuple[float, float]]]:
        """Path segments with page coordinates in mm (for strokes and clips)."""
        segments: list[str] = []
        points: list[tuple[float, float]] = []
        for ctm, run in pieces:
            if b"re" in run:
                run = _RE.sub(_rectangle, run)
            operands: list[float] = []
            for token in run.split():
                if token[0] not in b"mlch":
                    operands.append(float(token))
                    continue
                if token == b"h":
                    segments.append("C")
                else:
                    mapped = [
                        self.point(operands[i], operands[i + 1], ctm)
                        for i in range(0, len(operands), 2)
                    ]
                    points.extend(mapped)
                    letter = {b"m": "M", b"l": "L", b"c": "B"}[token]
                    segments.append(" ".join([letter, *(f"{x!r} {y!r}" for x, y in mapped)]))
                operands = []
        return segments, points

    def _text(
        self,
        items: Sequence[Any],
        font_index: int,
        size: float,
        text_matrix: Matrix,
        ctm: Matrix,
        colour: tuple[int, int, int],
    ) -> tuple[_Text, Matrix]:
        if font_index < 0:
            raise _unsupported("text without a font")
        font = self.fonts[font_index]
        a, b, c, d, _, _ = _mul(text_matrix, ctm)
        if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or abs(a - d) > 1e-6:
            raise _unsupported("rotated or scaled text")
        em = size * a * MM  # the font size on the page in mm
        advance = 0.0  # in text space units (1/1000 em)
        placed: list[_Placed] = []
        for item in items:
            if isinstance(item, bytes):
                for i in range(0, len(item) - 1, 2):
                    cid = (item[i] << 8) | item[i + 1]
                    text = font.subset.to_unicode.get(cid)
                    glyph = font.built.cid_to_glyph.get(cid)
                    if not text or glyph is None:
                        raise EcertError(
                            "ofd_unmapped_glyph",
                            f"字体 {font.subset.name} 的字形 {cid} 没有对应的文字",
                            f"glyph {cid} of {font.subset.name} has no text",
                        )
                    x, y = self.point(advance * size / 1000, 0.0, _mul(text_matrix, ctm))
                    width = font.subset.widths.get(cid, font.subset.default_width)
                    placed.append((x, y, glyph, text, width * em / 1000))
                    advance += width
            else:
                advance -= float(item)
        moved = _mul((1.0, 0.0, 0.0, 1.0, advance * size / 1000, 0.0), text_matrix)
        if not placed:
            raise _unsupported("an empty text run")
        end_x, _ = self.point(advance * size / 1000, 0.0, _mul(text_matrix, ctm))
        baseline = placed[0][1]
        left = min(p[0] for p in placed) - 0.2 * em
        right = max(end_x, max(p[0] for p in placed) + em) + 0.2 * em
        box = (left, baseline - 1.1 * em, right - left, 1.5 * em)
        codes = _codes(placed)
        return _Text(box, font_index, em, colour, codes), moved

    def _image(self, xobject: pikepdf.Object, ctm: Matrix, clip: Box | None) -> _Image:
        index = self.image(xobject)
        a, b, c, d, e, f = ctm
        corners = [self.point(u, v, ctm) for u, v in ((0, 0), (1, 0), (1, 1), (0, 1))]
        box = _bounds(corners, 0.0)
        _inside(box, clip)
        # OFD draws an image in the unit square with its first row at v' = 0 (top); PDF has its
        # first row at v = 1: v = 1 − v'.
        ofd_ctm = (
            a * MM,
            -b * MM,
            -c * MM,
            d * MM,
            (c + e) * MM - box[0],
            (self.height - d - f) * MM - box[1],
        )
        return _Image(box, ofd_ctm, index)


_Placed = tuple[float, float, int, str, float]  # x, y (mm), glyph, its text, its advance (mm)


def _codes(placed: list[_Placed]) -> list[_Code]:
    """Group placed glyphs into TextCodes; an astral character ends its TextCode.

    The characters of a ligature (one glyph, several characters: "fi") share its advance in
    ``DeltaX``, so a reader that ignores the CGTransform still draws them side by side.
    """
    codes: list[_Code] = []
    current: _Code | None = None
    last_x = 0.0
    for x, y, glyph, text, advance in placed:
        if current is None:
            current = _Code(x, y, "", [], [], [])
            codes.append(current)
        else:
            current.deltas.append(x - last_x)
        share = advance / len(text)
        current.deltas.extend([share] * (len(text) - 1))
        current.text += text
        current.glyphs.append(glyph)
        current.counts.append(len(text))
        last_x = x + share * (len(text) - 1)
        if any(ord(char) > 0xFFFF for char in text):
            current = None
    return codes


def _content_streams(page: pikepdf.Page) -> Iterator[bytes]:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        for stream in contents:
            yield stream.read_bytes() + b"\n"
    elif contents is not None:
        yield contents.read_bytes()


def _operations(raw: bytes) -> Iterator[tuple[list[Any], str]]:
    """(operands, operator) pairs of a content stream; strings as bytes, arrays as lists."""
    args: list[Any] = []
    arrays: list[list[Any]] = []
    depth = 0  # inside << >> (marked-content properties), ignored
    position, end = 0, len(raw)
    while True:
        if not args and not arrays and not depth:
            run = _RUN.match(raw, position)
            if run is not None and run.end() > position:
                yield [run[0]], _PATH_RUN
                position = run.end()
                continue
        match = _TOKEN.search(raw, position)
        if match is None:
            break
        token, position = match[0], match.end()
        first = token[0]
        if first in b"0123456789-+.":
            value: Any = float(token)
        elif first == 0x2F:  # /
            value = token.decode("latin-1")
        elif token == b"[":
            arrays.append([])
            continue
        elif token == b"]":
            value = arrays.pop()
        elif token == b"<<":
            depth += 1
            continue
        elif token == b">>":
            depth -= 1
            continue
        elif first == 0x3C:  # <hex>
            value = bytes.fromhex(token[1:-1].decode("ascii"))
        elif first == 0x28:  # (literal), balanced parentheses may stand unescaped
            value, position = _literal(raw, position, end)
        else:
            if depth:
                continue
            op = token.decode("latin-1")
            if op in ("true", "false", "null"):
                value = op
            else:
                yield args, op
                args = []
                continue
        if depth:
            continue
        if arrays:
            arrays[-1].append(value)
        else:
            args.append(value)


def _literal(raw: bytes, position: int, end: int) -> tuple[bytes, int]:
    """The literal string starting after its ``(`` at ``position``, and where it ends."""
    out = bytearray()
    nesting = 1
    i = position
    while i < end:
        char = raw[i]
        if char == 0x5C:  # backslash
            following = raw[i + 1 : i + 2]
            digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if digits is not None:
                out.append(int(digits[0], 8) & 0xFF)
                i += 1 + len(digits[0])
                continue
            if following not in (b"\n", b"\r"):
                out += _ESCAPES.get(following, following)
            i += 2
            continue
        if char == 0x28:
            nesting += 1
        elif char == 0x29:
            nesting -= 1
            if nesting == 0:
                return bytes(out), i + 1
        out.append(char)
        i += 1
    raise _unsupported("an unterminated string")


_UPPER = bytes.maketrans(b"mlh", b"MLC")


def _prefix_lines(run: bytes) -> str:
    """``_prefix`` for runs of only ``m``, ``l`` and ``h`` (the QR code's thousands of squares),
    by slicing instead of a loop over tokens: each subpath is a list of (x, y, operator) triples."""
    if b"c" in run or b"re" in run:
        return _prefix(run.split())
    pieces = run.translate(_UPPER).split(b"C")
    out: list[bytes] = []
    for index, piece in enumerate(pieces):
        tokens = piece.split()
        if len(tokens) % 3:
            return _prefix(run.split())
        ordered = [b""] * len(tokens)
        ordered[0::3] = tokens[2::3]
        ordered[1::3] = tokens[0::3]
        ordered[2::3] = tokens[1::3]
        out.extend(ordered)
        if index < len(pieces) - 1:
            out.append(b"C")
    return b" ".join(out).decode("ascii")


def _prefix(tokens: list[bytes]) -> str:
    """PDF path tokens (operands, then operator) as OFD AbbreviatedData (operator first)."""
    out: list[bytes] = []
    operands: list[bytes] = []
    letters = _OFD_OPERATORS
    for token in tokens:
        letter = letters.get(token)
        if letter is None:
            operands.append(token)
        else:
            out.append(letter)
            out += operands
            operands = []
    return b" ".join(out).decode("ascii")


def _plain_state(state: pikepdf.Object) -> None:
    """Refuse a graphics state that changes the look: transparency, blending, soft masks."""
    for key in ("/CA", "/ca"):
        if key in state and float(state[key]) != 1.0:
            raise _unsupported("transparency")
    if state.get("/BM", "/Normal") not in ("/Normal", "/Compatible"):
        raise _unsupported("a blend mode")
    if state.get("/SMask", "/None") != "/None":
        raise _unsupported("a soft mask")


def _rectangle(match: re.Match[bytes]) -> bytes:
    x, y, w, h = (float(v) for v in match.groups())
    return b"%r %r m %r %r l %r %r l %r %r l h" % (x, y, x + w, y, x + w, y + h, x, y + h)


def _rgb(op: str, values: list[float]) -> tuple[int, int, int]:
    if len(values) == 1:
        grey = round(values[0] * 255)
        return (grey, grey, grey)
    if len(values) == 3:
        r, g, b = (round(v * 255) for v in values)
        return (r, g, b)
    if len(values) == 4:
        c, m, y, k = values
        r, g, b = (round(255 * (1 - min(1.0, v + k))) for v in (c, m, y))
        return (r, g, b)
    raise _unsupported(f"colour {op} with {len(values)} components")


def _scale(m: Matrix) -> float:
    return float(abs(m[0] * m[3] - m[1] * m[2]) ** 0.5)


def _bounds(points: Sequence[tuple[float, float]], pad: float) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    left, top = min(xs) - pad, min(ys) - pad
    return (left, top, max(xs) + pad - left, max(ys) + pad - top)


def _rect_of(points: Sequence[tuple[float, float]]) -> Box:
    xs = {round(p[0], 4) for p in points}
    ys = {round(p[1], 4) for p in points}
    if len(points) > 5 or len(xs) > 2 or len(ys) > 2:
        raise _unsupported("a clip that is not a rectangle")
    return _bounds(points, 0.0)


def _intersect(clip: Box | None, box: Box) -> Box:
    if clip is None:
        return box
    left, top = max(clip[0], box[0]), max(clip[1], box[1])
    right = min(clip[0] + clip[2], box[0] + box[2])
    bottom = min(clip[1] + clip[3], box[1] + box[3])
    return (left, top, max(0.0, right - left), max(0.0, bottom - top))


def _inside(box: Box, clip: Box | None, slack: float = 0.05) -> None:
    """A clip is dropped only when it cuts nothing of the drawing (bounds within ``slack`` mm)."""
    if clip is None:
        return
    if (
        box[0] < clip[0] - slack
        or box[1] < clip[1] - slack
        or box[0] + box[2] > clip[0] + clip[2] + slack
        or box[1] + box[3] > clip[1] + clip[3] + slack
    ):
        raise _unsupported("a clip that cuts a drawing")


def _relative(segments: list[str], box: Box) -> str:
    """Rewrite absolute ``M x y``/``L``/``B`` segments relative to the box's corner."""
    left, top = box[0], box[1]
    out: list[str] = []
    for segment in segments:
        parts = segment.split(" ")
        numbers = [float(v) for v in parts[1:]]
        shifted = [fmt(v - (left if i % 2 == 0 else top)) for i, v in enumerate(numbers)]
        out.append(" ".join([parts[0], *shifted]))
    return " ".join(out)


def _same_picture(seal: Picture, image: pikepdf.Object, raw: bytes, mask: bytes) -> bool:
    """Whether ``image`` shows the pixels of ``seal`` (remembered per picture and stream)."""
    if int(image.Width) != seal.width or int(image.Height) != seal.height:
        return False
    key = (
        hashlib.sha256(seal.data).digest(),
        hashlib.sha256(raw).digest(),
        hashlib.sha256(mask).digest(),
    )
    if key not in _SEAL_MATCHES:
        if len(_SEAL_MATCHES) > 64:
            _SEAL_MATCHES.clear()
        alpha = bytes(image.SMask.read_bytes()) if mask else b""
        _SEAL_MATCHES[key] = _pixels_match(seal.data, bytes(image.read_bytes()), alpha)
    return _SEAL_MATCHES[key]


_SEAL_MATCHES: dict[tuple[bytes, bytes, bytes], bool] = {}

_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg"}
_STAND_IN_MAX = 64  # pixels: a picture whose shape needs a larger stand-in stands for itself


def stand_in(index: int, picture: Picture) -> Picture:
    """A few-pixel picture of ``picture``'s shape that holds its place on a page compiled only to
    be made into an OFD: ``ofd_from_pdf(..., stand_ins=...)`` writes ``picture`` itself where the
    page shows stand-in ``index``. Typst then neither decodes nor compresses the real picture
    (a seal and a QR code cost it about 15 ms a page), and the OFD carries the caller's own PNG
    or JPEG bytes. A shape no small picture keeps (its sides reduced by their greatest common
    divisor exceed 64 pixels) gets no stand-in: the picture itself is returned."""
    width, height = _stand_in_size(picture)
    if max(width, height) > _STAND_IN_MAX:
        return picture
    return Picture(_stand_in_png(index, width, height), "image/png", picture.width, picture.height)


@functools.cache
def _stand_in_png(index: int, width: int, height: int) -> bytes:
    out = io.BytesIO()
    samples = _stand_in_samples(index, width, height)
    Image.frombytes("RGB", (width, height), samples).save(out, "PNG", compress_level=1)
    return out.getvalue()


def _stand_in_size(picture: Picture) -> tuple[int, int]:
    divisor = math.gcd(picture.width, picture.height) or 1
    return picture.width // divisor, picture.height // divisor


def _stand_in_samples(index: int, width: int, height: int) -> bytes:
    """Stand-in ``index``'s RGB samples: a colour no certificate prints flat (and never grey, so
    the PDF keeps it RGB), its first pixel marked."""
    if not 0 <= index < 256:
        raise ValueError("a page has at most 256 stand-ins")
    return bytes((0xEC, 0x0F, index)) + bytes((0x0F, 0xEC, index)) * (width * height - 1)


def _stand_in_key(index: int, picture: Picture) -> tuple[int, int, bytes]:
    width, height = _stand_in_size(picture)
    return width, height, _stand_in_samples(index, width, height)


def _pixels_match(picture: bytes, pixels: bytes, alpha: bytes) -> bool:
    with Image.open(io.BytesIO(picture)) as opened:
        rgba = opened.convert("RGBA")
    if rgba.convert("RGB").tobytes() != pixels:
        return False
    return not alpha or rgba.getchannel("A").tobytes() == alpha


def _black_and_white(picture: Image.Image) -> bool:
    colours = picture.getcolors(2)  # None when it has more than two
    return colours is not None and all(
        c in (0, 255, (0, 0, 0), (255, 255, 255)) for _, c in colours
    )


def _png_of(image: pikepdf.Object, raw: bytes, mask: bytes) -> bytes:
    return _png_cached(hashlib.sha256(raw + b"\0" + mask).digest(), image)


_PNG_CACHE: dict[bytes, bytes] = {}


def _png_cached(key: bytes, image: pikepdf.Object) -> bytes:
    if key in _PNG_CACHE:
        return _PNG_CACHE[key]
    picture = _plain_picture(image)
    if picture is None:  # anything but plain 8-bit grey or RGB: pikepdf reads it
        picture = pikepdf.PdfImage(image).as_pil_image()  # type: ignore[arg-type]
    if "/SMask" in image:
        mask = _plain_picture(image.SMask) or pikepdf.PdfImage(image.SMask).as_pil_image()  # type: ignore[arg-type]
        alpha = mask.convert("L")
        picture = picture.convert("RGB")
        picture.putalpha(alpha)
    elif picture.mode in ("L", "RGB") and _black_and_white(picture):
        # The QR code: one bit a pixel encodes in a sixth the time (no dithering: it is already
        # black and white).
        picture = picture.convert("1", dither=Image.Dither.NONE)
    out = io.BytesIO()
    picture.save(out, "PNG", compress_level=6)
    if len(_PNG_CACHE) > 32:
        _PNG_CACHE.clear()
    _PNG_CACHE[key] = out.getvalue()
    return _PNG_CACHE[key]


_PLAIN_MODES = {1: "L", 3: "RGB"}


def _plain_picture(image: pikepdf.Object) -> Image.Image | None:
    """``image`` as a picture straight from its decoded samples when it is what Typst writes for
    a PNG — 8 bits a component, grey or RGB (device or ICC-based, the profile kept), no decode
    array — else None. pikepdf's general reader takes several milliseconds to say the same."""
    space = image.get("/ColorSpace")
    profile = None
    if space == "/DeviceGray":
        components = 1
    elif space == "/DeviceRGB":
        components = 3
    elif (
        isinstance(space, pikepdf.Array)
        and len(space) == 2
        and space[0] == "/ICCBased"
        and int(space[1].get("/N", 0)) in _PLAIN_MODES
    ):
        components = int(space[1].N)
        profile = space[1].read_bytes()
    else:
        return None
    if int(image.get("/BitsPerComponent", 0)) != 8 or "/Decode" in image:
        return None
    size = (int(image.Width), int(image.Height))
    samples = image.read_bytes()
    if len(samples) != size[0] * size[1] * components:
        return None
    picture = Image.frombytes(_PLAIN_MODES[components], size, samples)
    if profile is not None:
        picture.info["icc_profile"] = profile
    return picture


# --- writing the package ----------------------------------------------------------------------


def _element(
    parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str
) -> etree._Element:
    node = (
        etree.Element(_Q + tag, nsmap={"ofd": NS})
        if parent is None
        else etree.SubElement(parent, _Q + tag)
    )
    for key, value in attrs.items():
        node.set(key, value)
    if text is not None:
        node.text = text
    return node


def _xml(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _box(box: Box) -> str:
    return " ".join(fmt(v) for v in box)


def _colour(parent: etree._Element, tag: str, rgb: tuple[int, int, int]) -> None:
    _element(parent, tag, Value=f"{rgb[0]} {rgb[1]} {rgb[2]}")


def ofd_from_pdf(
    pdf: bytes,
    *,
    title: str,
    created: datetime,
    doc_id: str,
    seal: Picture | None = None,
    seal_as_stamp: bool = False,
    stand_ins: Sequence[Picture] = (),
) -> OfdPackage:
    """The OFD package drawing the same pages as ``pdf`` (a PDF Typst compiled).

    ``doc_id`` is the 32-character identifier GB/T 33190 asks for (a UUID without hyphens).
    With ``seal`` given, the image showing that picture is found on the page; with
    ``seal_as_stamp`` it is left out of the page content and only its boundary is reported in
    ``OfdPackage.stamp``, for a GB/T 38540 seal to draw it as a stamp annotation. Where the page
    shows ``stand_in(i, picture)``, the OFD has ``stand_ins[i]``, the picture itself, as it is
    (the seal among them is the seal).
    """
    if not _DOC_ID.match(doc_id):
        raise ValueError("doc_id must be 32 lower-case hexadecimal characters")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        if not document.pages:
            raise _unsupported("a PDF without pages")
        box = [float(v) for v in document.pages[0].mediabox]
        converter = _Converter(
            height=box[3] - box[1],
            seal=seal,
            stand_ins={
                _stand_in_key(i, p): p
                for i, p in enumerate(stand_ins)
                if max(_stand_in_size(p)) <= _STAND_IN_MAX
            },
        )
        sizes: list[tuple[float, float]] = []
        pages: list[list[_Drawing]] = []
        for page in document.pages:
            media = [float(v) for v in page.mediabox]
            if media[0] or media[1] or media[3] - media[1] != converter.height:
                raise _unsupported("pages of different heights")
            sizes.append(((media[2] - media[0]) * MM, (media[3] - media[1]) * MM))
            pages.append(converter.page(page))
    return _package(converter, pages, sizes, title, created, doc_id, seal_as_stamp)


def _package(
    converter: _Converter,
    pages: list[list[_Drawing]],
    sizes: list[tuple[float, float]],
    title: str,
    created: datetime,
    doc_id: str,
    seal_as_stamp: bool,
) -> OfdPackage:
    next_id = 0

    def new_id() -> str:
        nonlocal next_id
        next_id += 1
        return str(next_id)

    page_ids = [new_id() for _ in pages]
    font_ids = [new_id() for _ in converter.fonts]
    image_ids = [new_id() for _ in converter.images]
    res: dict[str, bytes] = {}

    public = _element(None, "Res", BaseLoc="Res")
    fonts = _element(public, "Fonts")
    for font_id, font in zip(font_ids, converter.fonts, strict=True):
        name = f"font_{font_id}.otf"
        res[name] = font.built.data
        attrs = {"ID": font_id, "FontName": font.subset.name}
        attrs["FamilyName"] = re.sub(r"-(Regular|Bold)\Z", "", font.subset.name)
        if font.subset.bold:
            attrs["Bold"] = "true"
        _element(_element(fonts, "Font", **attrs), "FontFile", name)

    document_res = _element(None, "Res", BaseLoc="Res")
    if converter.images:
        media = _element(document_res, "MultiMedias")
        for image_id, image in zip(image_ids, converter.images, strict=True):
            name = f"image_{image_id}.{image.extension}"
            res[name] = image.data
            fmt_name = "JPEG" if image.extension == "jpg" else "PNG"
            node = _element(media, "MultiMedia", ID=image_id, Type="Image", Format=fmt_name)
            _element(node, "MediaFile", name)

    bold = [font.subset.bold for font in converter.fonts]
    contents: dict[str, bytes] = {}
    stamp: tuple[int, Box] | None = None
    for index, (drawings, size) in enumerate(zip(pages, sizes, strict=True)):
        root = _element(None, "Page")
        area = _element(root, "Area")
        _element(area, "PhysicalBox", f"0 0 {fmt(size[0])} {fmt(size[1])}")
        layer = _element(_element(root, "Content"), "Layer", ID=new_id(), Type="Body")
        for drawing in drawings:
            if isinstance(drawing, _Image) and converter.images[drawing.image].is_seal:
                stamp = (index, drawing.box)
                if seal_as_stamp:
                    continue
            _drawing(layer, drawing, new_id(), font_ids, image_ids, bold)
        contents[f"Doc_0/Pages/Page_{index}/Content.xml"] = _xml(root)

    document = _element(None, "Document")
    common = _element(document, "CommonData")
    _element(common, "MaxUnitID", str(next_id))
    _element(
        _element(common, "PageArea"), "PhysicalBox", f"0 0 {fmt(sizes[0][0])} {fmt(sizes[0][1])}"
    )
    _element(common, "PublicRes", "PublicRes.xml")
    _element(common, "DocumentRes", "DocumentRes.xml")
    page_list = _element(document, "Pages")
    for index, page_id in enumerate(page_ids):
        _element(page_list, "Page", ID=page_id, BaseLoc=f"Pages/Page_{index}/Content.xml")

    ofd = _element(None, "OFD", Version="1.0", DocType="OFD")
    body = _element(ofd, "DocBody")
    info = _element(body, "DocInfo")
    _element(info, "DocID", doc_id)
    _element(info, "Title", title)
    _element(info, "CreationDate", created.date().isoformat())
    _element(info, "Creator", "ecert")
    _element(body, "DocRoot", "Doc_0/Document.xml")

    files = {
        "OFD.xml": _xml(ofd),
        "Doc_0/Document.xml": _xml(document),
        "Doc_0/PublicRes.xml": _xml(public),
        "Doc_0/DocumentRes.xml": _xml(document_res),
        **contents,
        **{f"Doc_0/Res/{name}": data for name, data in res.items()},
    }
    return OfdPackage(files, stamp)


def _drawing(
    layer: etree._Element,
    drawing: _Drawing,
    unit_id: str,
    font_ids: list[str],
    image_ids: list[str],
    bold: list[bool],
) -> None:
    if isinstance(drawing, _Path):
        attrs = {"ID": unit_id, "Boundary": _box(drawing.box)}
        attrs["Stroke"] = "true" if drawing.stroke else "false"
        attrs["Fill"] = "true" if drawing.fill else "false"
        if drawing.stroke:
            attrs["LineWidth"] = fmt(drawing.line_width)
            if drawing.cap != "Butt":
                attrs["Cap"] = drawing.cap
            if drawing.join != "Miter":
                attrs["Join"] = drawing.join
        if drawing.even_odd:
            attrs["Rule"] = "Even-Odd"
        if drawing.ctm is not None:
            attrs["CTM"] = " ".join(fmt(v) for v in drawing.ctm)
        node = _element(layer, "PathObject", **attrs)
        if drawing.stroke:
            _colour(node, "StrokeColor", drawing.stroke)
        if drawing.fill:
            _colour(node, "FillColor", drawing.fill)
        _element(node, "AbbreviatedData", drawing.data)
    elif isinstance(drawing, _Text):
        left, top = drawing.box[0], drawing.box[1]
        attrs = {"ID": unit_id, "Boundary": _box(drawing.box), "Font": font_ids[drawing.font]}
        attrs["Size"] = fmt(drawing.size)
        if bold[drawing.font]:
            attrs["Weight"] = "700"
        node = _element(layer, "TextObject", **attrs)
        _colour(node, "FillColor", drawing.colour)
        for code in drawing.codes:
            _cg_transforms(node, code)
            attrs = {"X": fmt(code.x - left), "Y": fmt(code.y - top)}
            if code.deltas:
                attrs["DeltaX"] = " ".join(fmt(v) for v in code.deltas)
            _element(node, "TextCode", code.text, **attrs)
    else:
        _element(
            layer,
            "ImageObject",
            ID=unit_id,
            Boundary=_box(drawing.box),
            CTM=" ".join(fmt(v) for v in drawing.ctm),
            ResourceID=image_ids[drawing.image],
        )


def _cg_transforms(node: etree._Element, code: _Code) -> None:
    """One CGTransform for the TextCode's characters: one glyph per character, in order.

    A glyph drawing several characters (a ligature) gets a CGTransform of its own.
    """
    position = 0
    run_start, run_glyphs = 0, list[int]()  # a run of one-to-one characters
    for glyph, count in zip(code.glyphs, code.counts, strict=True):
        if count == 1:
            if not run_glyphs:
                run_start = position
            run_glyphs.append(glyph)
        else:
            if run_glyphs:
                _transform(node, run_start, len(run_glyphs), run_glyphs)
                run_glyphs = []
            _transform(node, position, count, [glyph])
        position += count
    if run_glyphs:
        _transform(node, run_start, len(run_glyphs), run_glyphs)


def _transform(node: etree._Element, position: int, count: int, glyphs: list[int]) -> None:
    transform = _element(
        node,
        "CGTransform",
        CodePosition=str(position),
        CodeCount=str(count),
        GlyphCount=str(len(glyphs)),
    )
    _element(transform, "Glyphs", " ".join(str(g) for g in glyphs))
