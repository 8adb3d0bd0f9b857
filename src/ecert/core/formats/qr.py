"""The QR text of a credential: ``HTTPS://<verify host>/V/<payload>``, one code that works two ways.

The scheme is the deployment's (``HTTP`` only for a development server such as the demo's, which
serves plain HTTP); a verifier reads texts with either scheme alike.

A phone camera opens the URL as the online verification page; an offline verifier reads the
payload, which is the signed credential itself. The whole text uses only QR alphanumeric
characters (5.5 bits each) so the code stays small: the payload is written in base42, the 42
alphanumeric characters that are safe in a URL path (base45 of RFC 9285 without space, ``%`` and
``/``). Two bytes become three characters, a last odd byte two, least significant digit first.
The payload is a version byte (1) followed by an untagged COSE_Sign1. docs/formats/qr.md
describes it with test vectors.
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any, cast

import segno
import zxingcpp
from PIL import Image as PilImage

from ecert.core.errors import EcertError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-.:"
# bytes.translate table: an alphabet character to its value, anything else to 0xFF.
_DECODE_TABLE = bytes(ALPHABET.find(chr(code)) & 0xFF for code in range(256))
BASE = len(ALPHABET)  # 42
PAYLOAD_VERSION = 1
PATH = "/V/"
SCHEMES = ("HTTPS", "HTTP")  # the first is the default; both are QR alphanumerics when upper-case
MAX_QR_VERSION = 12
ERROR_LEVEL = "M"
# Pixels a module in the QR picture of an OFD: 8 keeps a version-12 symbol at 584 px, sharp when
# a reader draws it 32 mm wide at 300 dpi (about 380 px) or a scanner decodes it.
QR_PNG_SCALE = 8
# Alphanumeric characters a version-12 symbol holds at level M (ISO/IEC 18004, table 7).
MAX_TEXT_CHARS = 419
MAX_PAYLOAD_CHARS = 600  # far above what fits in a version-12 code; longer text is refused unread
# The lowest byte of every 3-byte slot, for payloads up to the longest read (base42_decode).
_SLOT_LOW_SLOTS = MAX_PAYLOAD_CHARS // 3 + 1
_SLOT_LOW = int.from_bytes(b"\xff\0\0" * _SLOT_LOW_SLOTS, "little")
_HOST = re.compile(
    r"[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?(?:\.[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?)*(?::[0-9]{1,5})?"
)


def base42_encode(data: bytes) -> str:
    chars: list[str] = []
    for start in range(0, len(data) - 1, 2):
        value = data[start] * 256 + data[start + 1]
        value, first = divmod(value, BASE)
        third, second = divmod(value, BASE)
        chars += (ALPHABET[first], ALPHABET[second], ALPHABET[third])
    if len(data) % 2:
        high, low = divmod(data[-1], BASE)
        chars += (ALPHABET[low], ALPHABET[high])
    return "".join(chars)


def base42_decode(text: str) -> bytes:
    """Decode base42 strictly: only the alphabet, no impossible lengths or values."""
    if len(text) % 3 == 1:
        raise EcertError("bad_length", "二维码内容长度不正确", "payload has an impossible length")
    try:
        values = text.encode("ascii").translate(_DECODE_TABLE)
    except UnicodeEncodeError:
        values = b"\xff"
    if b"\xff" in values:
        raise EcertError(
            "bad_character", "二维码内容含有非法字符", "payload contains a character outside base42"
        )
    # All groups at once, in C: the digits read as one little-endian integer hold each group in a
    # 3-byte slot (low, mid, high); masks and shifts take the three digits of every slot apart, and
    # low + 42·mid + 42²·high < 2²⁴ leaves each slot's value in its slot (no carry crosses). A last
    # pair is a slot of its own with high = 0, whose value is the last byte.
    groups, rest = divmod(len(values), 3)
    slots = groups + (rest > 0)
    low = _SLOT_LOW if slots <= _SLOT_LOW_SLOTS else int.from_bytes(b"\xff\0\0" * slots, "little")
    digits = int.from_bytes(values, "little")
    summed = (
        (digits & low) + (digits >> 8 & low) * BASE + (digits >> 16 & low) * (BASE * BASE)
    ).to_bytes(3 * slots, "little")
    if summed[2::3].count(0) != slots or (rest and summed[-2] != 0):  # > 65,535, or a byte > 255
        raise EcertError("bad_value", "二维码内容无法解码", "payload does not decode")
    out = bytearray(2 * groups)
    out[0::2] = summed[1 : 3 * groups : 3]  # each group's two bytes, most significant first
    out[1::2] = summed[0 : 3 * groups : 3]
    if rest:
        out.append(summed[-3])
    return bytes(out)


def qr_text(host: str, signed: bytes, *, scheme: str = SCHEMES[0]) -> str:
    """The QR text for a signed credential (an untagged COSE_Sign1), upper-case throughout."""
    host, scheme = host.upper(), scheme.upper()
    if not _HOST.fullmatch(host):
        raise EcertError("bad_host", "验证网址的主机名无效", f"invalid verification host {host!r}")
    if scheme not in SCHEMES:
        raise EcertError(
            "bad_scheme", "验证网址的协议只能是 https 或 http", f"invalid scheme {scheme!r}"
        )
    return f"{scheme}://{host}{PATH}{base42_encode(bytes([PAYLOAD_VERSION]) + signed)}"


def qr_text_length(host: str, signed: bytes, *, scheme: str = SCHEMES[0]) -> int:
    """``len(qr_text(host, signed, scheme=scheme))``, without building the text (bulk issuance
    checks it)."""
    payload = 1 + len(signed)
    return len(scheme) + 3 + len(host) + len(PATH) + 3 * (payload // 2) + 2 * (payload % 2)


def qr_fits(host: str, signed: bytes, *, scheme: str = SCHEMES[0]) -> bool:
    """True if the credential's QR text fits a version-12 symbol at level M."""
    return qr_text_length(host, signed, scheme=scheme) <= MAX_TEXT_CHARS


