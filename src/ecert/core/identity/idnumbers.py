"""Identity-document numbers: normalise, validate, mask (see docs/id-numbers.md).

ID numbers are personal data: nothing here puts a full number into an error message,
``str()`` or ``repr()``; use :func:`mask_id_number` wherever a third party may look.
"""

from __future__ import annotations

import operator
import re
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from ecert.core.errors import EcertError


class IdType(StrEnum):
    """Kind of identity document a number belongs to."""

    RESIDENT_ID = "resident_id"
    HK_MACAO_RESIDENCE_PERMIT = "hk_macao_residence_permit"
    TAIWAN_RESIDENCE_PERMIT = "taiwan_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    PASSPORT = "passport"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Label(NamedTuple):
    """A name in Chinese and in English."""

    zh: str
    en: str


ID_TYPE_LABELS: Mapping[IdType, Label] = MappingProxyType(
    {
        IdType.RESIDENT_ID: Label("居民身份证", "Resident identity card"),
        IdType.HK_MACAO_RESIDENCE_PERMIT: Label(
            "港澳居民居住证", "Residence permit for Hong Kong and Macao residents"
        ),
        IdType.TAIWAN_RESIDENCE_PERMIT: Label(
            "台湾居民居住证", "Residence permit for Taiwan residents"
        ),
        IdType.FOREIGN_PERMANENT_RESIDENCE: Label(
            "外国人永久居留身份证", "Foreign permanent resident ID card"
        ),
        IdType.PASSPORT: Label("护照", "Passport"),
    }
)

SEX_LABELS: Mapping[Sex, Label] = MappingProxyType(
    {Sex.MALE: Label("男", "male"), Sex.FEMALE: Label("女", "female")}
)


@dataclass(frozen=True, repr=False)
class IdNumber:
    """A validated number in canonical form, with what its layout tells about the holder."""

    type: IdType
    value: str
    birth_date: date | None
    sex: Sex | None

    def __str__(self) -> str:
        return mask_id_number(self.value)

    def __repr__(self) -> str:
        return f"IdNumber(type={self.type.value!r}, value={str(self)!r})"


# Province-level codes of GB/T 2260 (71 is Taiwan); 81/82/83 and 9 lead other documents.
_PROVINCES = frozenset(
    str(code)
    for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71))
    for code in range(first, last + 1)
)
_PREFIXES: Mapping[IdType, tuple[str, ...]] = MappingProxyType(
    {
        IdType.HK_MACAO_RESIDENCE_PERMIT: ("810000", "820000"),
        IdType.TAIWAN_RESIDENCE_PERMIT: ("830000",),
        IdType.FOREIGN_PERMANENT_RESIDENCE: ("9",),
    }
)
_EARLIEST_BIRTH = date(1900, 1, 1)
_CHECK_CHARACTERS = "10X98765432"
_GB11643_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7, 9, 10, 5, 8, 4, 2, 1, 6 …
_ASCII_ZERO_TOTAL = ord("0") * sum(_GB11643_WEIGHTS)
_DIGITS = re.compile(r"[0-9]+")
_GB11643_18 = re.compile(r"[0-9]{17}[0-9X]")
_FOREIGN_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_PASSPORT = re.compile(r"[A-Z0-9]+")
_PASSPORT_MAX = 20

# Full-width digits and letters to ASCII, lower case to upper, ideographic space to space.
_WIDE = (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), *range(0x61, 0x7B))
_NORMALISE = str.maketrans(
    "".join(map(chr, _WIDE)) + "\u3000", string.digits + string.ascii_uppercase * 3 + " "
)


