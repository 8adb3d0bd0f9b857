"""Seal pictures: drawing a demo round seal (公章) and checking an uploaded one.

A real deployment uploads each authority's own seal picture; the demo draws one so that its
documents look like the real thing. The drawing follows the usual layout of a Chinese official
round seal: a thick outer ring, a five-pointed star in the centre, the authority's name along the
upper arc (each character turned to face outwards, read clockwise) and an optional caption such as
证书专用章 straight below the star. It is drawn at several times its size and scaled down, because
Pillow does not smooth the edges of the shapes it fills.
"""

from __future__ import annotations

import math
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from ecert.core import PACKAGE_DATA
from ecert.core.errors import EcertError

DEFAULT_SEAL_FONT = PACKAGE_DATA / "fonts" / "EcertSerifSC-Regular.otf"
SEAL_RED = (208, 2, 27)
INK_ALPHA = 235  # slightly see-through, like stamp ink over printed text
SUPERSAMPLE = 3

# The name runs clockwise over the top from 210° to 330° (maths angles, anticlockwise from east):
# 120° either side of twelve o'clock.
NAME_HALF_SPAN = 120.0
NAME_HALF_SPAN_MAX = 128.0  # a long name may reach a little lower on both sides
CROWDED = 12  # characters from which the name is set lower and narrower
MAX_STEP = 28.0  # degrees between characters when the name is short
RING_WIDTH = 0.035  # of the seal's diameter
STAR_RADIUS = 0.165
NAME_HEIGHT = 0.125
CAPTION_HEIGHT = 0.085
CAPTION_WIDTH = 0.42  # widest caption: clear of the ring and of the name's two ends
CAPTION_MIDDLE = 0.75  # of the diameter, from the top
RING_MARGIN = 0.02

