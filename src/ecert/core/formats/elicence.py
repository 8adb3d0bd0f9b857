"""The e-licence platform record (电子证照元数据, GB/T 36903-2018) of one credential, as XML.

The provincial e-licence systems (山东省电子证照系统, 河南省政务服务网) ingest each licence as its
metadata plus its sealed document. The record is built from the signed claims and from what the
credential's row and the trust list add (the identifier, the issuer's name, the qualification's
name, the status, the attached document's digests); nothing else goes in. Which element names are
confirmed from public sources and which are ours is said in docs/formats/elicence.md, one row each.

``record_check`` is the reader's side: the checks written from the standard (required elements
present, codes well-formed, the identifier's check character right), used by the tests and
available to anyone who wants to check a record before sending it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ecert.core.errors import EcertError
from ecert.core.formats.claims import Claims, IdTypeCode, KindCode, SexCode
from ecert.core.formats.identifiers import parse_identifier
from ecert.core.rules.issuing import KIND_LABELS
from ecert.core.rules.kinds import CredentialStatus

NAMESPACE = "urn:ecert:elicence:gbt36903:1"
ROOT = "LicenceMetadata"
RECORD_VERSION = "1"
MEDIA_TYPE = "application/xml"
LONG_TERM = "长期"  # an end date that does not come: the platforms' word for it


class Element(StrEnum):
    """The record's elements, in the order they are written (docs/formats/elicence.md)."""

    IDENTIFIER = "certificateIdentifier"  # 证照标识
    NAME = "certificateName"  # 证照名称
    TYPE_NAME = "certificateTypeName"  # 证照类型名称
    TYPE_CODE = "certificateTypeCode"  # 证照类型代码
    NUMBER = "certificateNumber"  # 证照编号
    ISSUER_NAME = "certificateIssuingAuthorityName"  # 证照颁发机构
    ISSUER_CODE = "certificateIssuingAuthorityCode"  # 证照颁发机构代码
    ISSUED_DATE = "certificateIssuedDate"  # 颁证日期
    HOLDER_NAME = "certificateHolderName"  # 持证主体
    HOLDER_CODE = "certificateHolderCode"  # 持证主体代码
    HOLDER_TYPE = "certificateHolderTypeName"  # 持证主体代码类型
    EFFECTIVE_DATE = "certificateEffectiveDate"  # 有效期起始日期
    EXPIRING_DATE = "certificateExpiringDate"  # 有效期截止日期
    STATUS = "certificateStatus"  # 证照状态 (ours)
    REPLACED_BY = "replacedByIdentifier"  # 换发后的证照标识 (ours)
    SURFACE = "surfaceData"  # 照面信息 (ours: the element name)
    FILE = "certificateFile"  # 证照文件 (ours)
    PUBLIC_ID = "ecertPublicId"  # our public id, the QR code's (ours)


# Elements every record carries (the base metadata a platform cannot do without).
REQUIRED = (
    Element.IDENTIFIER,
    Element.NAME,
    Element.TYPE_NAME,
    Element.TYPE_CODE,
    Element.NUMBER,
    Element.ISSUER_NAME,
    Element.ISSUER_CODE,
    Element.ISSUED_DATE,
    Element.HOLDER_NAME,
    Element.HOLDER_CODE,
    Element.HOLDER_TYPE,
    Element.EFFECTIVE_DATE,
    Element.EXPIRING_DATE,
    Element.STATUS,
    Element.SURFACE,
    Element.PUBLIC_ID,
)


class LicenceStatus(StrEnum):
    """证照状态 codes of the record (decision 342): one per credential status."""

    VALID = "1"  # 有效
    SUSPENDED = "2"  # 暂停
    REVOKED = "3"  # 撤销
    SUPERSEDED = "4"  # 已换发

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @classmethod
    def of(cls, status: CredentialStatus | str) -> LicenceStatus:
        return cls[CredentialStatus(status).name]


_STATUS_LABELS = {
    LicenceStatus.VALID: "有效",
    LicenceStatus.SUSPENDED: "暂停",
    LicenceStatus.REVOKED: "撤销",
    LicenceStatus.SUPERSEDED: "已换发",
}

