"""Electronic licence identifiers (电子证照标识) of GB/T 36904-2018 (docs/formats/identifiers.md).

An identifier reads ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``: the licence
type code (证照类型代码), the issuing body's code (颁发机构代码), a serial number, a version
number and one check character from ISO/IEC 7064 MOD 37,36 (GB/T 17710). Every credential we
issue carries one, so parsing is strict and fails only with :class:`EcertError`.

The full text of GB/T 36904 is not public. That the check character is computed over the whole
identifier with the dots removed (``1215630052`` + type + issuer + serial + version) is our
reading of it, not a quotation; change :func:`identifier_check_character` if the text says
otherwise.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import NamedTuple

from ecert.core.errors import EcertError
from ecert.core.rules.authorities import credit_code_is_valid

__all__ = [
    "ISO7064_ALPHABET",
    "PREFIX",
    "IdentifierSeries",
    "LicenceIdentifier",
    "format_serial",
    "identifier_check_character",
    "iso7064_mod37_36_check",
    "iso7064_mod37_36_is_valid",
    "issuer_code_is_credit_code",
    "parse_identifier",
]

PREFIX = "1.2.156.3005.2"
_PREFIX_ARCS = tuple(PREFIX.split("."))
_PARTS_AFTER_PREFIX = 5  # type, issuer, serial, version, check

# ISO/IEC 7064 hybrid system MOD 37,36: characters 0-9 then A-Z stand for 0..35; M = 36.
ISO7064_ALPHABET = string.digits + string.ascii_uppercase
_VALUE = {character: value for value, character in enumerate(ISO7064_ALPHABET)}
_M = len(ISO7064_ALPHABET)


def iso7064_mod37_36_check(text: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character for ``text`` (characters 0-9 and A-Z)."""
    if any(character not in _VALUE for character in text):
        raise ValueError("iso7064_mod37_36_check needs characters 0-9 and A-Z only")
    # The check value a makes (P + a) mod M come out as 1.
    return ISO7064_ALPHABET[(_M + 1 - _hybrid_state(text)) % _M]


def iso7064_mod37_36_is_valid(text_with_check: str) -> bool:
    """True if the last character of ``text_with_check`` is the right MOD 37,36 check character.

    This is the standard's own test: run the hybrid recurrence over every character, the check
    character included, and the last sum must leave 1 modulo 36. Never raises.
    """
    if not text_with_check or any(c not in _VALUE for c in text_with_check):
        return False
    state = _hybrid_state(text_with_check[:-1])
    return (state + _VALUE[text_with_check[-1]]) % _M == 1


def _hybrid_state(text: str, state: int = _M) -> int:
    """P after ``text``: P starts at M (or at the state after an earlier part), and each character
    a makes it (P + a) mod M (0 read as M), times 2, mod M + 1."""
    for character in text:
        state = ((state + _VALUE[character]) % _M or _M) * 2 % (_M + 1)
    return state


def issuer_code_is_credit_code(issuer_code: str) -> bool:
    """True if ``issuer_code`` is a valid 18-character unified social credit code (GB 32100)."""
    return credit_code_is_valid(issuer_code)


class _Part(NamedTuple):
    """One dot-separated part after the prefix: its error code, rule and names."""

    code: str
    pattern: re.Pattern[str]
    name_zh: str
    name_en: str
    rule_zh: str
    rule_en: str


_TYPE = _Part(
    "bad_type",
    re.compile(r"[0-9A-Z]{1,32}"),
    "证照类型代码",
    "licence type code",
    "1 至 32 位数字或大写字母",
    "1 to 32 digits or capital letters",
)
_ISSUER = _Part(
    "bad_issuer",
    re.compile(r"[0-9A-Z]{1,32}"),
    "颁发机构代码",
    "issuing body code",
    "1 至 32 位数字或大写字母",
    "1 to 32 digits or capital letters",
)
_SERIAL = _Part(
    "bad_serial",
    re.compile(r"[0-9]{1,20}"),
    "流水号",
    "serial number",
    "1 至 20 位数字",
    "1 to 20 digits",
)
_VERSION = _Part(
    "bad_version",
    re.compile(r"[0-9]{1,4}"),
    "版本号",
    "version number",
    "1 至 4 位数字",
    "1 to 4 digits",
)
_CHECK = _Part(
    "bad_check",
    re.compile(r"[0-9A-Z]"),
    "校验位",
    "check character",
    "1 位数字或大写字母",
    "one digit or capital letter",
)


def _require(part: _Part, value: str) -> None:
    if not part.pattern.fullmatch(value):
        raise EcertError(
            part.code,
            f"电子证照标识的{part.name_zh}应为{part.rule_zh}",
            f"The {part.name_en} of a licence identifier must be {part.rule_en}",
        )