MIN_SIDE = 200
MAX_SIDE = 2000
MAX_BYTES = 1 << 20
MAX_ASPECT = 1.25  # a round or slightly oval seal, never a banner
CLEAR_ALPHA = 16  # alpha at or below this counts as a transparent pixel
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def round_seal_png(
    authority_name: str, font_path: Path = DEFAULT_SEAL_FONT, *, caption: str = "", size: int = 600
) -> bytes:
    """A red round seal bearing ``authority_name`` as a PNG with a transparent background."""
    name = "".join(authority_name.split())
    if not name:
        raise EcertError("no_name", "印章上须有机构名称", "a seal needs the authority's name")
    if not MIN_SIDE <= size <= MAX_SIDE:
        raise EcertError(
            "bad_size",
            f"印章尺寸须在 {MIN_SIDE}–{MAX_SIDE} 像素之间",
            f"the seal must be {MIN_SIDE}–{MAX_SIDE} px",
        )
    big = size * SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    _draw_ring(mask)
    _draw_star(mask)
    _draw_name(mask, name, font_path)
    if caption.strip():
        _draw_caption(mask, caption.strip(), font_path)
    mask = mask.resize((size, size), Image.Resampling.LANCZOS)
    seal = Image.new("RGBA", (size, size), (*SEAL_RED, 0))
    seal.putalpha(mask.point(lambda value: value * INK_ALPHA // 255))
    out = BytesIO()
    seal.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_ring(mask: Image.Image) -> None:
    side = mask.width
    width = round(side * RING_WIDTH)
    margin = round(side * RING_MARGIN)
    ImageDraw.Draw(mask).ellipse(
        (margin, margin, side - 1 - margin, side - 1 - margin), outline=255, width=width
    )


def _draw_star(mask: Image.Image) -> None:
    """A five-pointed star, one point up, its inner radius that of a regular pentagram."""
    side = mask.width
    centre = side / 2
    outer = side * STAR_RADIUS
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        angle = math.radians(-90 + 36 * index)
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    ImageDraw.Draw(mask).polygon(points, fill=255)


def _font(font_path: Path, pixels: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(font_path), pixels)
    except OSError as error:
        raise EcertError(
            "bad_font", f"印章字体无法读取：{font_path.name}", f"cannot read font {font_path}"
        ) from error


def _glyph(char: str, font: ImageFont.FreeTypeFont, width: int) -> Image.Image:
    """One character on its em square (so 一 stays flat and 口 small), narrowed to ``width``
    when the name is long, as seal engravers do, rather than made smaller."""
    em = round(font.size)
    stroke = max(1, round(em * 0.03))  # seal characters are cut heavier than book type
    tile = Image.new("L", (em + 2 * stroke, em + 2 * stroke), 0)
    centre = tile.width / 2
    ImageDraw.Draw(tile).text(
        (centre, centre),
        char,
        font=font,
        fill=255,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=255,
    )
    if width >= tile.width:
        return tile
    return tile.resize((max(1, width), tile.height), Image.Resampling.LANCZOS)


def _draw_name(mask: Image.Image, name: str, font_path: Path) -> None:
    """The name along the upper arc, evenly spaced, each character's top facing outwards.

    A long name (中华人民共和国人力资源和社会保障部) gets a wider arc and lower, narrower
    characters, so that neighbours never touch at their inner edge.
    """
    side = mask.width
    centre = side / 2
    count = len(name)
    height = side * NAME_HEIGHT * min(1.0, max(0.78, CROWDED / count))
    half_span = min(NAME_HALF_SPAN_MAX, NAME_HALF_SPAN + 3 * max(0, count - CROWDED))
    font = _font(font_path, round(height))
    inner_edge = side / 2 - side * RING_MARGIN - side * RING_WIDTH
    radius = inner_edge - height * 0.66
    step = min(MAX_STEP, 2 * half_span / (count - 1)) if count > 1 else 0.0
    # The room a character has is the arc at its inner edge, the narrowest part of its slot.
    width = round(min(height, (radius - height / 2) * math.radians(step) * 0.98)) if step else 0
    first = -step * (count - 1) / 2  # degrees clockwise from twelve o'clock
    for index, char in enumerate(name):
        angle = first + step * index
        glyph = _glyph(char, font, width or side)
        turned = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.sin(math.radians(angle))
        y = centre - radius * math.cos(math.radians(angle))
        mask.paste(255, (round(x - turned.width / 2), round(y - turned.height / 2)), turned)


def _draw_caption(mask: Image.Image, caption: str, font_path: Path) -> None:
    """The caption in one straight line below the star, narrowed if it would touch the ring."""
    side = mask.width
    font = _font(font_path, round(side * CAPTION_HEIGHT))
    em = round(font.size)
    width = min(em, round(side * CAPTION_WIDTH / len(caption)))
    glyphs = [_glyph(char, font, width) for char in caption]
    x = side / 2 - sum(glyph.width for glyph in glyphs) / 2
    middle = side * CAPTION_MIDDLE
    for glyph in glyphs:
        mask.paste(255, (round(x), round(middle - glyph.height / 2)), glyph)
        x += glyph.width


def check_seal_png(data: bytes) -> tuple[int, int]:
    """Check an uploaded seal picture and return its (width, height).

    It must be a PNG by its content (not its name), 200–2000 px a side, roughly square, with an
    alpha channel and a transparent background so the text under it shows, and at most 1 MB.
    """
    if len(data) > MAX_BYTES:
        raise EcertError(
            "too_big",
            f"印章图片超过 {MAX_BYTES // 1024} KB，请压缩后再上传",
            f"the seal picture is larger than {MAX_BYTES // 1024} KB; compress it and upload again",
        )
    if not data.startswith(PNG_SIGNATURE):
        raise EcertError(
            "not_png",
            "印章图片须为 PNG 格式（按文件内容判断，不看扩展名）",
            "the seal picture must be a PNG file (judged by its content, not its name)",
        )
    try:
        with Image.open(BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            _check_size(width, height)
            image.load()
            alpha = _alpha(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise EcertError(
            "unreadable",
            "印章图片已损坏，无法读取",
            "the seal picture is damaged and cannot be read",
        ) from error
    if alpha is None:
        raise EcertError(
            "no_alpha",
            "印章图片须带透明通道（RGBA），背景透明",
            "the seal picture needs an alpha channel (RGBA) with a transparent background",
        )
    if not any(alpha.histogram()[: CLEAR_ALPHA + 1]):
        raise EcertError(
            "not_transparent",
            "印章图片的背景不透明，请去除白色背景后再上传",
            "the seal picture has no transparent background; remove the white background first",
        )
    return width, height


def _check_size(width: int, height: int) -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise EcertError(
            "bad_size",
            f"印章图片为 {width}×{height} 像素，边长须在 {MIN_SIDE}–{MAX_SIDE} 像素之间",
            f"the seal picture is {width}×{height} px; each side must be {MIN_SIDE}–{MAX_SIDE} px",
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise EcertError(
            "not_square",
            f"印章图片为 {width}×{height} 像素，应接近正方形",
            f"the seal picture is {width}×{height} px; it should be about square",
        )


def _alpha(image: Image.Image) -> Image.Image | None:
    """The picture's alpha channel, or None when it has none (a palette may carry one too)."""
    if image.mode in ("RGBA", "LA", "PA"):
        return image.getchannel("A")
    if image.mode == "P" and "transparency" in image.info:
        return image.convert("RGBA").getchannel("A")
    return None