# 持证主体代码类型: the name of the holder's code; "111" is the one numeric code confirmed from
# public platform material (公民身份号码). The others are written by name only (docs).
HOLDER_TYPES: dict[IdTypeCode, tuple[str, str | None]] = {
    IdTypeCode.RESIDENT: ("公民身份号码", "111"),
    IdTypeCode.HK_MACAO_RESIDENCE: ("港澳居民居住证号码", None),
    IdTypeCode.TAIWAN_RESIDENCE: ("台湾居民居住证号码", None),
    IdTypeCode.FOREIGN_PERMANENT: ("外国人永久居留身份证号码", None),
    IdTypeCode.PASSPORT: ("护照号码", None),
    IdTypeCode.OTHER: ("其他证件号码", None),
}

_SEX_NAMES = {SexCode.MALE: "男", SexCode.FEMALE: "女"}


@dataclass(frozen=True)
class LicenceFile:
    """The sealed document that travels beside the record: file name, media type and digests."""

    name: str
    media_type: str
    size: int
    sm3: str  # lower-case hex
    sha256: str  # lower-case hex


@dataclass(frozen=True)
class LicenceFacts:
    """What the record needs beyond the signed claims, each from the credential's row or the
    trust list: the GB/T 36904 identifier, the issuing authority's name, the qualification's name
    (claims carry its code), the status, the replacement's identifier, the document."""

    identifier: str
    issuer_name: str
    qualification_name: str | None
    status: LicenceStatus
    replaced_by: str | None = None
    file: LicenceFile | None = None


@dataclass(frozen=True)
class SurfaceItem:
    """One line of the face (照面信息): its printed label, our claim name, the value."""

    label: str
    claim: str
    value: str


def surface_items(claims: Claims, qualification_name: str | None) -> tuple[SurfaceItem, ...]:
    """The face's lines, in the order the certificate prints them; absent claims are left out."""
    items: list[SurfaceItem] = [
        SurfaceItem("姓名", "holder_name", claims.holder_name),
    ]
    sex = claims.holder_sex
    if sex is not None:
        items.append(SurfaceItem("性别", "sex", _SEX_NAMES[SexCode(sex)]))
    month = claims.holder_birth_month
    if month is not None:
        items.append(SurfaceItem("出生年月", "birth_month", f"{month[0]:04d}-{month[1]:02d}"))
    items.append(SurfaceItem("证件号码", "id_number", claims.id_number))
    if qualification_name is not None:
        items.append(SurfaceItem("资格名称", "qualification", qualification_name))
    for label, name in (
        ("职称系列", "series"),
        ("职称", "title"),
        ("级别", "level"),
        ("专业", "specialty"),
    ):
        value = getattr(claims, name)
        if value is not None:
            items.append(SurfaceItem(label, name, value))
    if claims.exam_year is not None:
        items.append(SurfaceItem("考试年度", "exam_year", str(claims.exam_year)))
    items.append(SurfaceItem("批准日期", "approval_date", claims.approval_date.isoformat()))
    number_label = "证书编号" if claims.kind is KindCode.TITLE_CERTIFICATE else "管理号"
    items.append(SurfaceItem(number_label, "number", claims.number))
    if claims.grassroots:
        items.append(SurfaceItem("基层", "grassroots", "是"))
    if claims.verification_code is not None:
        items.append(SurfaceItem("验证码", "verification_code", claims.verification_code))
    if claims.purpose is not None:
        items.append(SurfaceItem("用途", "purpose", claims.purpose))
    items.append(SurfaceItem("制发日期", "issue_date", claims.issue_date.isoformat()))
    return tuple(items)


def licence_name(claims: Claims, qualification_name: str | None) -> str:
    """证照名称: the qualification, or the title with its series, or else the kind."""
    if claims.title is not None:
        return f"{claims.series or ''} {claims.title}".strip()
    if qualification_name is not None:
        return qualification_name
    return KIND_LABELS[claims.kind.kind][0]


