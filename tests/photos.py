"""ID photos for tests: real JPEGs of a chosen size in bytes, background and pixel size."""

from __future__ import annotations

import io
import random
from functools import cache

from PIL import Image, ImageDraw

from ecert.core.rules.photos import HEIGHT, KB, WIDTH


@cache
def id_photo(
    *,
    kb: float = 20,
    background: tuple[int, int, int] = (255, 255, 255),
    size: tuple[int, int] = (WIDTH, HEIGHT),
    seed: int = 1,
) -> bytes:
    """A head-and-shoulders JPEG whose file is within 1 KB of ``kb`` kilobytes (1 KB = 1024 B):
    the figure is textured with noise until the file is large enough, then padded in a JPEG
    comment (which image readers ignore) to the exact size asked."""
    target = round(kb * KB)
    rng = random.Random(seed)
    width, height = size
    best = b""  # the largest picture not over the target
    for noise in range(0, 256, 8):
        image = Image.new("RGB", size, background)
        draw = ImageDraw.Draw(image)
        draw.ellipse(
            (width * 0.31, height * 0.17, width * 0.69, height * 0.48), fill=(150, 156, 165)
        )
        draw.ellipse((width * 0.1, height * 0.56, width * 0.9, height * 1.2), fill=(95, 105, 120))
        pixels = image.load()
        assert pixels is not None
        for y in range(int(height * 0.2), height):
            for x in range(int(width * 0.2), int(width * 0.8)):
                if noise and rng.random() < 0.5:
                    red, green, blue = pixels[x, y]  # type: ignore[misc]
                    shift = rng.randint(-noise, noise)
                    pixels[x, y] = (
                        max(0, min(255, red + shift)),
                        max(0, min(255, green + shift)),
                        max(0, min(255, blue + shift)),
                    )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        if best and len(buffer.getvalue()) + 4 > target:
            break
        best = buffer.getvalue()
    if len(best) + 4 > target:
        return best  # the plainest picture is already larger: callers asking for less get it
    padding = target - len(best) - 4  # a COM segment: FF FE, two length bytes, the text
    segments = []
    while padding > 0:
        length = min(padding, 65533)
        segments.append(b"\xff\xfe" + (length + 2).to_bytes(2, "big") + b" " * length)
        padding -= length + 4
    return best[:2] + b"".join(segments) + best[2:]


def png_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), "white").save(buffer, "PNG")
    return buffer.getvalue()
