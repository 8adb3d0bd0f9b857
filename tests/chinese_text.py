"""What a Chinese reader sees on a page, and what in it is not Chinese.

`visible_text` keeps what a browser shows or reads out (text outside scripts and styles, the
title/placeholder/alt/aria-label attributes, the label of a button), except what the page marks
as English on purpose with ``lang="en"`` (the public verdict's line for a foreign reader) and
the identifiers it marks ``translate="no"`` (an authority's key, which the API and the command
line take); `foreign` lists the parts of
that text that are English words, Python values or internal codes.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# ASCII words a Chinese page may carry, each for a reason:
ALLOWED_WORDS = frozenset(
    {
        # file formats and technical terms Chinese writes in Latin letters
        "PDF",
        "OFD",  # GB/T 33190 版式文件, named so in the notices of the e-licence platforms
        "QR",
        "API",
        "ID",
        "CSV",
        "XLS",
        "XLSX",
        "URL",
        "JSON",
        "PNG",
        "JPG",
        "JPEG",
        "ZIP",
        "HTTP",
        "HTTPS",
        "IP",
        "PWA",
        "COSE",
        "CBOR",
        "CA",
        "SHA",
        "TSA",
        "OCSP",
        "CRL",
        "SD",  # SD-JWT VC, the wallet format's name (docs/formats/sd-jwt-vc.md)
        "JWT",
        "JWK",  # the JSON form of a wallet's public key (JWK), asked for by its name
        "VC",
        # standards, algorithms and key types by their names
        "GB",
        "ISO",
        "X",
        "ECDSA",
        "EdDSA",
        "Ed25519",
        "ES256",
        "SM2",
        "SM3",
        "PKCS",
        "RFC",
        "OpenID",
        "Connect",
        "OIDC",
        "UTF",
        # the columns of the ministry's pass-list and records format, by their official codes
        "ZSGLH",
        "KSXM",
        "ZJHM",
        "ZJLB",
        "XB",
        "BKJB",
        "BKZY",
        "CSNY",
        "PZRQ",
        "ZP",
        "BMS",
        # products and protocol literals a user types or picks as they are
        "Excel",
        "xls",
        "Authorization",
        "Bearer",
        # units
        "KB",
        "MB",
        "px",
        "mm",
        "cm",
        "ms",
        "dpi",
        # file extensions as written after a dot (.zip, .pdf)
        "zip",
        "pdf",
        "xlsx",
        "csv",
        "png",
        "jpg",
        # the language switch names the other language in that language
        "English",
        # the carrier's name (中国邮政 EMS) and the project's
        "EMS",
        "ecert",
    }
)
# The display names the test cast was given are data (their usernames), not codes.
_PYTHON = re.compile(r"\b(None|True|False)\b|\{'|\['|\[\]|\[\"|datetime\.|<[a-z_]+\.[A-Za-z_]+")
_CODE = re.compile(r"(?<![\w.@/-])[a-z][a-z0-9]*(?:[_.][a-z][a-z0-9]*)+(?![\w@/-])")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/@+-]*")
_WORD = re.compile(r"[A-Za-z]{2,}")


class _Visible(HTMLParser):
    SKIP = frozenset({"script", "style", "template", "noscript"})
    ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0  # depth inside an element left out
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if (
            self._skipping
            or tag in self.SKIP
            or str(values.get("lang", "")).startswith("en")
            or values.get("translate") == "no"
        ):
            if tag not in self.VOID:
                self._stack.append(tag)
                self._skipping += 1
            return
        for name in self.ATTRIBUTES:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._stack and self._stack[-1] == tag:
            self._stack.pop()
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.parts


def foreign(text: str, *, data: frozenset[str] = frozenset()) -> list[str]:
    """The English, Python values and internal codes in ``text``; ``data`` are strings the test
    put there itself (names, free text), which are what a user typed, not the page's words."""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    found = [m.group(0) for m in _PYTHON.finditer(text)]
    found += [m.group(0) for m in _CODE.finditer(text)]
    for token in _TOKEN.findall(text):
        if any(c.isdigit() for c in token) or "@" in token or "/" in token:
            continue  # numbers, identifiers, digests, dates, addresses
        for word in _WORD.findall(token):
            if word not in ALLOWED_WORDS and not (word.isupper() and len(token) >= 8):
                found.append(word)
    return found


def problems(html: str, *, data: frozenset[str] = frozenset()) -> list[str]:
    """Each visible piece of text that has something foreign in it, with what."""
    out = []
    for part in visible_text(html):
        bad = foreign(part, data=data)
        if bad:
            out.append(f"{part[:160]!r} → {sorted(set(bad))}")
    return out
