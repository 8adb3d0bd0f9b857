"""Certificate faces as PDF pages: Typst layouts fed with JSON, fonts from our own folder only.

One ``Renderer`` per process holds one Typst compiler (fonts are loaded once; a page then takes a
few milliseconds). Every page is described by a ``Page``: which face, its printed fields, the QR
text, and the seal and photo pictures. Pictures travel inside the JSON as SVG wrappers around
data URIs, so nothing is written to disk and a compile never reads a file it was not given.

Before anything is compiled every printed text is checked against the fonts' character maps: a
character no font has is refused with the field it is in, never printed as a blank box.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import typst
from fontTools.ttLib import TTFont, TTLibError

from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_svg

FONT_SUFFIXES = (".otf", ".ttf", ".otc", ".ttc")
MAIN = "main.typ"


@dataclass(frozen=True)
class Picture:
    """A raster picture for a page (JPEG photo, PNG seal) with its size in pixels."""

    data: bytes
    mime: str
    width: int
    height: int

    def as_svg(self) -> str:
        encoded = base64.b64encode(self.data).decode("ascii")
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' viewBox="0 0 {self.width} {self.height}"><image width="{self.width}"'
            f' height="{self.height}" xlink:href="data:{self.mime};base64,{encoded}"/></svg>'
        )


@dataclass(frozen=True)
class Page:
    """One face to print: ``fields`` are the texts the layout places (all strings)."""

    face: str
    fields: Mapping[str, str]
    qr_text: str = ""
    seal: Picture | None = None
    photo: Picture | None = None
    extras: Mapping[str, str] = field(default_factory=dict)  # not checked: fixed layout options
    rows: tuple[Mapping[str, str], ...] = ()  # a table's lines (document layouts), checked too
    # The QR drawn as this picture rather than as vector paths from ``qr_text``: for an OFD, a
    # stand-in of the code's PNG (``ofd_original.sealed_page_ofd``).
    qr_image: Picture | None = None


class FontSet:
    """The characters the certificate fonts can draw."""

    def __init__(self, files: Sequence[Path]) -> None:
        if not files:
            raise EcertError("no_fonts", "没有可用的证书字体", "no certificate fonts found")
        self.files = tuple(files)
        self._codes: frozenset[int] = frozenset().union(*(_cmap(path) for path in self.files))
        # Every printable ASCII character is drawn: the common case needs no lookup per character.
        self._ascii_drawn = all(code in self._codes for code in range(0x21, 0x7F))

    @classmethod
    def from_dirs(cls, directories: Iterable[Path]) -> FontSet:
        files = [
            path
            for directory in directories
            if directory.is_dir()
            for path in sorted(directory.iterdir())
            if path.suffix.lower() in FONT_SUFFIXES
        ]
        return cls(files)

    def missing(self, text: str) -> list[str]:
        """Characters of ``text`` that no font draws (spaces and controls are not drawn)."""
        if text.isascii() and self._ascii_drawn and text.isprintable():
            return []
        seen: list[str] = []
        for char in text:
            if ord(char) in self._codes or char in seen:
                continue
            if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Mn"):
                continue
            seen.append(char)
        return seen

    def check(self, fields: Mapping[str, str]) -> None:
        """Raise EcertError naming the first field with a character no font has."""
        for name, value in fields.items():
            missing = self.missing(value)
            if missing:
                raise uncovered_error(name, missing)


def uncovered_error(field_name: str, missing: Sequence[str]) -> EcertError:
    shown = "、".join(f"“{c}”(U+{ord(c):04X})" for c in missing[:5])
    plain = ", ".join(f"U+{ord(c):04X}" for c in missing[:5])
    return EcertError(
        "uncovered_character",
        f"字段 {field_name} 中的字 {shown} 没有可用字体，无法打印，请核对或联系管理员添加字体",
        f"field {field_name}: no font draws {plain}; check the text or add a font",
        field=field_name,
    )


@cache
def _cmap(path: Path) -> frozenset[int]:
    try:
        if path.suffix.lower() in (".otc", ".ttc"):
            from fontTools.ttLib import TTCollection

            collection = TTCollection(path, lazy=True)
            return frozenset().union(*(set(f.getBestCmap()) for f in collection.fonts))
        return frozenset(TTFont(path, lazy=True).getBestCmap())
    except (TTLibError, OSError) as error:
        raise EcertError(
            "bad_font", f"字体文件无法读取：{path.name}", f"cannot read font file {path}"
        ) from error


class Renderer:
    """Compile pages with the layouts in ``faces_dir`` (its ``main.typ`` dispatches by face)."""

    def __init__(self, faces_dir: Path, fonts: FontSet) -> None:
        self.faces_dir = faces_dir
        self.fonts = fonts
        self._main = faces_dir / MAIN
        self._compiler = typst.Compiler(
            root=str(faces_dir),
            # typst-py searches folders: given font files it finds nothing and falls back to
            # its embedded Latin fonts, printing no Chinese at all.
            font_paths=sorted({str(path.parent) for path in fonts.files}),
            ignore_system_fonts=True,
        )

    def document(self, pages: Sequence[Page], *, created: datetime, pdf_a: bool = True) -> bytes:
        """One PDF with ``pages`` in order; PDF/A-2b unless ``pdf_a`` is false."""
        if not pages:
            raise EcertError("no_pages", "没有要打印的页面", "no pages to print")
        for page in pages:
            self.fonts.check(page.fields)
            for row in page.rows:
                self.fonts.check(row)
        doc = json.dumps({"pages": [page_json(page) for page in pages]}, ensure_ascii=False)
        try:
            pdf = self._compiler.compile(
                input=str(self._main),
                format="pdf",
                sys_inputs={"doc": doc},
                pdf_standards=["a-2b"] if pdf_a else [],
                timestamp=created.replace(microsecond=0),  # PDF dates have whole seconds
            )
        except typst.TypstError as error:
            raise EcertError(
                "layout_failed",
                f"证书版式编排失败：{error.message}",
                f"the layout failed: {error.message}",
            ) from error
        assert isinstance(pdf, bytes)
        return pdf


def _qr(page: Page) -> str:
    if page.qr_image is not None:
        return page.qr_image.as_svg()
    return qr_svg(page.qr_text)


def page_json(page: Page) -> dict[str, object]:
    return {
        "face": page.face,
        "fields": dict(page.fields),
        "extras": dict(page.extras),
        "qr": _qr(page) if page.qr_text else None,
        "seal": page.seal.as_svg() if page.seal else None,
        "photo": page.photo.as_svg() if page.photo else None,
        "rows": [dict(row) for row in page.rows],
    }
