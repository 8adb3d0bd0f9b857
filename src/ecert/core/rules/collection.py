"""The evidence of a collection at the counter, checked before anything is kept.

Seed 001 一(一): "考生现场领取的，要积极利用省厅配发的高拍仪、电子签名板、身份证阅读器等硬件设备留存领证
电子材料". A collection keeps who collected (read from the ID card by the reader, or typed when
there is none), a picture from the document camera (高拍仪), the handwritten signature from the
signature pad with its strokes, and, when someone collects for the holder (代领), the written
authorisation (委托书). Every piece is checked here; each fault is reported with the field it is
in, and all faults together, so the clerk fixes them in one go. docs/distribution.md.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

from PIL import Image, UnidentifiedImageError

from ecert.core.documents.render import Picture
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, IdType, parse_id_number
from ecert.core.identity.names import normalise_name

KB, MB = 1024, 1024 * 1024
# A document camera takes pictures of 5 to 16 megapixels; a JPEG of one is a few MB.
MAX_IMAGE_BYTES = 10 * MB
MAX_IMAGE_PIXELS = 40_000_000
# The chip of a resident ID card holds a 102 × 126 picture; readers hand it out as a small JPEG.
MAX_CARD_PHOTO_BYTES = 256 * KB
MAX_SIGNATURE_BYTES = 2 * MB
MAX_STROKES = 500
MAX_POINTS = 50_000
MAX_CARD_FIELDS = 20
MAX_CARD_VALUE = 200
T = TypeVar("T")

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


class IdSource(StrEnum):
    """How the collector's identity was taken."""

    READER = "reader"  # the ID-card reader (身份证阅读器)
    TYPED = "typed"  # typed from the card by the clerk: no reader, or the card would not read


ID_SOURCE_LABELS: dict[IdSource, tuple[str, str]] = {
    IdSource.READER: ("身份证阅读器读取", "read by the ID-card reader"),
    IdSource.TYPED: ("手工录入", "typed by the clerk"),
}


@dataclass(frozen=True)
class CounterEvidence:
    """What the counter gathered, as received (bytes of the pictures, the strokes as decoded
    JSON)."""

    collector_name: str
    collector_id_type: IdType
    collector_id_number: str
    id_source: IdSource
    camera_image: bytes
    signature_png: bytes
    signature_strokes: object
    by_proxy: bool = False
    id_card_photo: bytes | None = None
    id_card_data: Mapping[str, object] = field(default_factory=dict)
    authorisation_image: bytes | None = None


Point = dict[str, float]


@dataclass(frozen=True)
class CheckedEvidence:
    """The evidence after its checks: a valid ID number, a normalised name, pictures that
    decode, strokes of plain numbers."""

    by_proxy: bool
    collector_name: str
    collector_id: IdNumber
    id_source: IdSource
    id_card_photo: Picture | None
    id_card_data: dict[str, str]
    camera_image: Picture
    signature: Picture
    strokes: list[list[Point]]
    authorisation: Picture | None

    def digest(self) -> str:
        """SHA-256 over every piece, in a fixed order, each preceded by its length: changing any
        piece, or moving bytes from one to the next, changes the digest."""
        pieces: list[bytes] = [
            b"ecert-collection-v1",
            b"1" if self.by_proxy else b"0",
            self.collector_name.encode(),
            self.collector_id.type.value.encode(),
            self.collector_id.value.encode(),
            self.id_source.value.encode(),
            self.id_card_photo.data if self.id_card_photo else b"",
            canonical_json(self.id_card_data),
            self.camera_image.data,
            self.signature.data,
            canonical_json(self.strokes),
            self.authorisation.data if self.authorisation else b"",
        ]
        digest = hashlib.sha256()
        for piece in pieces:
            digest.update(len(piece).to_bytes(8, "big"))
            digest.update(piece)
        return digest.hexdigest()


def canonical_json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class EvidenceRefused(EcertError):
    """One or more pieces of the evidence are wrong; ``problems`` has each with its field. The
    error itself reads as the first problem."""

    def __init__(self, problems: Sequence[EcertError]) -> None:
        first = problems[0]
        super().__init__(first.code, first.zh, first.en, field=first.field, label=first.where.label)
        self.problems = tuple(problems)


