"""The demo round seal (drawn with Pillow) and the checks an uploaded seal picture must pass."""

from __future__ import annotations

import random
from io import BytesIO

import pytest
from PIL import Image

from ecert.core.documents.seals import SEAL_RED, check_seal_png, round_seal_png
from ecert.core.errors import EcertError

NAME = "山东省人力资源和社会保障厅"


def _alpha(image: Image.Image, xy: tuple[int, int]) -> int:
    """The coverage (0–255) of one pixel of a single-band image."""
    value = image.getpixel(xy)
    assert isinstance(value, int)
    return value


@pytest.fixture(scope="module")
def seal() -> Image.Image:
    image = Image.open(BytesIO(round_seal_png(NAME, caption="证书专用章")))
    image.load()
    return image


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_demo_seal_passes_the_upload_check() -> None:
    assert check_seal_png(round_seal_png(NAME, caption="证书专用章")) == (600, 600)


def test_the_demo_seal_is_red_on_a_transparent_background(seal: Image.Image) -> None:
    assert (seal.format, seal.mode, seal.size) == ("PNG", "RGBA", (600, 600))
    assert seal.getpixel((5, 5)) == (*SEAL_RED, 0)  # a corner, outside the ring
    assert seal.convert("RGB").getcolors() == [(600 * 600, SEAL_RED)]
    _lowest, highest = seal.getchannel("A").getextrema()
    assert isinstance(highest, int)
    assert 200 <= highest < 255  # the ink lets the text under it show through


def test_the_demo_seal_has_a_ring_a_star_and_text(seal: Image.Image) -> None:
    alpha = seal.getchannel("A")
    assert _alpha(alpha, (300, 15)) > 128  # the ring at twelve o'clock
    assert _alpha(alpha, (300, 300)) > 128  # the star's centre
    assert _alpha(alpha, (300, 170)) == 0  # between the star's top point and the name
    name_band = alpha.crop((150, 40, 450, 120))  # the middle of the name, along the top
    caption_band = alpha.crop((180, 420, 420, 480))  # 证书专用章 below the star
    assert sum(name_band.histogram()[129:]) > 2000
    assert sum(caption_band.histogram()[129:]) > 1000


def test_a_seal_without_a_caption_leaves_the_space_below_the_star_empty() -> None:
    image = Image.open(BytesIO(round_seal_png("山东大学")))
    below_star = image.getchannel("A").crop((180, 420, 420, 480))
    assert below_star.getextrema() == (0, 0)


def test_a_long_name_still_fits(seal: Image.Image) -> None:
    long = round_seal_png("中华人民共和国人力资源和社会保障部", caption="证书专用章", size=400)
    assert check_seal_png(long) == (400, 400)


def test_a_seal_needs_a_name() -> None:
    with pytest.raises(EcertError) as raised:
        round_seal_png("  ")
    assert raised.value.code == "no_name"


def test_a_jpeg_is_refused_whatever_its_name() -> None:
    out = BytesIO()
    Image.new("RGB", (600, 600), "white").save(out, format="JPEG")
    with pytest.raises(EcertError) as raised:
        check_seal_png(out.getvalue())
    assert raised.value.code == "not_png"
    assert "PNG" in raised.value.zh
    assert "PNG" in raised.value.en


def test_a_damaged_png_is_refused(seal: Image.Image) -> None:
    data = _png(seal)
    with pytest.raises(EcertError) as raised:
        check_seal_png(data[: len(data) // 2])
    assert raised.value.code == "unreadable"


def test_a_png_without_alpha_is_refused(seal: Image.Image) -> None:
    with pytest.raises(EcertError) as raised:
        check_seal_png(_png(seal.convert("RGB")))
    assert raised.value.code == "no_alpha"


def test_a_png_with_an_opaque_background_is_refused() -> None:
    with pytest.raises(EcertError) as raised:
        check_seal_png(_png(Image.new("RGBA", (600, 600), (255, 255, 255, 255))))
    assert raised.value.code == "not_transparent"


@pytest.mark.parametrize(("width", "height"), [(150, 150), (2100, 2100), (800, 400)])
def test_a_png_of_the_wrong_size_or_shape_is_refused(width: int, height: int) -> None:
    with pytest.raises(EcertError) as raised:
        check_seal_png(_png(Image.new("RGBA", (width, height), (0, 0, 0, 0))))
    assert raised.value.code in {"bad_size", "not_square"}
    assert f"{width}×{height}" in raised.value.zh


def test_a_png_over_one_megabyte_is_refused_before_it_is_decoded() -> None:
    noise = Image.frombytes("RGBA", (1000, 1000), random.Random(3).randbytes(4_000_000))
    data = _png(noise)
    assert len(data) > 1 << 20
    with pytest.raises(EcertError) as raised:
        check_seal_png(data)
    assert raised.value.code == "too_big"


def test_a_palette_png_with_transparency_is_accepted() -> None:
    image = Image.new("P", (300, 300), 0)
    image.info["transparency"] = 0
    assert check_seal_png(_png(image)) == (300, 300)
