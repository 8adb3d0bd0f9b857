"""An independent check of an SM2-sealed PDF, written from the PDF and CMS specifications.

Nothing here comes from ``ecert``: pikepdf (qpdf) finds the signature dictionary, the /ByteRange
and the /Contents are checked against the file's bytes by hand, the CMS is walked as bare DER
(tag, length, value) with asn1crypto's universal types for the values, and every digest and
signature is recomputed by ``tests/gm_oracle.py`` (gmssl). ``verify_sm2_pdf`` returns what the
signature says or raises ``Rejected`` naming the first check that failed.

The layout it expects is docs/formats/pdf-sm2.md: a detached SignedData (PKCS#7 content-type
identifiers, decision 320), SM3 1.2.156.10197.1.401, SM2-with-SM3 1.2.156.10197.1.501 over the
signed attributes contentType, signingTime and messageDigest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

import pikepdf
from asn1crypto import core

from tests.gm_oracle import (
    SM2_WITH_SM3,
    SM3_OID,
    certificate_issued_by,
    public_point,
    sm2_verify,
    sm3_digest,
)

SIGNED_DATA = "1.2.840.113549.1.7.2"
DATA = "1.2.840.113549.1.7.1"
CONTENT_TYPE = "1.2.840.113549.1.9.3"
MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
SIGNING_TIME = "1.2.840.113549.1.9.5"


class Rejected(AssertionError):
    """The file is not a good SM2-sealed PDF; the message says which check failed."""


@dataclass(frozen=True)
class Tlv:
    """One DER element: its identifier octet, its contents and its whole encoding."""

    tag: int
    contents: bytes
    encoded: bytes


def _tlv(data: bytes, at: int = 0) -> tuple[Tlv, int]:
    """The DER element at ``at`` and the offset after it (definite lengths only, as DER has)."""
    tag = data[at]
    if tag & 0x1F == 0x1F:
        raise Rejected("multi-byte tags do not occur in a SignedData")
    first = data[at + 1]
    offset = at + 2
    if first < 0x80:
        length = first
    else:
        size = first & 0x7F
        if size == 0 or size > 4:
            raise Rejected("not DER: indefinite or oversized length")
        length = int.from_bytes(data[offset : offset + size], "big")
        if length < 0x80 or data[offset] == 0:
            raise Rejected("not DER: a long length form where the short one fits")
        offset += size
    end = offset + length
    if end > len(data):
        raise Rejected("a DER element runs past its container")
    return Tlv(tag, data[offset:end], data[at:end]), end


def _children(parent: Tlv) -> list[Tlv]:
    items, at = [], 0
    while at < len(parent.contents):
        item, at = _tlv(parent.contents, at)
        items.append(item)
    return items


def _oid(item: Tlv) -> str:
    if item.tag != 0x06:
        raise Rejected("an object identifier was expected")
    dotted: str = core.ObjectIdentifier.load(item.encoded).dotted
    return dotted


def _algorithm(item: Tlv) -> str:
    """The OID of an AlgorithmIdentifier; parameters, if any, must be NULL."""
    parts = _children(item)
    if item.tag != 0x30 or not parts or len(parts) > 2:
        raise Rejected("a malformed AlgorithmIdentifier")
    if len(parts) == 2 and parts[1].encoded != b"\x05\x00":
        raise Rejected("unexpected algorithm parameters")
    return _oid(parts[0])


@dataclass(frozen=True)
class SignatureField:
    """The signature dictionary's entries and the bytes the /ByteRange covers."""

    filter: str
    sub_filter: str
    reason: str
    signed_bytes: bytes
    contents: bytes


def signature_field(pdf: bytes) -> SignatureField:
    """The one signature field of ``pdf``, its /ByteRange checked against the file's bytes."""
    with pikepdf.open(BytesIO(pdf)) as document:
        fields = [f for f in document.Root.AcroForm.Fields if f.get("/FT") == "/Sig"]
        if len(fields) != 1:
            raise Rejected(f"expected one signature field, found {len(fields)}")
        value = fields[0].V
        byte_range = [int(n) for n in value.ByteRange]
        contents = bytes(value.Contents)
        filter_name, sub_filter = str(value.Filter), str(value.SubFilter)
        reason = str(value.get("/Reason", ""))
    if len(byte_range) != 4 or byte_range[0] != 0:
        raise Rejected(f"an unusual /ByteRange {byte_range}")
    _zero, first, second, length = byte_range
    if second + length != len(pdf):
        raise Rejected("the /ByteRange does not reach the end of the file")
    gap = pdf[first:second]
    if not re.fullmatch(rb"<[0-9A-Fa-f]*>", gap):
        raise Rejected("the bytes left out of the /ByteRange are not exactly the /Contents string")
    if bytes.fromhex(gap[1:-1].decode()).rstrip(b"\0") != contents.rstrip(b"\0"):
        raise Rejected("the /Contents read by qpdf is not the string between the ranges")
    return SignatureField(filter_name, sub_filter, reason, pdf[:first] + pdf[second:], contents)