LABELS: dict[str, tuple[str, str]] = {
    "collector_name": ("领证人姓名", "collector's name"),
    "collector_id_number": ("领证人证件号码", "collector's ID number"),
    "id_card_photo": ("身份证照片", "ID card photo"),
    "id_card_data": ("身份证信息", "ID card data"),
    "camera_image": ("高拍仪图像", "document camera picture"),
    "signature": ("领证人签名", "collector's signature"),
    "authorisation_image": ("委托书", "written authorisation"),
}


def _error(code: str, field_name: str, zh: str, en: str) -> EcertError:
    return EcertError(code, zh, en, field=field_name, label=LABELS[field_name])


def evidence_check(evidence: CounterEvidence, *, today: date) -> CheckedEvidence:
    """The evidence checked; EvidenceRefused lists every fault found."""
    problems: list[EcertError] = []

    def attempt(check: Callable[[], T], field_name: str, fallback: T) -> T:
        try:
            return check()
        except EcertError as error:
            problems.append(error.located(field=field_name, label=LABELS[field_name]))
            return fallback

    name = attempt(lambda: normalise_name(evidence.collector_name), "collector_name", "")
    collector_id = attempt(
        lambda: parse_id_number(
            evidence.collector_id_number, evidence.collector_id_type, today=today
        ),
        "collector_id_number",
        None,
    )
    card_photo = None
    if evidence.id_card_photo:
        card_photo = attempt(
            lambda: image_check(
                evidence.id_card_photo or b"", "id_card_photo", max_bytes=MAX_CARD_PHOTO_BYTES
            ),
            "id_card_photo",
            None,
        )
    no_data: dict[str, str] = {}
    card_data = attempt(
        lambda: card_data_check(evidence.id_card_data, today=today), "id_card_data", no_data
    )
    if not evidence.camera_image:
        problems.append(
            _error(
                "no_camera_image",
                "camera_image",
                "请用高拍仪拍摄（或上传）领证时的图像",
                "take (or upload) a picture with the document camera",
            )
        )
        camera = None
    else:
        camera = attempt(
            lambda: image_check(evidence.camera_image, "camera_image", max_bytes=MAX_IMAGE_BYTES),
            "camera_image",
            None,
        )
    no_strokes: list[list[Point]] = []
    strokes = attempt(lambda: strokes_check(evidence.signature_strokes), "signature", no_strokes)
    signature = None
    if evidence.signature_png:
        signature = attempt(
            lambda: image_check(
                evidence.signature_png,
                "signature",
                max_bytes=MAX_SIGNATURE_BYTES,
                types=("PNG",),
            ),
            "signature",
            None,
        )
    elif strokes:
        problems.append(
            _error(
                "no_signature_picture",
                "signature",
                "签名图像缺失，请清除后重新签名",
                "the signature picture is missing: clear the pad and sign again",
            )
        )
    authorisation = None
    if evidence.by_proxy:
        if not evidence.authorisation_image:
            problems.append(
                _error(
                    "no_authorisation",
                    "authorisation_image",
                    "代领须拍摄或上传持证人签字的委托书",
                    "collecting for the holder needs the holder's signed authorisation",
                )
            )
        else:
            authorisation = attempt(
                lambda: image_check(
                    evidence.authorisation_image or b"",
                    "authorisation_image",
                    max_bytes=MAX_IMAGE_BYTES,
                ),
                "authorisation_image",
                None,
            )
    if problems:
        raise EvidenceRefused(problems)
    assert collector_id is not None
    assert camera is not None
    assert signature is not None
    return CheckedEvidence(
        by_proxy=evidence.by_proxy,
        collector_name=name,
        collector_id=collector_id,
        id_source=IdSource(evidence.id_source),
        id_card_photo=card_photo if evidence.id_source is IdSource.READER else None,
        id_card_data=card_data if evidence.id_source is IdSource.READER else {},
        camera_image=camera,
        signature=signature,
        strokes=strokes,
        authorisation=authorisation,
    )


