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

import segno
import zxingcpp

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
# Alphanumeric characters a version-12 symbol holds at level M (ISO/IEC 18004, table 7).
MAX_TEXT_CHARS = 419
MAX_PAYLOAD_CHARS = 600  # far above what fits in a version-12 code; longer text is refused unread
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
    full = len(values) - len(values) % 3
    try:
        out = bytearray(
            b"".join(
                (low + mid * BASE + high * BASE * BASE).to_bytes(2, "big")
                for low, mid, high in zip(
                    values[0:full:3], values[1:full:3], values[2:full:3], strict=True
                )
            )
        )
        if full < len(values):
            out += (values[full] + values[full + 1] * BASE).to_bytes(1, "big")
    except OverflowError as error:
        raise EcertError("bad_value", "二维码内容无法解码", "payload does not decode") from error
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


def qr_svg(text: str) -> str:
    """The QR symbol as SVG (one path, four-module quiet zone) for the certificate layout.

    zxing-cpp encodes it in about a millisecond, against 10 ms for segno at version 12 (it picks
    the same alphanumeric mode and version); a symbol above version 12 is refused.
    """
    if len(text) > MAX_TEXT_CHARS:
        raise _too_big()
    symbol = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_LEVEL)
    modules = symbol.position.bottom_right.x + 1  # 17 + 4 × version
    if modules > 17 + 4 * MAX_QR_VERSION:
        raise _too_big()
    svg: str = symbol.to_svg(add_quiet_zones=True)
    return svg
