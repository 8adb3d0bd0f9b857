"""Sealing an OFD package with a GB/T 38540 electronic seal, and checking a sealed one.

The package is a mapping of path (inside the zip, no leading slash) to bytes, so any OFD writer
plugs in. Sealing adds, under the document's folder (GB/T 33190 §18, docs/formats/ofd-seal.md)::

    Signs/Signatures.xml            the list of signatures (one, ID 1, Type Seal)
    Signs/Sign_0/Seal.esl           the SESeal (picture + signer certificates, by the seal maker)
    Signs/Sign_0/Signature.xml      SignedInfo: an SM3 digest of every other file, StampAnnot
    Signs/Sign_0/SignedValue.dat    the DER SES_Signature whose dataHash is SM3(Signature.xml)

and points OFD.xml's DocBody at Signatures.xml. Every file of the package except the last two is
referenced with its digest, OFD.xml and Signatures.xml included, so no file can change and none
can be added without the check failing.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.ses import (
    SM2_WITH_SM3,
    SM3_OID,
    SesCheck,
    SesReason,
    SesSignature,
    document_sign,
    signature_check,
    sm3,
)
from ecert.core.formats.x509 import parse_certificate

OFD_NS = "http://www.ofdspec.org/2016"
_NS = {"ofd": OFD_NS}
PROVIDER_NAME = "ecert"
PROVIDER_COMPANY = "ecert"
_BEIJING = ZoneInfo("Asia/Shanghai")
MAX_FILES = 2000
MAX_PACKAGE_BYTES = 64 * 1024 * 1024  # uncompressed; a certificate's OFD is a few hundred KB


@dataclass(frozen=True)
class OfdSealKey:
    """What seals an OFD: the signer's SM2 key, its certificate and the seal (DER SESeal)."""

    signer: Signer
    certificate: bytes
    seal: bytes


@dataclass(frozen=True)
class StampPlace:
    """Where the seal picture goes: a page (0-based) and x, y, width, height in millimetres."""

    page_index: int
    boundary: tuple[float, float, float, float]


def _bad_ofd(detail_zh: str, detail_en: str) -> EcertError:
    return EcertError("bad_ofd", f"OFD 文件结构有误：{detail_zh}", f"malformed OFD: {detail_en}")