def identifier_check_character(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    """MOD 37,36 over the identifier without its dots and check character (our reading)."""
    return iso7064_mod37_36_check("".join((*_PREFIX_ARCS, type_code, issuer_code, serial, version)))


class IdentifierSeries:
    """Identifiers that share their type and issuer codes (one authority's batch): the check
    recurrence over the shared beginning is run once, not once per identifier."""

    def __init__(self, type_code: str, issuer_code: str, serial_width: int) -> None:
        _require(_TYPE, type_code)
        _require(_ISSUER, issuer_code)
        self.serial_width = serial_width
        self._head = ".".join((PREFIX, type_code, issuer_code)) + "."
        self._state = _hybrid_state("".join((*_PREFIX_ARCS, type_code, issuer_code)))

    def text(self, serial: int, version: int = 1) -> str:
        """What ``LicenceIdentifier.build(...).text`` gives for the same parts."""
        serial_text = _zero_pad(serial, self.serial_width, _SERIAL, 20)
        version_text = _zero_pad(version, 1 if version < 10 else len(str(version)), _VERSION, 4)
        state = _hybrid_state(serial_text + version_text, self._state)
        check = ISO7064_ALPHABET[(_M + 1 - state) % _M]
        return f"{self._head}{serial_text}.{version_text}.{check}"


def format_serial(number: int, width: int) -> str:
    """``number`` zero-padded to ``width`` digits; EcertError if it does not fit."""
    return _zero_pad(number, width, _SERIAL, 20)


def _zero_pad(number: int, width: int, part: _Part, limit: int) -> str:
    if not 1 <= width <= limit:
        raise ValueError(f"width must be 1 to {limit}, not {width}")
    text = str(number)
    if number < 0 or len(text) > width:
        raise EcertError(
            part.code,
            f"{part.name_zh} {number} 不是 {width} 位以内的非负整数",
            f"{part.name_en} {number} is not a non-negative number of at most {width} digits",
        )
    return text.zfill(width)


@dataclass(frozen=True)
class LicenceIdentifier:
    """A valid identifier's four parts; ``serial`` and ``version`` keep their leading zeros."""

    type_code: str
    issuer_code: str
    serial: str
    version: str

    def __post_init__(self) -> None:
        _require(_TYPE, self.type_code)
        _require(_ISSUER, self.issuer_code)
        _require(_SERIAL, self.serial)
        _require(_VERSION, self.version)

    @classmethod
    def build(
        cls,
        *,
        type_code: str,
        issuer_code: str,
        serial: int,
        serial_width: int,
        version: int,
        version_width: int = 1,
    ) -> LicenceIdentifier:
        """An identifier from numbers, zero-padded to the widths (serial ≤ 20, version ≤ 4)."""
        return cls(
            type_code,
            issuer_code,
            _zero_pad(serial, serial_width, _SERIAL, 20),
            _zero_pad(version, version_width, _VERSION, 4),
        )

    @property
    def check(self) -> str:
        return identifier_check_character(
            self.type_code, self.issuer_code, self.serial, self.version
        )

    @property
    def text(self) -> str:
        """The full identifier, check character included."""
        return ".".join(
            (PREFIX, self.type_code, self.issuer_code, self.serial, self.version, self.check)
        )

    @property
    def issuer_is_credit_code(self) -> bool:
        return issuer_code_is_credit_code(self.issuer_code)

    def __str__(self) -> str:
        return self.text


def parse_identifier(text: str) -> LicenceIdentifier:
    """Read ``text`` exactly as written (no trimming or case folding); EcertError if bad."""
    parts = text.split(".")
    if tuple(parts[: len(_PREFIX_ARCS)]) != _PREFIX_ARCS:
        raise EcertError(
            "bad_prefix",
            f"电子证照标识应以 {PREFIX}. 开头",
            f"A licence identifier must start with {PREFIX}.",
        )
    expected_parts = len(_PREFIX_ARCS) + _PARTS_AFTER_PREFIX
    if len(parts) != expected_parts:
        raise EcertError(
            "bad_shape",
            f"电子证照标识应由点分隔为 {expected_parts} 段，实为 {len(parts)} 段",
            f"A licence identifier has {expected_parts} dot-separated parts, not {len(parts)}",
        )
    type_code, issuer_code, serial, version, check = parts[len(_PREFIX_ARCS) :]
    identifier = LicenceIdentifier(type_code, issuer_code, serial, version)
    _require(_CHECK, check)
    expected = identifier.check
    if check != expected:
        raise EcertError(
            "bad_check",
            f"电子证照标识的校验位应为 {expected}，实为 {check}",
            f"The check character of the licence identifier should be {expected}, not {check}",
        )
    return identifier
