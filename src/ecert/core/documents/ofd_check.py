"""Structure checks of an OFD package, written from GB/T 33190-2016 (docs/formats/ofd.md lists them).

The standard's XML schemas are not in the repository (their licence is not stated), so each rule we
rely on is checked here by hand: the files the entry ``OFD.xml`` leads to, the namespace, unique
object IDs and ``MaxUnitID``, every resource reference, the font files (parsed by fontTools: each
glyph a ``CGTransform`` names exists and is the one the font's cmap gives for its character), the
images, the path data syntax and that every boundary lies on its page. ``check_package`` returns
the problems found, one sentence each; an empty list means the package passed.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from fontTools.ttLib import TTFont
from lxml import etree
from PIL import Image

NS = "http://www.ofdspec.org/2016"
_N = {"ofd": NS}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_PATH_OPERANDS = {"S": 2, "M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}
_SLACK = 0.01  # mm: rounding of coordinates written with 4 decimals


@dataclass
class _State:
    files: Mapping[str, bytes]
    problems: list[str] = field(default_factory=list)
    ids: dict[int, str] = field(default_factory=dict)  # ID -> where
    fonts: dict[str, TTFont | None] = field(default_factory=dict)  # resource ID -> parsed font
    images: set[str] = field(default_factory=set)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def xml(self, path: str, root_name: str) -> etree._Element | None:
        if path not in self.files:
            self.problem(f"{path}: missing")
            return None
        try:
            root = etree.fromstring(self.files[path])
        except etree.XMLSyntaxError as error:
            self.problem(f"{path}: not well-formed XML ({error})")
            return None
        if root.tag != f"{{{NS}}}{root_name}":
            self.problem(f"{path}: the root element is {root.tag}, not ofd:{root_name}")
        for node in root.iter():
            if isinstance(node.tag, str) and not node.tag.startswith(f"{{{NS}}}"):
                self.problem(f"{path}: element {node.tag} is outside the OFD namespace")
        for node in root.iter():
            unit = node.get("ID")
            if unit is None:
                continue
            if not unit.isdigit() or int(unit) <= 0:
                self.problem(f"{path}: ID {unit!r} is not a positive integer")
            elif int(unit) in self.ids:
                self.problem(f"{path}: ID {unit} is used twice (also in {self.ids[int(unit)]})")
            else:
                self.ids[int(unit)] = path
        return root


def _join(base: str, location: str) -> str:
    """A location relative to the folder of ``base`` (absolute ones start at the package root)."""
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), location))


def _numbers(text: str | None) -> list[float] | None:
    try:
        return [float(v) for v in (text or "").split()]
    except ValueError:
        return None


def check_package(files: Mapping[str, bytes]) -> list[str]:
    """Problems of the OFD package ``files`` (path -> bytes); empty when it passes every check."""
    state = _State(files)
    entry = state.xml("OFD.xml", "OFD")
    if entry is None:
        return state.problems
    if entry.get("Version") != "1.0" or entry.get("DocType") != "OFD":
        state.problem('OFD.xml: Version must be "1.0" and DocType "OFD"')
    bodies = entry.findall("ofd:DocBody", _N)
    if not bodies:
        state.problem("OFD.xml: no DocBody")
    for body in bodies:
        _check_info(state, body)
        root_path = body.findtext("ofd:DocRoot", namespaces=_N)
        if not root_path:
            state.problem("OFD.xml: a DocBody without DocRoot")
            continue
        _check_document(state, _join("OFD.xml", root_path))
    return state.problems


def _check_info(state: _State, body: etree._Element) -> None:
    info = body.find("ofd:DocInfo", _N)
    if info is None:
        state.problem("OFD.xml: DocInfo is missing")
        return
    doc_id = info.findtext("ofd:DocID", namespaces=_N) or ""
    if not re.fullmatch(r"[0-9A-Fa-f]{32}", doc_id):
        state.problem(f"OFD.xml: DocID {doc_id!r} is not a 32-character UUID")
    created = info.findtext("ofd:CreationDate", namespaces=_N)
    if created is not None and not _DATE.match(created):
        state.problem(f"OFD.xml: CreationDate {created!r} is not an xs:date")


def _check_document(state: _State, path: str) -> None:
    document = state.xml(path, "Document")
    if document is None:
        return
    common = document.find("ofd:CommonData", _N)
    if common is None:
        state.problem(f"{path}: CommonData is missing")
        return
    page_box = _numbers(common.findtext("ofd:PageArea/ofd:PhysicalBox", namespaces=_N))
    if not page_box or len(page_box) != 4:
        state.problem(f"{path}: PageArea/PhysicalBox is missing or not four numbers")
        page_box = None
    for tag in ("PublicRes", "DocumentRes"):
        for node in common.findall(f"ofd:{tag}", _N):
            _check_resources(state, _join(path, node.text or ""))
    pages = document.findall("ofd:Pages/ofd:Page", _N)
    if not pages:
        state.problem(f"{path}: no pages")
    for page in pages:
        _check_page(state, _join(path, page.get("BaseLoc", "")), page_box)
    max_unit = common.findtext("ofd:MaxUnitID", namespaces=_N) or ""
    if not max_unit.isdigit():
        state.problem(f"{path}: MaxUnitID {max_unit!r} is not an integer")
    elif state.ids and int(max_unit) != max(state.ids):
        state.problem(f"{path}: MaxUnitID is {max_unit}, the largest ID is {max(state.ids)}")


def _check_resources(state: _State, path: str) -> None:
    res = state.xml(path, "Res")
    if res is None:
        return
    base = _join(path, (res.get("BaseLoc") or ".") + "/x")
    for font in res.iterfind("ofd:Fonts/ofd:Font", _N):
        if not font.get("FontName"):
            state.problem(f"{path}: font {font.get('ID')} has no FontName")
        location = font.findtext("ofd:FontFile", namespaces=_N)
        parsed: TTFont | None = None
        if location is None:
            state.problem(f"{path}: font {font.get('ID')} has no embedded FontFile")
        else:
            parsed = _font(state, _join(base, location))
        state.fonts[font.get("ID", "")] = parsed
    for media in res.iterfind("ofd:MultiMedias/ofd:MultiMedia", _N):
        location = media.findtext("ofd:MediaFile", namespaces=_N) or ""
        file_path = _join(base, location)
        if file_path not in state.files:
            state.problem(f"{path}: media file {file_path} is missing")
            continue
        if media.get("Type") == "Image":
            try:
                with Image.open(io.BytesIO(state.files[file_path])) as image:
                    image.verify()
                    kind = image.format
            except Exception:
                state.problem(f"{file_path}: not a picture Pillow can read")
                continue
            declared = media.get("Format")
            if declared and declared.upper() != (kind or "").upper():
                state.problem(f"{file_path}: Format says {declared}, the file is {kind}")
            state.images.add(media.get("ID", ""))


def _font(state: _State, path: str) -> TTFont | None:
    if path not in state.files:
        state.problem(f"font file {path} is missing")
        return None
    try:
        font = TTFont(io.BytesIO(state.files[path]))
        font.getGlyphOrder()
        font["cmap"].getBestCmap()
        font["hmtx"]
        if "CFF " in font:
            font["CFF "].cff[0].CharStrings  # noqa: B018 - parsing is the check
    except Exception as error:
        state.problem(f"{path}: fontTools cannot read the font ({error.__class__.__name__})")
        return None
    return font


def _check_page(state: _State, path: str, page_box: list[float] | None) -> None:
    page = state.xml(path, "Page")
    if page is None:
        return
    own = _numbers(page.findtext("ofd:Area/ofd:PhysicalBox", namespaces=_N))
    box = own if own and len(own) == 4 else page_box
    for node in _objects(page):
        name = etree.QName(node).localname
        where = f"{path}: {name} {node.get('ID')}"
        boundary = _numbers(node.get("Boundary"))
        if not boundary or len(boundary) != 4 or boundary[2] < 0 or boundary[3] < 0:
            state.problem(f"{where}: Boundary {node.get('Boundary')!r} is not x y w h")
        elif box and (
            boundary[0] < box[0] - _SLACK
            or boundary[1] < box[1] - _SLACK
            or boundary[0] + boundary[2] > box[0] + box[2] + _SLACK
            or boundary[1] + boundary[3] > box[1] + box[3] + _SLACK
        ):
            state.problem(f"{where}: Boundary {node.get('Boundary')} lies outside the page")
        for colour in node.iterfind("ofd:FillColor", _N), node.iterfind("ofd:StrokeColor", _N):
            for value in colour:
                _check_colour(state, where, value.get("Value"))
        if name == "PathObject":
            _check_path_data(state, where, node.findtext("ofd:AbbreviatedData", namespaces=_N))
        elif name == "TextObject":
            _check_text(state, where, node)
        elif name == "ImageObject":
            if node.get("ResourceID") not in state.images:
                state.problem(f"{where}: ResourceID {node.get('ResourceID')} is no image resource")
            ctm = _numbers(node.get("CTM"))
            if not ctm or len(ctm) != 6:
                state.problem(f"{where}: CTM is not six numbers")


def _objects(page: etree._Element) -> Iterator[etree._Element]:
    for layer in page.iterfind("ofd:Content/ofd:Layer", _N):
        yield from (node for node in layer if isinstance(node.tag, str))


def _check_colour(state: _State, where: str, value: str | None) -> None:
    parts = (value or "").split()
    if len(parts) != 3 or not all(p.isdigit() and 0 <= int(p) <= 255 for p in parts):
        state.problem(f"{where}: colour {value!r} is not three components 0–255")


def _check_path_data(state: _State, where: str, data: str | None) -> None:
    tokens = (data or "").split()
    if not tokens:
        state.problem(f"{where}: AbbreviatedData is empty")
        return
    i = 0
    while i < len(tokens):
        operator = tokens[i]
        count = _PATH_OPERANDS.get(operator)
        operands = tokens[i + 1 : i + 1 + (count or 0)]
        if count is None or len(operands) != count or _numbers(" ".join(operands)) is None:
            state.problem(f"{where}: AbbreviatedData has a bad segment at {operator!r}")
            return
        i += 1 + count


def _deltas(text: str | None) -> list[float] | None:
    """A DeltaX/DeltaY list, expanding the ``g count value`` shorthand."""
    tokens = (text or "").split()
    out: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g":
                out.extend([float(tokens[i + 2])] * int(tokens[i + 1]))
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except (ValueError, IndexError):
        return None
    return out


def _check_text(state: _State, where: str, node: etree._Element) -> None:
    font_id = node.get("Font", "")
    if font_id not in state.fonts:
        state.problem(f"{where}: Font {font_id} is no font resource")
        return
    if not _numbers(node.get("Size")):
        state.problem(f"{where}: Size is missing")
    font = state.fonts[font_id]
    cmap = font["cmap"].getBestCmap() if font is not None else {}
    order = font.getGlyphOrder() if font is not None else []
    transforms: list[etree._Element] = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name == "CGTransform":
            transforms.append(child)
        elif name == "TextCode":
            _check_code(state, where, child, transforms, cmap, order)
            transforms = []


def _check_code(
    state: _State,
    where: str,
    code: etree._Element,
    transforms: list[etree._Element],
    cmap: Mapping[int, str],
    order: list[str],
) -> None:
    text = code.text or ""  # counted in Unicode characters (code points), see ofd.py
    if _numbers(f"{code.get('X')} {code.get('Y')}") is None or code.get("X") is None:
        state.problem(f"{where}: TextCode without X and Y")
    deltas = _deltas(code.get("DeltaX"))
    if deltas is None or len(deltas) > max(len(text) - 1, 0):
        state.problem(f"{where}: DeltaX has more values than gaps between {len(text)} characters")
    for char in text:
        if order and ord(char) not in cmap and not char.isspace():
            state.problem(f"{where}: the font has no glyph for {char!r} (U+{ord(char):04X})")
    for transform in transforms:
        glyphs = (transform.findtext("ofd:Glyphs", namespaces=_N) or "").split()
        try:
            position = int(transform.get("CodePosition", ""))
            count = int(transform.get("CodeCount", "1"))
            glyph_count = int(transform.get("GlyphCount", ""))
            indices = [int(g) for g in glyphs]
        except ValueError:
            state.problem(f"{where}: CGTransform with a bad number")
            continue
        if position < 0 or count < 1 or position + count > len(text):
            state.problem(f"{where}: CGTransform covers characters {position}–{position + count}")
            continue
        if glyph_count != len(indices):
            state.problem(f"{where}: GlyphCount {glyph_count} but {len(indices)} glyphs")
        if not order:
            continue
        for index in indices:
            if not 0 <= index < len(order):
                state.problem(f"{where}: glyph {index} is not in the font")
        if count == glyph_count:  # one glyph per character: it must be the cmap's glyph
            for char, index in zip(text[position : position + count], indices, strict=True):
                expected = cmap.get(ord(char))
                if 0 <= index < len(order) and expected is not None and order[index] != expected:
                    state.problem(
                        f"{where}: {char!r} is drawn with glyph {index}, the font maps it to "
                        f"{order.index(expected)}"
                    )