def image_check(
    data: bytes,
    field_name: str,
    *,
    max_bytes: int,
    types: tuple[str, ...] = ("JPEG", "PNG"),
) -> Picture:
    """A JPEG or PNG that decodes whole, within ``max_bytes`` and MAX_IMAGE_PIXELS."""
    kinds = "、".join(types)
    if len(data) > max_bytes:
        raise _error(
            "image_too_large",
            field_name,
            f"图像文件过大（{len(data) // KB} KB），不能超过 {max_bytes // KB} KB",
            f"the picture is too large ({len(data) // KB} KB; at most {max_bytes // KB} KB)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                width, height = image.size
                if kind in types and width * height <= MAX_IMAGE_PIXELS:
                    image.load()  # a truncated or corrupt file fails here, not later
    except (
        OSError,
        UnidentifiedImageError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as error:
        raise _error(
            "bad_image",
            field_name,
            f"图像无法读取，须为完整的 {kinds} 图片",
            f"the picture cannot be read: it must be a whole {kinds.replace('、', ' or ')} file",
        ) from error
    if kind not in types:
        raise _error(
            "bad_image_type",
            field_name,
            f"图像须为 {kinds} 格式",
            f"the picture must be {kinds.replace('、', ' or ')}",
        )
    if width * height > MAX_IMAGE_PIXELS:
        raise _error(
            "image_too_large",
            field_name,
            f"图像像素过多（{width}×{height}），请降低高拍仪分辨率",
            f"the picture has too many pixels ({width}×{height}); lower the camera's resolution",
        )
    return Picture(data, IMAGE_TYPES[kind], width, height)


def strokes_check(raw: object) -> list[list[Point]]:
    """The pen strokes of the signature pad: a list of strokes, each a list of points
    ``{x, y, t, p}`` (pixels on the pad, milliseconds since the first point, pressure 0–1). At
    least one stroke must have two points: a signature, not a dot or nothing."""
    bad = _error(
        "bad_strokes",
        "signature",
        "签名笔迹数据无效，请清除后重新签名",
        "the signature's stroke data is not valid: clear the pad and sign again",
    )
    if not isinstance(raw, list) or len(raw) > MAX_STROKES:
        raise bad
    strokes: list[list[Point]] = []
    total = 0
    for stroke in raw:
        if not isinstance(stroke, list):
            raise bad
        total += len(stroke)
        if total > MAX_POINTS:
            raise bad
        points = []
        for point in stroke:
            if not isinstance(point, dict):
                raise bad
            values = {}
            for key in ("x", "y", "t", "p"):
                value = point.get(key, 0.5 if key == "p" else None)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise bad
                if not math.isfinite(value):
                    raise bad
                values[key] = round(float(value), 2)
            if not 0 <= values["p"] <= 1:
                raise bad
            points.append(values)
        if points:
            strokes.append(points)
    if not any(len(stroke) >= 2 for stroke in strokes):
        raise _error(
            "no_signature",
            "signature",
            "请领证人在签名板上签名",
            "the collector must sign on the signature pad",
        )
    return strokes


_CARD_DAY = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def card_data_check(data: Mapping[str, object], *, today: date) -> dict[str, str]:
    """The ID card's other fields as the reader gave them (sex, nation, birth, address, issuing
    office, validity …): short texts only. A card whose ``validTo`` day has passed is refused:
    an expired card does not prove who collects."""
    if not isinstance(data, Mapping) or len(data) > MAX_CARD_FIELDS:
        raise _error(
            "bad_card_data",
            "id_card_data",
            "身份证阅读器传来的信息无效，请重新读卡或手工录入",
            "the card reader's data is not valid: read the card again or type the details",
        )
    clean: dict[str, str] = {}
    for key, value in data.items():
        if value is None or value == "":
            continue
        text = str(value).strip()
        if (
            not isinstance(key, str)
            or not 0 < len(key) <= 32
            or not isinstance(value, str | int)
            or len(text) > MAX_CARD_VALUE
            or not text.isprintable()
        ):
            raise _error(
                "bad_card_data",
                "id_card_data",
                f"身份证阅读器传来的“{str(key)[:32]}”无效，请重新读卡或手工录入",
                f"the card reader's {str(key)[:32]!r} is not valid: read again or type",
            )
        clean[key] = text
    valid_to = _CARD_DAY.fullmatch(clean.get("validTo", ""))
    if valid_to is not None:
        try:
            last = date(*(int(part) for part in valid_to.groups()))
        except ValueError:
            last = None
        if last is not None and last < today:
            raise _error(
                "card_expired",
                "id_card_data",
                f"该身份证已于 {last:%Y-%m-%d} 过期，不能作为领证身份证明",
                f"the ID card expired on {last:%Y-%m-%d} and cannot prove who collects",
            )
    return clean


def same_name(typed: str, on_record: str) -> bool:
    """The collector's name and the holder's, compared as names are normalised, in constant
    time."""
    try:
        left, right = normalise_name(typed), normalise_name(on_record)
    except EcertError:
        return False
    return hmac.compare_digest(left.encode(), right.encode())