def record_elements(claims: Claims, facts: LicenceFacts) -> list[tuple[Element, str]]:
    """The record's simple elements and their text, in order (the surface and file come apart).

    EcertError if the identifier is not a valid GB/T 36904 identifier.
    """
    identifier = parse_identifier(facts.identifier)
    holder_type, _ = HOLDER_TYPES[IdTypeCode(claims.id_type)]
    elements = [
        (Element.IDENTIFIER, facts.identifier),
        (Element.NAME, licence_name(claims, facts.qualification_name)),
        (Element.TYPE_NAME, KIND_LABELS[claims.kind.kind][0]),
        (Element.TYPE_CODE, identifier.type_code),
        (Element.NUMBER, claims.number),
        (Element.ISSUER_NAME, facts.issuer_name),
        (Element.ISSUER_CODE, identifier.issuer_code),
        (Element.ISSUED_DATE, claims.issue_date.isoformat()),
        (Element.HOLDER_NAME, claims.holder_name),
        (Element.HOLDER_CODE, claims.id_number),
        (Element.HOLDER_TYPE, holder_type),
        (Element.EFFECTIVE_DATE, claims.approval_date.isoformat()),
        (
            Element.EXPIRING_DATE,
            claims.valid_until.isoformat() if claims.valid_until is not None else LONG_TERM,
        ),
        (Element.STATUS, facts.status.label),
    ]
    if facts.replaced_by is not None:
        parse_identifier(facts.replaced_by)
        elements.append((Element.REPLACED_BY, facts.replaced_by))
    return elements


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


# Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; the surrogates; U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(parent: ET.Element, name: str, value: str, **attributes: str) -> ET.Element:
    if _NOT_XML.search(value):
        raise EcertError(
            "bad_character",
            f"电子证照元数据项 {name} 含有 XML 不能表示的字符",
            f"the e-licence metadata element {name} has a character XML cannot carry",
            field=name,
        )
    child = ET.SubElement(parent, _q(name), attributes)
    child.text = value
    return child


def record_xml(claims: Claims, facts: LicenceFacts) -> bytes:
    """The metadata record of one credential: UTF-8 XML, indented, byte-for-byte reproducible."""
    root = ET.Element(_q(ROOT), {"version": RECORD_VERSION})
    for element, value in record_elements(claims, facts):
        attributes: dict[str, str] = {}
        if element is Element.STATUS:
            attributes["code"] = facts.status.value
        elif element is Element.HOLDER_TYPE:
            code = HOLDER_TYPES[IdTypeCode(claims.id_type)][1]
            if code is not None:
                attributes["code"] = code
        _text(root, element.value, value, **attributes)
    surface = ET.SubElement(root, _q(Element.SURFACE.value))
    for item in surface_items(claims, facts.qualification_name):
        _text(surface, "item", item.value, label=item.label, claim=item.claim)
    if facts.file is not None:
        document = ET.SubElement(root, _q(Element.FILE.value))
        _text(document, "fileName", facts.file.name)
        _text(document, "mediaType", facts.file.media_type)
        _text(document, "size", str(facts.file.size))
        _text(document, "digest", facts.file.sm3, algorithm="SM3")
        _text(document, "digest", facts.file.sha256, algorithm="SHA-256")
    _text(root, Element.PUBLIC_ID.value, claims.public_id)
    ET.register_namespace("", NAMESPACE)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


# ── the reader's checks ─────────────────────────────────────────────────────────────────────────

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEX = {"SM3": re.compile(r"[0-9a-f]{64}"), "SHA-256": re.compile(r"[0-9a-f]{64}")}
_CREDIT_OR_OURS = re.compile(r"[0-9A-Z]{1,32}")
_DATE_ELEMENTS = (Element.ISSUED_DATE, Element.EFFECTIVE_DATE)


def _refuse(code: str, zh: str, en: str, element: str) -> EcertError:
    return EcertError(code, zh, en, field=element)