def parse_qr_text(text: str) -> tuple[str, bytes]:
    """Split QR text into (host, signed bytes); raise EcertError for anything else.

    Scheme (HTTPS or HTTP) and host are compared without regard to case, as browsers do; the
    path and payload must be exactly as written.
    """
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.upper() not in SCHEMES:
        raise EcertError("not_ecert", "不是本系统的证书二维码", "not an ecert certificate QR code")
    host, sep, payload = rest.partition(PATH)
    if not sep or not _HOST.fullmatch(host.upper()):
        raise EcertError("not_ecert", "不是本系统的证书二维码", "not an ecert certificate QR code")
    if not payload:
        raise EcertError("empty", "二维码内容为空", "the payload is empty")
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise EcertError("too_long", "二维码内容过长", "the payload is too long")
    data = base42_decode(payload)
    if not data:
        raise EcertError("empty", "二维码内容为空", "the payload is empty")
    if data[0] != PAYLOAD_VERSION:
        raise EcertError(
            "unsupported_version",
            f"不支持的二维码版本 {data[0]}",
            f"unsupported payload version {data[0]}",
        )
    return host.upper(), data[1:]


def make_qr(text: str) -> segno.QRCode:
    """The QR symbol at error level M; refuse text that needs more than version 12."""
    try:
        code = segno.make_qr(text, error=ERROR_LEVEL, boost_error=False, mode="alphanumeric")
    except (segno.DataOverflowError, ValueError) as error:
        raise _too_big() from error
    if not isinstance(code.version, int) or code.version > MAX_QR_VERSION:
        raise _too_big()
    return code


def _too_big() -> EcertError:
    return EcertError(
        "too_big",
        f"证书内容过多，二维码超过版本 {MAX_QR_VERSION}（纠错等级 M）",
        f"the credential does not fit a version-{MAX_QR_VERSION} QR code at level M",
    )


def _symbol(text: str) -> zxingcpp.Barcode:
    """The QR symbol at level M; zxing-cpp encodes it in about a millisecond, against 10 ms for
    segno at version 12 (it picks the same alphanumeric mode and version). Above version 12 it is
    refused."""
    if len(text) > MAX_TEXT_CHARS:
        raise _too_big()
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_LEVEL)
    modules = symbol.position.bottom_right.x + 1  # 17 + 4 × version
    if modules > 17 + 4 * MAX_QR_VERSION:
        raise _too_big()
    return symbol


def qr_svg(text: str) -> str:
    """The QR symbol as SVG (one path, four-module quiet zone) for the certificate layout."""
    svg: str = _symbol(text).to_svg(add_quiet_zones=True)
    return svg


def qr_png(text: str, *, scale: int = QR_PNG_SCALE) -> tuple[bytes, int]:
    """The QR symbol as a black-and-white PNG, ``scale`` pixels a module with the four-module quiet
    zone, and its width in pixels. The OFD carries its QR code as this picture, so that a reader
    of the package finds the code among its pictures (decision 315)."""
    image = _symbol(text).to_image(scale=scale, add_quiet_zones=True)
    height, width = image.shape  # one byte a pixel, 0 or 255
    pixels = bytes(cast(Any, image))  # it has the buffer protocol; its type stub does not say so
    picture = PilImage.frombuffer("L", (width, height), pixels, "raw", "L", 0, 1)
    out = BytesIO()
    # Already black and white: no dithering (it cost 1.5 ms for the same pixels). optimize=True
    # would cost 8 ms for a few hundred bytes.
    picture.convert("1", dither=PilImage.Dither.NONE).save(out, "PNG")
    return out.getvalue(), width