def _xml(data: bytes) -> ElementTree.Element:
    """Parse package XML; a DOCTYPE (and so any entity) is refused, as OFD has none."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _bad_ofd("含有 DOCTYPE", "has a DOCTYPE")
    try:
        return ElementTree.fromstring(data)  # noqa: S314 - no DOCTYPE, so no entity can expand
    except ElementTree.ParseError as error:
        raise _bad_ofd("XML 无法解析", "unparsable XML") from error


def _text(element: ElementTree.Element, path: str) -> str:
    found = element.find(path, _NS)
    if found is None or not (found.text or "").strip():
        raise _bad_ofd(f"缺少 {path}", f"no {path}")
    return (found.text or "").strip()


def _resolve(base_dir: str, location: str) -> str:
    """A package path from a location that is absolute (``/Doc_0/...``) or relative to a folder."""
    if location.startswith("/"):
        return location.lstrip("/")
    return f"{base_dir}/{location}" if base_dir else location


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _doc_root(files: Mapping[str, bytes]) -> str:
    if "OFD.xml" not in files:
        raise _bad_ofd("缺少 OFD.xml", "no OFD.xml")
    return _resolve("", _text(_xml(files["OFD.xml"]), "ofd:DocBody/ofd:DocRoot"))


def _page_ids(files: Mapping[str, bytes], doc_root: str) -> list[str]:
    if doc_root not in files:
        raise _bad_ofd(f"缺少 {doc_root}", f"no {doc_root}")
    pages = _xml(files[doc_root]).findall("ofd:Pages/ofd:Page", _NS)
    return [page.get("ID", "") for page in pages]


def ofd_seal(
    files: Mapping[str, bytes], *, key: OfdSealKey, place: StampPlace, at: datetime
) -> dict[str, bytes]:
    """The package with the seal added; ``files`` is left as it was."""
    out = dict(files)
    doc_root = _doc_root(out)
    page_ids = _page_ids(out, doc_root)
    if not 0 <= place.page_index < len(page_ids) or not page_ids[place.page_index]:
        raise _bad_ofd("盖章页不存在", f"no page {place.page_index} to stamp")
    ofd_xml = out["OFD.xml"]
    if ofd_xml.count(b"</ofd:DocBody>") != 1 or b"<ofd:Signatures" in ofd_xml:
        raise _bad_ofd(
            "OFD.xml 须只有一个文档且尚未签章", "OFD.xml must hold one unsealed document"
        )
    signs = f"{_folder(doc_root)}/Signs" if _folder(doc_root) else "Signs"
    out["OFD.xml"] = ofd_xml.replace(
        b"</ofd:DocBody>",
        f"<ofd:Signatures>{signs}/Signatures.xml</ofd:Signatures></ofd:DocBody>".encode(),
    )
    sign_dir = f"{signs}/Sign_0"
    signature_path = f"{sign_dir}/Signature.xml"
    value_path = f"{sign_dir}/SignedValue.dat"
    seal_path = f"{sign_dir}/Seal.esl"
    out[f"{signs}/Signatures.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ofd:Signatures xmlns:ofd="{OFD_NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="Seal" BaseLoc="/{signature_path}"/></ofd:Signatures>'
    ).encode()
    out[seal_path] = key.seal
    references = "".join(
        f"<ofd:Reference FileRef={quoteattr('/' + path)}>"
        f"<ofd:CheckValue>{base64.b64encode(sm3(data)).decode()}</ofd:CheckValue></ofd:Reference>"
        for path, data in sorted(out.items())
    )
    x, y, width, height = place.boundary
    signature_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ofd:Signature xmlns:ofd="{OFD_NS}"><ofd:SignedInfo>'
        f'<ofd:Provider ProviderName="{PROVIDER_NAME}" Version="1.0" Company="{PROVIDER_COMPANY}"/>'
        f"<ofd:SignatureMethod>{SM2_WITH_SM3}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{escape(at.astimezone(_BEIJING).strftime('%Y-%m-%d %H:%M:%S'))}"
        "</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{SM3_OID}">{references}</ofd:References>'
        f'<ofd:StampAnnot ID="1" PageRef={quoteattr(page_ids[place.page_index])} '
        f'Boundary="{_fmt(x)} {_fmt(y)} {_fmt(width)} {_fmt(height)}"/>'
        f"<ofd:Seal><ofd:BaseLoc>/{seal_path}</ofd:BaseLoc></ofd:Seal>"
        f"</ofd:SignedInfo><ofd:SignedValue>/{value_path}</ofd:SignedValue></ofd:Signature>"
    ).encode()
    out[signature_path] = signature_xml
    out[value_path] = document_sign(
        signer=key.signer,
        signer_certificate=key.certificate,
        seal=key.seal,
        data=signature_xml,
        property_info=f"/{signature_path}",
        at=at,
    )
    return out


def package_unzip(data: bytes) -> dict[str, bytes]:
    """The files of an OFD zip, refusing anything too big, encrypted or with odd paths."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_FILES or sum(i.file_size for i in entries) > MAX_PACKAGE_BYTES:
            raise _bad_ofd("文件过大", "too large")
        files: dict[str, bytes] = {}
        for info in entries:
            name = info.filename
            if name.startswith("/") or ".." in name.split("/") or name in files:
                raise _bad_ofd(f"路径 {name} 无效", f"bad path {name}")
            content = archive.read(info)
            if len(content) != info.file_size:
                raise _bad_ofd("压缩包损坏", "corrupt zip")
            files[name] = content
    except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, ValueError) as error:
        if isinstance(error, EcertError):
            raise
        raise _bad_ofd("不是有效的 OFD 压缩包", "not a readable OFD zip") from error
    return files


class OfdFailure(StrEnum):
    """Why a package is not a sealed original, finer than the verdict (for logs and docs)."""

    NONE = ""
    NOT_OFD = "not_ofd"
    UNSIGNED = "unsigned"
    FILE_CHANGED = "file_changed"  # a referenced file's SM3 differs, or is missing
    SEAL_FILE_CHANGED = "seal_file_changed"  # Seal.esl is not the seal inside the signature
    STAMP_PAGE_MISSING = "stamp_page_missing"
    FILE_ADDED = "file_added"  # a file no reference covers, or a second signature


