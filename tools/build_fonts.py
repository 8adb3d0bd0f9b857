"""Build the committed certificate fonts from Debian's fonts-noto-cjk (SIL OFL 1.1).

    python tools/build_fonts.py            # both faces
    python tools/build_fonts.py --bold     # only the heading face (after template or catalogue edits)

The body face keeps every ideograph Noto Serif CJK SC has (the whole URO, Extension A and the
Extension B–G characters of the 通用规范汉字表 that Adobe drew for SC) plus Latin, CJK punctuation
and full-width forms, so every name a GBK or GB 18030 system holds prints. The heading face is bold
and keeps only the characters of the layouts and the catalogue (titles, authority names); a
character it lacks falls back to the body face. Both are renamed, as the OFL asks of a modified font:
"Ecert Serif SC" is not a Reserved Font Name ("Source" is the only one).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/opentype/noto")
LICENCE_SOURCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "src" / "ecert" / "data"
OUT = DATA / "fonts"
FAMILY = "Ecert Serif SC"
SC_FACE = "Noto Serif CJK SC"

_BODY_RANGES = (
    (0x0020, 0x024F),  # Latin, Latin-1, Latin Extended-A/B (foreign holders' names)
    (0x02B0, 0x02FF),
    (0x0391, 0x03C9),  # Greek letters used in specialties
    (0x2000, 0x206F),  # general punctuation
    (0x2100, 0x218F),  # letter-like symbols, Roman numerals
    (0x2190, 0x21FF),
    (0x2460, 0x24FF),  # enclosed numerals
    (0x25A0, 0x25FF),
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation
    (0x3105, 0x312F),  # bopomofo
    (0x31C0, 0x31EF),  # strokes
    (0x3200, 0x33FF),  # enclosed CJK, compatibility
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3134F),  # Extensions B–G
)


def _in_body(code: int) -> bool:
    return any(low <= code <= high for low, high in _BODY_RANGES)


def _sc_face(collection: Path) -> TTFont:
    index = 0
    while True:
        font = TTFont(collection, fontNumber=index, lazy=False)
        if font["name"].getDebugName(1) == SC_FACE:
            return font
        index += 1


def _heading_characters() -> set[int]:
    text = "".join(
        path.read_text(encoding="utf-8")
        for pattern in ("catalogue/*.toml", "authorities.toml", "faces/*.typ")
        for path in sorted(DATA.glob(pattern))
    )
    codes = {ord(c) for c in text if ord(c) >= 0x20}
    codes |= set(range(0x20, 0x7F)) | {
        ord(c) for c in "０１２３４５６７８９年月日（）〔〕《》：、，。·—"
    }
    return codes


def _rename(font: TTFont, style: str) -> None:
    names = font["name"]
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (2, 17):
            names.setName(style, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            names.setName(
                f"{FAMILY} {style}", 4, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID in (3, 6):
            value = postscript if record.nameID == 6 else f"ecert:{postscript}"
            names.setName(value, record.nameID, record.platformID, record.platEncID, record.langID)
    # Names in other languages (the Chinese family name) would still say Noto: drop them.
    names.names = [
        r for r in names.names if r.nameID not in (1, 2, 4, 16, 17) or r.langID in (0, 0x409)
    ]
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} {style}"
        top.FamilyName = FAMILY
    note = "Subset and renamed from Noto Serif CJK SC for ecert (SIL Open Font License 1.1)."
    names.setName(note, 10, 3, 1, 0x409)


def build(style: str, source: Path, codes: set[int] | None) -> Path:
    font = _sc_face(source)
    cmap = font.getBestCmap()
    keep = [
        c for c in cmap if (codes is None and _in_body(c)) or (codes is not None and c in codes)
    ]
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    _rename(font, style)
    path = OUT / f"{FAMILY.replace(' ', '')}-{style}.otf"
    font.save(path)
    print(f"{path.name}: {len(keep)} characters, {path.stat().st_size:,} bytes")
    return path


def licence_text() -> str:
    """The OFL 1.1 text as Debian ships it, without the copyright file's indentation."""
    lines = LICENCE_SOURCE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "SIL OPEN FONT LICENSE Version 1.1" in line)
    start -= 1  # the rule above the title
    body = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            break
        text = line[1:] if line.startswith(" ") else line
        body.append("" if text == "." else text)
    return "\n".join(body).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bold", action="store_true", help="rebuild the heading face only")
    args = parser.parse_args()
    if not SOURCE.is_dir():
        print("fonts-noto-cjk is not installed (apt-get install fonts-noto-cjk)", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.bold:
        build("Regular", SOURCE / "NotoSerifCJK-Regular.ttc", None)
        copyright_notice = _sc_face(SOURCE / "NotoSerifCJK-Regular.ttc")["name"].getDebugName(0)
        (OUT / "OFL.txt").write_text(f"{copyright_notice}\n\n{licence_text()}", encoding="utf-8")
    build("Bold", SOURCE / "NotoSerifCJK-Bold.ttc", _heading_characters())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