@dataclass(frozen=True)
class Sm2Seal:
    """What an accepted SM2 seal says."""

    signer_certificate: bytes
    certificates: tuple[bytes, ...]
    signing_time: datetime
    reason: str


def verify_sm2_pdf(pdf: bytes, root_der: bytes) -> Sm2Seal:
    """Accept ``pdf`` if its signature is an SM2/SM3 CMS over the whole file by a certificate
    that ``root_der`` issued; otherwise raise ``Rejected``."""
    field = signature_field(pdf)
    if (field.filter, field.sub_filter) != ("/Adobe.PPKLite", "/adbe.pkcs7.detached"):
        raise Rejected(f"filter {field.filter} {field.sub_filter}")
    content_info, end = _tlv(field.contents)
    if field.contents[end:].strip(b"\0"):
        raise Rejected("bytes after the CMS other than padding")
    content_type, explicit = _children(content_info)
    if _oid(content_type) != SIGNED_DATA or explicit.tag != 0xA0:
        raise Rejected("not a SignedData")
    (signed_data,) = _children(explicit)
    parts = _children(signed_data)
    version, digest_algorithms, encapsulated = parts[0], parts[1], parts[2]
    if core.Integer.load(version.encoded).native != 1:
        raise Rejected("SignedData version is not 1")
    if [_algorithm(a) for a in _children(digest_algorithms)] != [SM3_OID]:
        raise Rejected("digestAlgorithms is not SM3 alone")
    encapsulated_parts = _children(encapsulated)
    if len(encapsulated_parts) != 1 or _oid(encapsulated_parts[0]) != DATA:
        raise Rejected("the content is not detached data")
    certificates = [c.encoded for c in _children(next(p for p in parts if p.tag == 0xA0))]
    signer_infos = parts[-1]
    if signer_infos.tag != 0x31 or len(_children(signer_infos)) != 1:
        raise Rejected("expected exactly one SignerInfo")
    (signer_info,) = _children(signer_infos)
    certificate, signing_time = _check_signer_info(signer_info, certificates, field.signed_bytes)
    if not certificate_issued_by(certificate, root_der):
        raise Rejected("the signer certificate was not issued by the root")
    return Sm2Seal(certificate, tuple(certificates), signing_time, field.reason)


def _check_signer_info(
    signer_info: Tlv, certificates: list[bytes], signed_bytes: bytes
) -> tuple[bytes, datetime]:
    version, sid, digest_algorithm, attributes, signature_algorithm, signature = _children(
        signer_info
    )[:6]
    if core.Integer.load(version.encoded).native != 1:
        raise Rejected("SignerInfo version is not 1 (issuer and serial number)")
    certificate = _certificate_named(sid, certificates)
    if _algorithm(digest_algorithm) != SM3_OID:
        raise Rejected("the digest algorithm is not SM3")
    if _algorithm(signature_algorithm) != SM2_WITH_SM3:
        raise Rejected("the signature algorithm is not SM2 with SM3")
    if attributes.tag != 0xA0:
        raise Rejected("no signed attributes")
    values: dict[str, list[Tlv]] = {}
    for attribute in _children(attributes):
        kind, value_set = _children(attribute)
        values[_oid(kind)] = _children(value_set)
    if set(values) != {CONTENT_TYPE, SIGNING_TIME, MESSAGE_DIGEST}:
        raise Rejected(f"signed attributes {sorted(values)}")
    if [_oid(v) for v in values[CONTENT_TYPE]] != [DATA]:
        raise Rejected("the contentType attribute is not data")
    (digest,) = values[MESSAGE_DIGEST]
    if digest.tag != 0x04 or digest.contents != sm3_digest(signed_bytes):
        raise Rejected("the messageDigest is not the SM3 of the signed byte ranges")
    (time,) = values[SIGNING_TIME]
    if time.tag != 0x17:
        raise Rejected("signingTime is not a UTCTime")
    # RFC 5652 §5.4: the signature covers the attributes re-tagged as a SET OF.
    signed_attributes = b"\x31" + attributes.encoded[1:]
    if signature.tag != 0x04 or not sm2_verify(
        public_point(certificate), signature.contents, signed_attributes
    ):
        raise Rejected("the SM2 signature over the signed attributes does not verify")
    moment: datetime = core.UTCTime.load(time.encoded).native
    return certificate, moment


def _certificate_named(sid: Tlv, certificates: list[bytes]) -> bytes:
    """The certificate whose issuer and serial number the SignerInfo's sid gives."""
    issuer, serial = _children(sid)
    for der in certificates:
        tbs = _children(_children(_tlv(der)[0])[0])
        tbs = tbs[1:] if tbs[0].tag == 0xA0 else tbs  # skip the [0] version
        if tbs[0].encoded == serial.encoded and tbs[2].encoded == issuer.encoded:
            return der
    raise Rejected("the signer's certificate is not in the CMS")
