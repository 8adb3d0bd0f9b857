"""Holder photos: the rules of seed 001 附件 二.3, checked before a photo is kept.

"考生电子照片用于证书打印（补办 2017 年及以后年度取得的证书，申请人无需提供照片），必须是标准证件照，
要求底色为白色，JPG 或 JPEG 格式，像素 295*413，文件大小应在 10KB 至 30KB 之间（计算机技术与软件
专业技术资格和通信专业技术人员职业资格证书补换电子照片须大于 30KB）".

Each rule broken is reported with its own code and the rule in words, so the clerk knows what to
change. KB is read as 1,024 bytes, as Windows shows a file's size (docs/decisions.md). The white
background is judged on a quarter-scale decode of the upper border (the head and shoulders fill
the middle and the bottom), so a check costs well under a millisecond.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from PIL import Image, UnidentifiedImageError

from ecert.core.errors import EcertError
from ecert.core.rules.catalogue import PhotoRule

WIDTH, HEIGHT = 295, 413
KB = 1024
MIN_BYTES, MAX_BYTES = 10 * KB, 30 * KB
# Certificates approved in this year or later are replaced without a photo.
NO_PHOTO_FROM_YEAR = 2017
# A border pixel counts as white when its darkest channel is at least this bright and its
# channels differ by at most WHITE_SPREAD (a grey or tinted wall is not white).
WHITE_MIN, WHITE_SPREAD = 200, 40
WHITE_SHARE = 0.9  # of the sampled border
BORDER = 0.08  # share of the width and height sampled along the top and the upper sides

LABEL = ("照片", "photo")
# What photo_check refuses with, by code.
PHOTO_CODES = frozenset(
    {
        "photo_background",
        "photo_file_size",
        "photo_not_jpeg",
        "photo_pixels",
        "photo_too_small",
        "photo_unreadable",
    }
)


@dataclass(frozen=True)
class Photo:
    """A photo that passed every rule: its JPEG bytes, as received."""

    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def photo_required(approval_date: date) -> bool:
    """Whether a certificate approved on ``approval_date`` needs a photo to be reprinted."""
    return approval_date.year < NO_PHOTO_FROM_YEAR


def photo_check(data: bytes, *, rule: PhotoRule = PhotoRule.STANDARD, name: str = "") -> Photo:
    """``data`` as a Photo, or EcertError naming the first rule it breaks; ``name`` is the file
    name, for the message."""

    def refused(code: str, zh: str, en: str) -> EcertError:
        return EcertError(code, zh, en, file=name, field="photo", label=LABEL)

    if not data.startswith(b"\xff\xd8\xff"):
        raise refused(
            "photo_not_jpeg",
            "照片须为 JPG 或 JPEG 格式",
            "the photo must be a JPEG (.jpg or .jpeg) file",
        )
    size = len(data)
    if rule is PhotoRule.OVER_30KB:
        if size <= MAX_BYTES:
            raise refused(
                "photo_too_small",
                f"计算机技术与软件、通信证书的照片须大于 30KB（此照片 {size / KB:.1f}KB）",
                f"photos for 计算机技术与软件 and 通信 certificates must be larger than 30 KB "
                f"(this one is {size / KB:.1f} KB)",
            )
    elif not MIN_BYTES <= size <= MAX_BYTES:
        raise refused(
            "photo_file_size",
            f"照片文件大小须在 10KB 至 30KB 之间（此照片 {size / KB:.1f}KB）",
            f"the photo file must be 10 KB to 30 KB (this one is {size / KB:.1f} KB)",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "JPEG":
                raise refused(
                    "photo_not_jpeg",
                    "照片须为 JPG 或 JPEG 格式",
                    "the photo must be a JPEG (.jpg or .jpeg) file",
                )
            if image.size != (WIDTH, HEIGHT):
                width, height = image.size
                raise refused(
                    "photo_pixels",
                    f"照片须为 295×413 像素（此照片 {width}×{height}）",
                    f"the photo must be 295 × 413 pixels (this one is {width} × {height})",
                )
            image.draft("RGB", (WIDTH // 4, HEIGHT // 4))
            white = _white_border_share(image.convert("RGB"))
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise refused(
            "photo_unreadable",
            "照片文件已损坏，无法读取",
            "the photo file is damaged and cannot be read",
        ) from error
    if white < WHITE_SHARE:
        raise refused(
            "photo_background",
            "照片底色须为白色",
            "the photo's background must be white",
        )
    return Photo(data)


def _white_border_share(image: Image.Image) -> float:
    """The share of white pixels along the top edge and the upper halves of the sides."""
    width, height = image.size
    band_x, band_y = max(1, round(width * BORDER)), max(1, round(height * BORDER))
    boxes = (
        (0, 0, width, band_y),  # top
        (0, band_y, band_x, height // 2),  # upper left
        (width - band_x, band_y, width, height // 2),  # upper right
    )
    white = total = 0
    for box in boxes:
        pixels = image.crop(box).tobytes()  # R, G, B, R, G, B …
        for start in range(0, len(pixels), 3):
            red, green, blue = pixels[start : start + 3]
            total += 1
            low, high = min(red, green, blue), max(red, green, blue)
            if low >= WHITE_MIN and high - low <= WHITE_SPREAD:
                white += 1
    return white / total if total else 0.0