def record_check(xml: bytes) -> dict[str, str]:
    """Check a record as a platform would: well-formed, every required element present once and
    not empty, dates real, codes well-formed, the identifier's check character right and its
    type and issuer codes those of the record. Returns the simple elements' text by name;
    EcertError (``field`` names the element) for the first problem."""
    try:
        root = ET.fromstring(xml)  # noqa: S314 - expat refuses entity expansion bombs (3.11)
    except ET.ParseError as bad:
        raise _refuse(
            "bad_xml",
            f"元数据不是合格的 XML：{bad}",
            f"the record is not well-formed XML: {bad}",
            "",
        ) from bad
    if root.tag != _q(ROOT):
        raise _refuse(
            "bad_root", f"根元素应为 {ROOT}", f"the root element must be {ROOT}", root.tag
        )
    values: dict[str, str] = {}
    for child in root:
        name = child.tag.removeprefix(f"{{{NAMESPACE}}}")
        if name in values:
            raise _refuse("repeated", f"元数据项 {name} 重复", f"element {name} is repeated", name)
        values[name] = (child.text or "").strip() if len(child) == 0 else ""
    for element in REQUIRED:
        if element.value not in values:
            raise _refuse(
                "missing_element",
                f"缺少必备元数据项 {element.value}",
                f"the required element {element.value} is missing",
                element.value,
            )
        if element is not Element.SURFACE and not values[element.value]:
            raise _refuse(
                "empty_element",
                f"元数据项 {element.value} 为空",
                f"the element {element.value} is empty",
                element.value,
            )
    identifier = parse_identifier(values[Element.IDENTIFIER])
    if values[Element.TYPE_CODE] != identifier.type_code:
        raise _refuse(
            "type_mismatch",
            "证照类型代码与证照标识中的不一致",
            "the licence type code differs from the one in the identifier",
            Element.TYPE_CODE,
        )
    if values[Element.ISSUER_CODE] != identifier.issuer_code or not _CREDIT_OR_OURS.fullmatch(
        values[Element.ISSUER_CODE]
    ):
        raise _refuse(
            "issuer_mismatch",
            "证照颁发机构代码与证照标识中的不一致",
            "the issuing body code differs from the one in the identifier",
            Element.ISSUER_CODE,
        )
    for element in _DATE_ELEMENTS:
        _check_date(values[element], element)
    if values[Element.EXPIRING_DATE] != LONG_TERM:
        _check_date(values[Element.EXPIRING_DATE], Element.EXPIRING_DATE)
    status = root.find(_q(Element.STATUS.value))
    assert status is not None
    code = status.get("code", "")
    if (
        code not in {s.value for s in LicenceStatus}
        or LicenceStatus(code).label != values[Element.STATUS]
    ):
        raise _refuse(
            "bad_status",
            f"证照状态代码 {code!r} 不在代码表中或与名称不符",
            f"status code {code!r} is not in the code table or does not match its name",
            Element.STATUS,
        )
    if code == LicenceStatus.SUPERSEDED and Element.REPLACED_BY.value not in values:
        raise _refuse(
            "missing_element",
            "已换发的证照应给出换发后的证照标识",
            "a superseded licence must name the identifier of its replacement",
            Element.REPLACED_BY,
        )
    if Element.REPLACED_BY.value in values:
        parse_identifier(values[Element.REPLACED_BY])
    _check_file(root)
    return values


def _check_date(text: str, element: str) -> None:
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError as bad:
        raise _refuse(
            "bad_date",
            f"元数据项 {element} 应为 YYYY-MM-DD 格式的日期，实为 {text!r}",
            f"the element {element} must be a YYYY-MM-DD date, not {text!r}",
            element,
        ) from bad


def _check_file(root: ET.Element) -> None:
    document = root.find(_q(Element.FILE.value))
    if document is None:
        return
    algorithms = set()
    for digest in document.findall(_q("digest")):
        algorithm = digest.get("algorithm", "")
        pattern = _HEX.get(algorithm)
        if pattern is None or not pattern.fullmatch(digest.text or ""):
            raise _refuse(
                "bad_digest",
                f"证照文件摘要 {algorithm} 不合格",
                f"the document digest {algorithm!r} is not well-formed",
                Element.FILE,
            )
        algorithms.add(algorithm)
    if algorithms != set(_HEX):
        raise _refuse(
            "bad_digest",
            "证照文件应同时给出 SM3 和 SHA-256 摘要",
            "the document must carry both its SM3 and SHA-256 digests",
            Element.FILE,
        )
