"""Canonical claims v1: the signed content of every ecert credential, as a fixed CBOR map.

Every field printed on the notices' certificate faces (seed 002 样式1/2, seed 000 附件2, seed 003)
has an integer key, so the claims fit a QR code with the signature. Text travels as GB18030
byte strings (two bytes for a common Han character where UTF-8 takes three; GB 18030 covers all
of Unicode), NFC-normalised when the claims are built and required to be NFC when read, so one
credential has exactly one encoding. Reading is strict: unknown keys, wrong types, out-of-range values and non-NFC text are
refused with an ``EcertError`` whose ``field`` names the claim. docs/formats/credential-v1.md documents every field.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from datetime import date
from enum import IntEnum
from typing import Any

import cbor2

from ecert.core.errors import EcertError
from ecert.core.formats.cbor import deterministic_dumps, strict_loads
from ecert.core.identity.idnumbers import IdType, gb11643_check_character
from ecert.core.identity.names import FORMULA_STARTS
from ecert.core.identity.public_ids import ALPHABET as PUBLIC_ID_ALPHABET
from ecert.core.identity.public_ids import LENGTH as PUBLIC_ID_LENGTH
from ecert.core.rules.kinds import CredentialKind

VERSION = 1


class KindCode(IntEnum):
    """Integer codes of the credential kinds, as they travel in the claims."""

    NATIONAL_CERTIFICATE = 1
    PROVINCIAL_CERTIFICATE = 2
    EXAM_PROOF = 3
    TITLE_CERTIFICATE = 4
    SCORE_PROOF = 5
    QUALIFICATION_PROOF = 6

    @property
    def kind(self) -> CredentialKind:
        return CredentialKind[self.name]

    @classmethod
    def of(cls, kind: CredentialKind) -> KindCode:
        return cls[CredentialKind(kind).name]


class IdTypeCode(IntEnum):
    """ID document types (the ZJLB column of seed 001), as integers."""

    RESIDENT = 1  # 居民身份证
    HK_MACAO_RESIDENCE = 2  # 港澳居民居住证
    TAIWAN_RESIDENCE = 3  # 台湾居民居住证
    FOREIGN_PERMANENT = 4  # 外国人永久居留身份证
    PASSPORT = 5  # 护照
    OTHER = 9

    @classmethod
    def of(cls, id_type: IdType | str) -> IdTypeCode:
        return _ID_TYPE_CODES.get(IdType(id_type), cls.OTHER)


_ID_TYPE_CODES = {
    IdType.RESIDENT_ID: IdTypeCode.RESIDENT,
    IdType.HK_MACAO_RESIDENCE_PERMIT: IdTypeCode.HK_MACAO_RESIDENCE,
    IdType.TAIWAN_RESIDENCE_PERMIT: IdTypeCode.TAIWAN_RESIDENCE,
    IdType.FOREIGN_PERMANENT_RESIDENCE: IdTypeCode.FOREIGN_PERMANENT,
    IdType.PASSPORT: IdTypeCode.PASSPORT,
}


class SexCode(IntEnum):
    """GB/T 2261.1: 1 male, 2 female."""

    MALE = 1
    FEMALE = 2


STATUS_LIST_SIZE = 131_072  # entries per status list; a credential's list is index // size


@dataclass(frozen=True)
class Claims:
    """One credential's signed facts. Dates are ``date``; optional fields are None when absent.

    Sex and birth month are carried only for ID documents that do not encode them; for a
    resident ID number they are read from the number (``holder_sex`` / ``holder_birth_month``).
    """

    kind: KindCode
    public_id: str
    issuer: int  # the issuing authority's number in the trust list
    signed_at: int  # seconds since the Unix epoch, UTC
    status_index: int  # entry in the status lists; list number = index // STATUS_LIST_SIZE
    holder_name: str
    id_type: IdTypeCode
    id_number: str
    approval_date: date
    number: str  # 管理号 (qualification) or 证书编号 (title)
    issue_date: date  # 制发日期 / 签发时间
    qualification: int | None = None  # catalogue code of the qualification (trust list names it)
    title: str | None = None  # 职称 name of a title certificate, e.g. 高级教师
    sex: SexCode | None = None
    birth_month: tuple[int, int] | None = None  # (year, month)
    level: str | None = None
    specialty: str | None = None
    series: str | None = None  # 职称系列 of a title certificate
    exam_year: int | None = None  # 年度 of an exam proof
    grassroots: bool | None = None  # 基层 title (seed 003 第五条(三))
    verification_code: str | None = None  # 验证码 of an electronic title certificate
    valid_until: date | None = None  # last valid day, for proofs and scoped copies
    purpose: str | None = None  # 加注 text of a scoped copy
    licence_version: int | None = None  # GB/T 36904 identifier version; absent means 1

    def __post_init__(self) -> None:
        _check(self)

    def to_cbor(self) -> bytes:
        return deterministic_dumps(_to_map(self))

    @property
    def status_list(self) -> int:
        return self.status_index // STATUS_LIST_SIZE

    @property
    def status_offset(self) -> int:
        return self.status_index % STATUS_LIST_SIZE

    @property
    def holder_sex(self) -> SexCode | None:
        if self.sex is not None or self.id_type is not IdTypeCode.RESIDENT:
            return self.sex
        return SexCode.MALE if int(self.id_number[16]) % 2 else SexCode.FEMALE

    @property
    def holder_birth_month(self) -> tuple[int, int] | None:
        if self.birth_month is not None or self.id_type is not IdTypeCode.RESIDENT:
            return self.birth_month
        return (int(self.id_number[6:10]), int(self.id_number[10:12]))


# key, attribute, kind of value, required, max length (text)
_TEXT, _INT, _DATE, _MONTH, _BOOL, _PID = "text", "int", "date", "month", "bool", "pid"
_SCHEMA: tuple[tuple[int, str, str, bool, int], ...] = (
    (1, "kind", _INT, True, 0),
    (2, "public_id", _PID, True, 0),
    (3, "issuer", _INT, True, 0),
    (4, "signed_at", _INT, True, 0),
    (5, "status_index", _INT, True, 0),
    (6, "holder_name", _TEXT, True, 40),
    (7, "id_type", _INT, True, 0),
    (8, "id_number", _TEXT, True, 32),
    (9, "sex", _INT, False, 0),
    (10, "birth_month", _MONTH, False, 0),
    (11, "qualification", _INT, False, 0),
    (12, "level", _TEXT, False, 16),
    (13, "specialty", _TEXT, False, 32),
    (14, "series", _TEXT, False, 32),
    (15, "approval_date", _DATE, True, 0),
    (16, "number", _TEXT, True, 32),
    (17, "issue_date", _DATE, True, 0),
    (18, "exam_year", _INT, False, 0),
    (19, "grassroots", _BOOL, False, 0),
    (20, "verification_code", _TEXT, False, 8),
    (21, "valid_until", _DATE, False, 0),
    (22, "purpose", _TEXT, False, 20),
    (23, "licence_version", _INT, False, 0),
    (24, "title", _TEXT, False, 16),
)
_BY_KEY = {key: (name, kind, required, limit) for key, name, kind, required, limit in _SCHEMA}
# Longest text, in characters, each text claim may carry.
TEXT_LIMITS = {name: limit for _, name, kind, _, limit in _SCHEMA if kind == _TEXT}
_INT_RANGES: dict[str, tuple[int, int]] = {
    "issuer": (0, 2**32 - 1),
    "qualification": (1, 2**32 - 1),
    "signed_at": (946_684_800, 4_102_444_800),  # 2000-01-01 … 2100-01-01
    "status_index": (0, 2**40 - 1),
    "exam_year": (1980, 2100),
    "licence_version": (1, 9999),
}
assert {f.name for f in fields(Claims)} == {name for _, name, *_ in _SCHEMA}


# The codes with which building claims (``Claims(...)``, ``claim_text_check``) refuses a value;
# reading them adds its own. A caller that signs claims tells these apart by code from what else
# signing may raise (a key store that fails, an identifier that cannot be built).
BUILD_CODES = frozenset(
    {
        "not_nfc",
        "empty",
        "too_long",
        "bad_character",
        "formula",
        "out_of_range",
        "bad_public_id",
        "qualification_or_title",
        "derivable",
        "bad_id_number",
    }
)


def _bad(code: str, field: str, zh: str, en: str) -> EcertError:
    return EcertError(code, zh, en, field=field)


def _check_text(field: str, value: str, limit: int, *, normalise: bool) -> str:
    if normalise:
        value = unicodedata.normalize("NFC", value.strip())
    elif not unicodedata.is_normalized("NFC", value):
        raise _bad("not_nfc", field, "文字未按 NFC 规范化", "text is not NFC-normalised")
    if not value:
        raise _bad("empty", field, "内容为空", "value is empty")
    if len(value) > limit:
        raise _bad("too_long", field, f"超过 {limit} 个字符", f"longer than {limit} characters")
    # isprintable() is False for every refused category (and for spaces other than U+0020, which
    # are allowed), so the character-by-character check runs only for unusual text.
    if not value.isprintable() and any(
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for c in value
    ):
        raise _bad(
            "bad_character",
            field,
            "含有控制字符或未分配字符",
            "contains a control or unassigned character",
        )
    return value


_TEXT_LIMITS = {name: limit for _, name, kind, _required, limit in _SCHEMA if kind == _TEXT}


def formula_refusal(text: str, field: str = "") -> EcertError | None:
    """Why ``text`` (already stripped) cannot be printed or exported, if it looks like a formula
    (``FORMULA_STARTS``). Checked before recording and signing; claims already signed are not
    judged by it."""
    if not text.startswith(FORMULA_STARTS):
        return None
    return _bad(
        "formula",
        field,
        f"不能以“{text[0]}”开头（像电子表格公式）",
        f"cannot start with {text[0]!r} (it looks like a spreadsheet formula)",
    )


def line_text_check(field: str, value: str) -> str:
    """A one-line text that is printed or exported (stripped, NFC; blank stays blank): no control
    character and no formula; EcertError says what is wrong."""
    if not value.strip():
        return ""
    text = _check_text(field, value, len(value), normalise=True)
    refusal = formula_refusal(text, field)
    if refusal is not None:
        raise refusal
    return text


def claim_text_check(field: str, value: str) -> str:
    """A text claim's value as it will be signed (stripped, NFC), so that a record can be refused
    when it is made rather than when it is signed: its length, characters and no formula;
    EcertError says what is wrong."""
    text = _check_text(field, value, _TEXT_LIMITS[field], normalise=True)
    refusal = formula_refusal(text, field)
    if refusal is not None:
        raise refusal
    return text


def _check(claims: Claims) -> None:
    """Validate and NFC-normalise (frozen dataclass: normalised text is written back)."""
    for _, name, kind, _required, limit in _SCHEMA:
        value = getattr(claims, name)
        if value is None:
            continue
        if kind == _TEXT:
            object.__setattr__(claims, name, _check_text(name, value, limit, normalise=True))
        elif kind == _INT and name in _INT_RANGES:
            low, high = _INT_RANGES[name]
            if not low <= value <= high:
                raise _bad("out_of_range", name, "数值超出范围", "value out of range")
        elif kind == _MONTH:
            year, month = value
            if not (1900 <= year <= 2100 and 1 <= month <= 12):
                raise _bad("out_of_range", name, "出生年月无效", "invalid birth month")
    if len(claims.public_id) != PUBLIC_ID_LENGTH or any(
        c not in PUBLIC_ID_ALPHABET for c in claims.public_id
    ):
        raise _bad("bad_public_id", "public_id", "证书公开编号格式错误", "malformed public id")
    object.__setattr__(claims, "kind", KindCode(claims.kind))
    object.__setattr__(claims, "id_type", IdTypeCode(claims.id_type))
    if claims.sex is not None:
        object.__setattr__(claims, "sex", SexCode(claims.sex))
    if (claims.qualification is None) == (claims.title is None):
        raise _bad(
            "qualification_or_title",
            "qualification",
            "须有资格代码或职称名称，且只能有一个",
            "exactly one of qualification code and title is required",
        )
    if claims.id_type is IdTypeCode.RESIDENT and (
        claims.sex is not None or claims.birth_month is not None
    ):
        raise _bad(
            "derivable",
            "sex",
            "居民身份证号码已含性别和出生年月，不应另行填写",
            "sex and birth month come from the resident ID number; leave them out",
        )
    if claims.id_type is IdTypeCode.RESIDENT and not (
        len(claims.id_number) == 18
        and claims.id_number[:17].isdigit()
        and gb11643_check_character(claims.id_number[:17]) == claims.id_number[17]
    ):
        raise _bad(
            "bad_id_number", "id_number", "居民身份证号码格式错误", "malformed resident ID number"
        )


def _public_id_bytes(public_id: str) -> bytes:
    number = 0
    for char in public_id:
        number = number * 32 + PUBLIC_ID_ALPHABET.index(char)
    return number.to_bytes(10, "big")


# Every pair of alphabet characters, by the 10 bits it stands for: 80 bits are 8 pairs.
_PUBLIC_ID_PAIRS = tuple(a + b for a in PUBLIC_ID_ALPHABET for b in PUBLIC_ID_ALPHABET)


def _public_id_text(raw: bytes) -> str:
    n, pairs = int.from_bytes(raw, "big"), _PUBLIC_ID_PAIRS
    return (
        pairs[n >> 70 & 0x3FF]
        + pairs[n >> 60 & 0x3FF]
        + pairs[n >> 50 & 0x3FF]
        + pairs[n >> 40 & 0x3FF]
        + pairs[n >> 30 & 0x3FF]
        + pairs[n >> 20 & 0x3FF]
        + pairs[n >> 10 & 0x3FF]
        + pairs[n & 0x3FF]
    )


def _date_int(value: date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _to_map(claims: Claims) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for key, name, kind, _required, _limit in _SCHEMA:
        value = getattr(claims, name)
        if value is None:
            continue
        if kind == _PID:
            out[key] = _public_id_bytes(value)
        elif kind == _DATE:
            out[key] = _date_int(value)
        elif kind == _MONTH:
            out[key] = value[0] * 100 + value[1]
        elif name == "id_number" and claims.id_type is IdTypeCode.RESIDENT:
            out[key] = int(value[:17])  # the check character is recomputed when read
        elif kind == _TEXT:
            out[key] = value.encode("gb18030")
        else:
            out[key] = value if kind == _BOOL else int(value)
    return out


def claims_from_cbor(data: bytes) -> Claims:
    """Read v1 claims strictly; raise EcertError for anything a v1 writer would not produce."""
    claims = _claims_as_written(data)
    return claims if claims is not None else _claims_read_strictly(data)


# What ``_claims_as_written`` needs of the schema, computed once.
_REQUIRED_KEYS = frozenset(key for key, _name, _kind, required, _limit in _SCHEMA if required)
_ABSENT: dict[str, Any] = {f.name: None for f in fields(Claims)}  # required ones are all present
assert all(f.default in (None, MISSING) for f in fields(Claims))
_KIND_CODES = {int(code): code for code in KindCode}
_ID_TYPE_BY_INT = {int(code): code for code in IdTypeCode}
_SEX_CODES = {int(code): code for code in SexCode}
_RESIDENT_ID_LIMIT = 10**17
# CBOR key -> (attribute, kind, longest text, lowest and highest integer); the kinds are the
# module's constant strings, compared by identity. Integers without a range here are codes,
# looked up after the pass (kind, ID type, sex).
_AS_WRITTEN: dict[int, tuple[str, str, int, int, float]] = {
    key: (name, kind, limit, *_INT_RANGES.get(name, (0, math.inf)))
    for key, name, kind, _required, limit in _SCHEMA
}
_DECODE_ERRORS = (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError)


def _claims_as_written(data: bytes) -> Claims | None:
    """The claims if ``data`` is what a v1 writer produces (deterministic encoding, every value of
    its type, in range, NFC text without edge spaces or unprintable characters), read in one pass;
    None for anything else, which ``_claims_read_strictly`` then reads or refuses with its reason.

    Every check of the strict reader and of ``Claims.__post_init__`` is made here, so when this
    returns claims the strict reader returns equal claims. With the keys in rising order, bytes
    equal to cbor2's (shortest) encoding of the plain values read are their deterministic encoding
    (the strict reader's canonical check) and hold no trailing data, indefinite length or
    duplicate key.
    """
    try:
        item = cbor2.loads(data, max_depth=2, allow_indefinite=False, allow_duplicate_keys=False)
    except _DECODE_ERRORS:
        return None
    if type(item) is not dict or not item.keys() >= _REQUIRED_KEYS:
        return None
    values = dict(_ABSENT)
    previous = 0
    for key, value in item.items():
        spec = _AS_WRITTEN.get(key)
        # Keys 1 to 24 in rising order are the deterministic order (each is one or two bytes).
        if spec is None or type(key) is not int or key <= previous:
            return None
        previous = key
        name, kind, limit, low, high = spec
        if kind is _INT:  # the most frequent, then text
            if type(value) is not int or not low <= value <= high:
                return None
            values[name] = value
        elif kind is _TEXT:
            if type(value) is int and name == "id_number":
                if not 0 <= value < _RESIDENT_ID_LIMIT:
                    return None
                body = f"{value:017d}"
                values[name] = body + gb11643_check_character(body)
                continue
            if type(value) is not bytes:
                return None
            try:
                text = value.decode("gb18030")
            except UnicodeDecodeError:
                return None
            if not (
                text
                and len(text) <= limit
                and text.isprintable()
                and text.strip() == text
                and unicodedata.is_normalized("NFC", text)
                and text.encode("gb18030") == value
            ):
                return None
            values[name] = text
        elif kind is _BOOL:
            if type(value) is not bool:
                return None
            values[name] = value
        elif kind is _PID:
            if type(value) is not bytes or len(value) != 10:
                return None
            values[name] = _public_id_text(value)
        elif type(value) is not int or value < 0:
            return None
        elif kind is _DATE:
            try:
                values[name] = date(value // 10000, value // 100 % 100, value % 100)
            except (ValueError, OverflowError):
                return None
        else:  # _MONTH
            year, month = divmod(value, 100)
            if not (1900 <= year <= 2100 and 1 <= month <= 12):
                return None
            values[name] = (year, month)
    kind_code = _KIND_CODES.get(values["kind"])
    id_type = _ID_TYPE_BY_INT.get(values["id_type"])
    sex = values["sex"]
    if sex is not None:
        sex = _SEX_CODES.get(sex)
        if sex is None:
            return None
    resident = id_type is IdTypeCode.RESIDENT
    if (
        kind_code is None
        or id_type is None
        or (values["qualification"] is None) == (values["title"] is None)
        # a resident ID number travels as the integer of its first 17 digits, any other as text
        or resident != (type(item[8]) is int)
        or (resident and (sex is not None or values["birth_month"] is not None))
        or cbor2.dumps(item) != data  # keys in order: the shortest forms are deterministic
    ):
        return None
    values["kind"], values["id_type"], values["sex"] = kind_code, id_type, sex
    claims: Claims = object.__new__(Claims)
    claims.__dict__.update(values)  # frozen: checked above, as Claims.__post_init__ would
    return claims


def _claims_read_strictly(data: bytes) -> Claims:
    """Read claims step by step, refusing with the first reason found (``claims_from_cbor``)."""
    try:
        item = strict_loads(data, max_depth=2)
    except EcertError as error:
        raise _bad(
            "not_cbor", "claims", "内容不是有效的 CBOR", "content is not valid CBOR"
        ) from error
    if not isinstance(item, Mapping):
        raise _bad("not_map", "claims", "内容不是映射", "content is not a map")
    values: dict[str, Any] = {}
    for key, value in item.items():
        if type(key) is not int or key not in _BY_KEY:
            raise _bad("unknown_field", str(key), "未知字段", "unknown field")
        name, kind, _required, _limit = _BY_KEY[key]
        if name == "id_number" and type(value) is int:
            values[name] = _resident_id_number(value)
        else:
            values[name] = _read_value(name, kind, value)
    for _key, name, _kind, required, _limit in _SCHEMA:
        if required and name not in values:
            raise _bad("missing_field", name, "缺少必填字段", "required field missing")
    for name, _kind, limit in ((n, k, lim) for _, n, k, _r, lim in _SCHEMA if k == _TEXT):
        if name in values:
            _check_text(name, values[name], limit, normalise=False)
    try:
        claims = Claims(**values)
    except ValueError as error:
        if isinstance(error, EcertError):
            raise
        raise _bad("out_of_range", "claims", "代码值无效", "invalid code value") from error
    if claims.to_cbor() != data:
        raise _bad("not_canonical", "claims", "编码不是规范形式", "encoding is not canonical")
    return claims


def _resident_id_number(value: int) -> str:
    if not 0 <= value < 10**17:
        raise _bad(
            "bad_id_number", "id_number", "居民身份证号码格式错误", "malformed resident ID number"
        )
    body = f"{value:017d}"
    return body + gb11643_check_character(body)


def _read_value(name: str, kind: str, value: Any) -> Any:
    if kind == _TEXT:
        if type(value) is not bytes:
            raise _bad("wrong_type", name, "应为 GB18030 字节串", "expected GB18030 bytes")
        try:
            text = value.decode("gb18030")
        except UnicodeDecodeError as error:
            raise _bad(
                "bad_encoding", name, "不是有效的 GB18030 编码", "not valid GB18030"
            ) from error
        if text.encode("gb18030") != value:
            raise _bad("bad_encoding", name, "不是有效的 GB18030 编码", "not valid GB18030")
        return text
    if kind == _BOOL:
        if type(value) is not bool:
            raise _bad("wrong_type", name, "应为布尔值", "expected a boolean")
        return value
    if kind == _PID:
        if type(value) is not bytes or len(value) != 10:
            raise _bad("wrong_type", name, "应为 10 字节", "expected 10 bytes")
        return _public_id_text(value)
    if type(value) is not int or value < 0:
        raise _bad("wrong_type", name, "应为非负整数", "expected a non-negative integer")
    if kind == _DATE:
        try:
            return date(value // 10000, value // 100 % 100, value % 100)
        except (ValueError, OverflowError) as error:
            raise _bad("bad_date", name, "日期无效", "invalid date") from error
    if kind == _MONTH:
        return (value // 100, value % 100)
    return value