@dataclass(frozen=True)
class OfdCheck:
    """What an OFD's seal says, in the same terms as ``pades.PdfCheck``."""

    signed: bool
    intact: bool = False  # every referenced file and the seal signature hold
    whole_file: bool = False  # nothing in the package is outside the signature
    trusted: bool = False  # both certificates chain to a trusted root at signing time
    signer_certificate: bytes = b""
    signer_name: str = ""
    reason: str = ""  # the seal's own reason code (SesReason) or OfdFailure
    signed_at: datetime | None = None
    seal: SesCheck | None = None

    @property
    def original(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


_SES_UNTRUSTED = frozenset({SesReason.UNTRUSTED, SesReason.SEAL_EXPIRED})


def check_sealed_ofd(data: bytes, trust_roots: Sequence[bytes]) -> OfdCheck:
    """Check the first seal of an OFD file against ``trust_roots`` (DER certificates).

    Raises ``EcertError`` (``bad_ofd``) only when the file is no readable OFD at all."""
    return ofd_files_check(package_unzip(data), trust_roots)


def ofd_files_check(files: Mapping[str, bytes], trust_roots: Sequence[bytes]) -> OfdCheck:
    """``check_sealed_ofd`` for a package already unzipped."""
    doc_root = _doc_root(files)
    body = _xml(files["OFD.xml"]).find("ofd:DocBody/ofd:Signatures", _NS)
    if body is None or not (body.text or "").strip():
        return OfdCheck(signed=False, reason=OfdFailure.UNSIGNED)
    list_path = _resolve("", (body.text or "").strip())
    if list_path not in files:
        return OfdCheck(signed=False, reason=OfdFailure.UNSIGNED)
    entries = _xml(files[list_path]).findall("ofd:Signature", _NS)
    if not entries or entries[0].get("Type", "Seal") != "Seal":
        return OfdCheck(signed=False, reason=OfdFailure.UNSIGNED)
    signature_path = _resolve(_folder(list_path), entries[0].get("BaseLoc", ""))
    if signature_path not in files:
        return OfdCheck(signed=True, reason=OfdFailure.FILE_CHANGED)
    signature_xml = files[signature_path]
    root = _xml(signature_xml)
    sig_dir = _folder(signature_path)
    value_path = _resolve(sig_dir, _text(root, "ofd:SignedValue"))
    seal_check = signature_check(files.get(value_path, b""), signature_xml, trust_roots)
    signer_name = ""
    if seal_check.signer_certificate:
        signer_name = parse_certificate(seal_check.signer_certificate).subject.common_name
    result = OfdCheck(
        signed=True,
        signer_certificate=seal_check.signer_certificate,
        signer_name=signer_name,
        reason=seal_check.reason,
        signed_at=seal_check.signed_at,
        seal=seal_check,
    )
    if not seal_check.valid and seal_check.reason not in _SES_UNTRUSTED:
        return result
    info = root.find("ofd:SignedInfo", _NS)
    signed_seal = _seal_inside(files.get(value_path, b""))
    failure = _references_failure(files, info, sig_dir, doc_root, signed_seal)
    if failure is not OfdFailure.NONE:
        return replace(result, reason=failure)
    referenced = {
        _resolve(sig_dir, r.get("FileRef", ""))
        for r in (info.findall("ofd:References/ofd:Reference", _NS) if info is not None else [])
    }
    whole = len(entries) == 1 and set(files) - referenced == {signature_path, value_path}
    trusted = seal_check.valid
    return replace(
        result,
        intact=True,
        whole_file=whole,
        trusted=trusted,
        reason=(OfdFailure.FILE_ADDED if not whole else seal_check.reason),
    )


def _references_failure(
    files: Mapping[str, bytes],
    info: ElementTree.Element | None,
    sig_dir: str,
    doc_root: str,
    signed_seal: bytes,
) -> OfdFailure:
    if info is None:
        return OfdFailure.FILE_CHANGED
    references = info.find("ofd:References", _NS)
    method = _text(info, "ofd:SignatureMethod")
    if references is None or references.get("CheckMethod") != SM3_OID or method != SM2_WITH_SM3:
        return OfdFailure.FILE_CHANGED
    for reference in references.findall("ofd:Reference", _NS):
        path = _resolve(sig_dir, reference.get("FileRef", ""))
        value = reference.findtext("ofd:CheckValue", "", _NS).strip()
        if path not in files or base64.b64encode(sm3(files[path])).decode() != value:
            return OfdFailure.FILE_CHANGED
    seal_location = info.findtext("ofd:Seal/ofd:BaseLoc", "", _NS).strip()
    if seal_location:
        seal_path = _resolve(sig_dir, seal_location)
        if not signed_seal or files.get(seal_path) != signed_seal:
            return OfdFailure.SEAL_FILE_CHANGED
    stamp = info.find("ofd:StampAnnot", _NS)
    if stamp is not None and stamp.get("PageRef") not in _page_ids(files, doc_root):
        return OfdFailure.STAMP_PAGE_MISSING
    return OfdFailure.NONE


def _seal_inside(signed_value: bytes) -> bytes:
    """The DER SESeal inside a SES_Signature, or b"" if there is none to read."""
    try:
        inner: bytes = SesSignature.load(signed_value)["to_sign"]["eseal"].dump()
    except (ValueError, TypeError, KeyError):
        return b""
    return inner