def gb11643_check_character(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 ASCII digits."""
    if len(first17) != 17 or not _DIGITS.fullmatch(first17):
        raise ValueError("gb11643_check_character needs exactly 17 ASCII digits")
    # Weighted sum over the ASCII codes, less what the code of "0" (48) adds to every digit.
    total = sum(map(operator.mul, first17.encode("ascii"), _GB11643_WEIGHTS))
    return _CHECK_CHARACTERS[(total - _ASCII_ZERO_TOTAL) % 11]


def mask_id_number(value: str) -> str:
    """Hide the middle of a number with ``*``, keeping its length.

    Longer than 8 characters: keep 4 at each end, but never more than a quarter of it each;
    3 to 8 characters: keep 1 at each end; 2 or fewer: hide everything.
    """
    length = len(value)
    if length <= 2:
        return "*" * length
    keep = min(4, length // 4) if length > 8 else 1
    return value[:keep] + "*" * (length - 2 * keep) + value[-keep:]


def detect_id_type(raw: str) -> IdType | None:
    """Best guess at the type of a number whose type was not given (import files)."""
    value = _normalise(raw)
    if len(value) == 18 and _GB11643_18.fullmatch(value):
        if value[:2] == "83":
            return IdType.TAIWAN_RESIDENCE_PERMIT
        if value[:2] in ("81", "82"):
            return IdType.HK_MACAO_RESIDENCE_PERMIT
        if value[0] == "9" and gb11643_check_character(value[:17]) == value[17]:
            return IdType.FOREIGN_PERMANENT_RESIDENCE
        return IdType.RESIDENT_ID
    if len(value) == 15 and _FOREIGN_2017.fullmatch(value):
        return IdType.FOREIGN_PERMANENT_RESIDENCE
    if len(value) == 15 and _DIGITS.fullmatch(value):
        return IdType.RESIDENT_ID
    return None


def parse_id_number(
    raw: str, id_type: IdType = IdType.RESIDENT_ID, *, today: date | None = None
) -> IdNumber:
    """Normalise and validate ``raw`` as a number of ``id_type``; raise EcertError if bad."""
    id_type = IdType(id_type)  # also accepts the stored string form
    value = _normalise(raw)
    if not value:
        raise EcertError("empty", "证件号码为空", "ID number is empty")
    return _PARSERS[id_type](id_type, value, today or date.today())


def _normalise(raw: str) -> str:
    return "".join(raw.translate(_NORMALISE).split())


def _parse_resident(id_type: IdType, value: str, today: date) -> IdNumber:
    if len(value) not in (15, 18):
        raise _fail("bad_length", "18 位（旧号码 15 位）", "18 (old: 15)", len(value))
    if not (_DIGITS.fullmatch(value) if len(value) == 15 else _GB11643_18.fullmatch(value)):
        raise _fail("bad_characters", "数字，18 位号码末位可为 X", "digits, the 18th may be X")
    if value[:2] in ("81", "82", "83") or value[0] == "9":
        raise _fail(
            "wrong_type_prefix",
            "这是港澳台居民居住证或外国人永久居留身份证的号码",
            "this is a residence permit or foreign permanent resident ID card number",
        )
    if value[:2] not in _PROVINCES:
        raise EcertError(
            "bad_region",
            "证件号码前两位不是有效的省级行政区划代码",
            "The first two digits of the ID number are not a valid province code",
        )
    if len(value) == 15:
        first17 = value[:6] + "19" + value[6:]
        value = first17 + gb11643_check_character(first17)
    return _parse_gb11643_body(id_type, value, today)


def _parse_foreign(id_type: IdType, value: str, today: date) -> IdNumber:
    if len(value) not in (15, 18):
        raise _fail("bad_length", "18 位（2017 版 15 位）", "18 (2017 card: 15)", len(value))
    if len(value) == 15:
        if not _FOREIGN_2017.fullmatch(value):
            raise _fail("bad_characters", "3 个英文字母加 12 位数字", "3 letters then 12 digits")
        return IdNumber(id_type, value, _two_digit_year_birth_date(value[7:13], today), None)
    return _parse_permit(id_type, value, today)


def _parse_permit(id_type: IdType, value: str, today: date) -> IdNumber:
    if len(value) != 18:
        raise _fail("bad_length", "18 位", "18", len(value))
    if not _GB11643_18.fullmatch(value):
        raise _fail("bad_characters", "数字，末位可为 X", "digits, the last may be X")
    prefixes = _PREFIXES[id_type]
    if not value.startswith(prefixes):
        label = ID_TYPE_LABELS[id_type]
        raise _fail(
            "wrong_type_prefix",
            f"{label.zh}号码以 {' 或 '.join(prefixes)} 开头",
            f"a {label.en} number starts with {' or '.join(prefixes)}",
        )
    return _parse_gb11643_body(id_type, value, today)


def _parse_passport(id_type: IdType, value: str, today: date) -> IdNumber:
    if len(value) > _PASSPORT_MAX:
        raise _fail("bad_length", f"1 至 {_PASSPORT_MAX} 位", f"1 to {_PASSPORT_MAX}", len(value))
    if not _PASSPORT.fullmatch(value):
        raise _fail("bad_characters", "英文字母和数字", "letters and digits")
    return IdNumber(id_type, value, None, None)


_PARSERS: Mapping[IdType, Callable[[IdType, str, date], IdNumber]] = MappingProxyType(
    {
        IdType.RESIDENT_ID: _parse_resident,
        IdType.HK_MACAO_RESIDENCE_PERMIT: _parse_permit,
        IdType.TAIWAN_RESIDENCE_PERMIT: _parse_permit,
        IdType.FOREIGN_PERMANENT_RESIDENCE: _parse_foreign,
        IdType.PASSPORT: _parse_passport,
    }
)


def _parse_gb11643_body(id_type: IdType, value: str, today: date) -> IdNumber:
    """Birth date (digits 7–14) and check character of a GB 11643 layout; sex from digit 17."""
    birth_date = _birth_date(value[6:14], today)
    expected = gb11643_check_character(value[:17])
    if value[17] != expected:
        raise EcertError(
            "bad_checksum",
            f"证件号码校验位错误，应为 {expected}",
            f"ID number check character is wrong; expected {expected}",
        )
    if id_type is IdType.FOREIGN_PERMANENT_RESIDENCE:
        return IdNumber(id_type, value, birth_date, None)
    return IdNumber(id_type, value, birth_date, Sex.MALE if int(value[16]) % 2 else Sex.FEMALE)


def _birth_date(yyyymmdd: str, today: date) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        raise _fail("bad_birth_date", "不是真实的日期", "is not a real calendar date") from None
    if born > today:
        raise _fail("bad_birth_date", "晚于今天", "is in the future")
    if born < _EARLIEST_BIRTH:
        raise _fail("bad_birth_date", "早于 1900 年", "is before 1900")
    return born


def _two_digit_year_birth_date(yymmdd: str, today: date) -> date:
    """Read YYMMDD as the latest date between 1900 and today that it can stand for."""
    for century in ("20", "19"):
        try:
            return _birth_date(century + yymmdd, today)
        except EcertError:
            continue
    raise _fail("bad_birth_date", "不是 1900 年至今的日期", "is not a date from 1900 to today")


_TEMPLATES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "bad_length": (
            "证件号码应为 {zh}，实为 {n} 位",
            "ID number needs {en} characters, not {n}",
        ),
        "bad_characters": (
            "证件号码含有不允许的字符，只能是{zh}",
            "ID number has characters that are not allowed; use only {en}",
        ),
        "wrong_type_prefix": (
            "证件号码与证件类型不符：{zh}",
            "ID number does not fit the document type: {en}",
        ),
        "bad_birth_date": ("证件号码中的出生日期{zh}", "The birth date in the ID number {en}"),
    }
)


def _fail(code: str, zh: str, en: str, n: int = 0) -> EcertError:
    """Build an error from the template for ``code``; ``n`` is a length, never the number."""
    template_zh, template_en = _TEMPLATES[code]
    return EcertError(code, template_zh.format(zh=zh, n=n), template_en.format(en=en, n=n))
