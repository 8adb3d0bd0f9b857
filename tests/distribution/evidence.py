"""Evidence of a collection at the counter as the devices give it: pictures drawn with Pillow, a
signature of two strokes, an ID card as a reader reads it."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from PIL import Image, ImageDraw

from ecert.core.identity.idnumbers import IdType
from ecert.core.rules.collection import CounterEvidence, IdSource
from tests.conftest import cast_id_number

ZHANG_KUN_ID = cast_id_number(1)  # 张堃, Jinan: the first Shandong record of the `paper` fixture
ZHAO_SHENG_ID = cast_id_number(4)  # 赵昇, Zhengzhou: the Henan holder with an e-proof
PROXY_NAME = "李代领"
PROXY_ID = "110101199003074477"


def picture(kind: str = "JPEG", size: tuple[int, int] = (640, 480), text: str = "") -> bytes:
    image = Image.new("RGB", size, (235, 232, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, size[0] - 40, size[1] - 40), outline=(150, 30, 30), width=6)
    if text:
        draw.text((60, 60), text, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, kind)
    return buffer.getvalue()


def signature_png() -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(((20, 150), (200, 40), (380, 160), (560, 50)), fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


STROKES: list[list[dict[str, float]]] = [
    [{"x": 20 + 12 * i, "y": 150 - 7 * i, "t": 16 * i, "p": 0.5} for i in range(16)],
    [{"x": 380 + 10 * i, "y": 160 - 6 * i, "t": 600 + 16 * i, "p": 0.62} for i in range(12)],
]

CARD_DATA = {
    "sex": "男",
    "nation": "汉",
    "birth": "19880517",
    "address": "山东省济南市历下区某路 1 号",
    "authority": "济南市公安局历下分局",
    "validFrom": "20200101",
    "validTo": "20400101",
}


def evidence(name: str = "张堃", id_number: str = ZHANG_KUN_ID, **changes: Any) -> CounterEvidence:
    """The holder in person, read by the card reader, with a camera picture and a signature."""
    base = CounterEvidence(
        collector_name=name,
        collector_id_type=IdType.RESIDENT_ID,
        collector_id_number=id_number,
        id_source=IdSource.READER,
        camera_image=picture(text="certificate"),
        signature_png=signature_png(),
        signature_strokes=STROKES,
        id_card_photo=picture(size=(102, 126)),
        id_card_data=CARD_DATA,
    )
    return replace(base, **changes)


def by_proxy(**changes: Any) -> CounterEvidence:
    """Someone else collects for the holder, with the holder's written authorisation."""
    settings = {"by_proxy": True, "authorisation_image": picture(text="authorisation"), **changes}
    return evidence(PROXY_NAME, PROXY_ID, **settings)
