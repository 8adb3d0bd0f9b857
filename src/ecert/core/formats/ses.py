"""GB/T 38540-2020 electronic seals (SESeal v4) and seal signatures (SES_Signature v4).

A seal is made once by the province's seal-maker (制章) key: it holds the seal picture and the
certificates of the keys allowed to use it, signed with SM2/SM3. A document is sealed by one of
those keys: SES_Signature over a TBS_Sign that carries the whole seal, the time and the SM3 digest
of the signed data (for an OFD, its ``Signature.xml``).

Two choices follow the common readers rather than the text alone (docs/formats/ofd-seal.md):
the seal maker signs the DER of SES_SealInfo and the document signer the DER of TBS_Sign, as
ofdrw's v4 classes do; and SM2 signatures are the DER (r, s) pair of GB/T 35276 inside the BIT
STRING, with Z from the default user id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from asn1crypto import algos, core
from tongsuopy.crypto import hashes as sm_hashes

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer, load_verification_key
from ecert.core.formats.x509 import (
    CertificateInfo,
    parse_certificate,
    valid_at,
    verify_issued_by,
)

SES_VERSION = 4
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"
HEADER_ID = "ES"
CERT_LIST_CERTIFICATES = 1  # certListType 1: the certificates themselves (2 would be digests)
SEAL_TYPE_OFFICIAL = 1  # 单位印章 (organisation seal), the kind a certificate carries
_COORDINATE = 32
_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


class SesHeader(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [("id", core.IA5String), ("version", core.Integer), ("vid", core.IA5String)]


class CertInfoList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = core.OctetString


class SesPropertyInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]


class SesPictureInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    """SES_ESPictrueInfo (the standard's spelling): picture type, bytes, size in millimetres."""

    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class ExtData(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = ExtData


class SesSealInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("header", SesHeader),
        ("es_id", core.IA5String),
        ("property", SesPropertyInfo),
        ("picture", SesPictureInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("e_seal_info", SesSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TbsSign(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SesSignature(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("to_sign", TbsSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905) of ``data``."""
    digest = sm_hashes.Hash(sm_hashes.SM3())
    digest.update(data)
    out: bytes = digest.finalize()
    return out


def _signature_der(raw: bytes) -> bytes:
    pair = algos.DSASignature(
        {
            "r": int.from_bytes(raw[:_COORDINATE], "big"),
            "s": int.from_bytes(raw[_COORDINATE:], "big"),
        }
    )
    der: bytes = pair.dump()
    return der


def _raw_from_der(der: bytes) -> bytes | None:
    try:
        pair = algos.DSASignature.load(der, strict=True)
        r, s = pair["r"].native, pair["s"].native
    except _ASN1_ERRORS:
        return None
    if pair.dump(force=True) != der or not (0 < r < 2**256 and 0 < s < 2**256):
        return None
    return int(r).to_bytes(_COORDINATE, "big") + int(s).to_bytes(_COORDINATE, "big")


def _sm2_sign(signer: Signer, data: bytes) -> bytes:
    if signer.algorithm is not Algorithm.SM2_SM3:
        raise EcertError(
            "not_sm2",
            "GB/T 38540 电子印章只能用 SM2 密钥签名",
            "a GB/T 38540 electronic seal is signed with an SM2 key only",
        )
    return _signature_der(signer.sign(data))


def _sm2_verify(certificate: CertificateInfo, data: bytes, signature_der: bytes) -> bool:
    raw = _raw_from_der(signature_der)
    if raw is None:
        return False
    try:
        key = load_verification_key(certificate.subject_public_key_der)
    except EcertError:
        return False
    return key.algorithm is Algorithm.SM2_SM3 and key.verify(data, raw)


def _generalized(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class SealPicture:
    """The seal's picture: PNG bytes and the size it is printed at, in millimetres."""

    png: bytes
    width_mm: int
    height_mm: int


def seal_make(
    *,
    maker: Signer,
    maker_certificate: bytes,
    es_id: str,
    name: str,
    signer_certificates: Sequence[bytes],
    picture: SealPicture,
    created: datetime,
    valid_until: datetime,
    vid: str = "ecert",
) -> bytes:
    """A SESeal v4 signed by the seal maker; DER. ``signer_certificates`` may use the seal."""
    if not signer_certificates:
        raise EcertError("no_seal_signer", "电子印章须列出签章人证书", "a seal lists its signers")
    if not es_id.isascii() or not es_id:
        raise EcertError("bad_es_id", "印章编码只能是 ASCII 字符", "the seal code must be ASCII")
    info = SesSealInfo(
        {
            "header": {"id": HEADER_ID, "version": SES_VERSION, "vid": vid},
            "es_id": es_id,
            "property": {
                "type": SEAL_TYPE_OFFICIAL,
                "name": name,
                "cert_list_type": CERT_LIST_CERTIFICATES,
                "cert_list": list(signer_certificates),
                "create_date": _generalized(created),
                "valid_start": _generalized(created),
                "valid_end": _generalized(valid_until),
            },
            "picture": {
                "type": "PNG",
                "data": picture.png,
                "width": picture.width_mm,
                "height": picture.height_mm,
            },
        }
    )
    seal = SESeal(
        {
            "e_seal_info": info,
            "cert": maker_certificate,
            "sign_alg_id": SM2_WITH_SM3,
            "signed_value": _sm2_sign(maker, info.dump()),
        }
    )
    der: bytes = seal.dump()
    return der


def document_sign(
    *,
    signer: Signer,
    signer_certificate: bytes,
    seal: bytes,
    data: bytes,
    property_info: str,
    at: datetime,
) -> bytes:
    """A SES_Signature v4 over SM3(``data``) with ``seal``; DER. ``property_info`` names what was
    signed (for an OFD, the path of its Signature.xml)."""
    to_sign = TbsSign(
        {
            "version": SES_VERSION,
            "eseal": SESeal.load(seal),
            "time_info": _generalized(at),
            "data_hash": sm3(data),
            "property_info": property_info,
        }
    )
    signature = SesSignature(
        {
            "to_sign": to_sign,
            "cert": signer_certificate,
            "signature_alg_id": SM2_WITH_SM3,
            "signature": _sm2_sign(signer, to_sign.dump()),
        }
    )
    der: bytes = signature.dump()
    return der


class SesReason(StrEnum):
    """Why a seal signature holds (``ok``) or the first check it failed."""

    OK = "ok"
    UNREADABLE = "unreadable"  # not a DER SES_Signature v4
    DIGEST_MISMATCH = "digest_mismatch"  # the signed data changed
    BAD_SIGNATURE = "bad_signature"  # the signer's SM2 signature does not hold
    SIGNER_NOT_IN_SEAL = "signer_not_in_seal"  # the signer is not one the seal lists
    BAD_SEAL = "bad_seal"  # the seal maker's signature over the seal does not hold
    SEAL_EXPIRED = "seal_expired"  # signed outside the seal's validity
    UNTRUSTED = "untrusted"  # a certificate does not chain to a trusted root, or has expired


@dataclass(frozen=True)
class SesCheck:
    """What a seal signature says; ``reason`` is ``ok`` only if every check passed."""

    reason: SesReason
    signer_certificate: bytes = b""
    maker_certificate: bytes = b""
    seal_name: str = ""
    es_id: str = ""
    picture: SealPicture | None = None
    signed_at: datetime | None = None
    property_info: str = ""

    @property
    def valid(self) -> bool:
        return self.reason is SesReason.OK


def _chains(certificate: CertificateInfo, roots: Sequence[CertificateInfo], at: datetime) -> bool:
    return valid_at(certificate, at) and any(
        valid_at(root, at) and verify_issued_by(certificate, root) for root in roots
    )


def signature_check(signature_der: bytes, data: bytes, trust_roots: Sequence[bytes]) -> SesCheck:
    """Check a SES_Signature over ``data`` against ``trust_roots`` (DER); never raises."""
    try:
        parsed = SesSignature.load(signature_der, strict=True)
        parsed.native  # noqa: B018 - parse every field now
        to_sign = parsed["to_sign"]
        seal = to_sign["eseal"]
        info = seal["e_seal_info"]
        header = info["header"]
        prop = info["property"]
        pic = info["picture"]
        signer = parse_certificate(parsed["cert"].native)
        maker = parse_certificate(seal["cert"].native)
        listed = [bytes(c) for c in prop["cert_list"].native]
        check = SesCheck(
            reason=SesReason.OK,
            signer_certificate=signer.der,
            maker_certificate=maker.der,
            seal_name=prop["name"].native,
            es_id=info["es_id"].native,
            picture=SealPicture(pic["data"].native, pic["width"].native, pic["height"].native),
            signed_at=to_sign["time_info"].native,
            property_info=to_sign["property_info"].native,
        )
        versions_ok = (
            to_sign["version"].native == SES_VERSION
            and header["id"].native == HEADER_ID
            and header["version"].native == SES_VERSION
            and prop["cert_list_type"].native == CERT_LIST_CERTIFICATES
            and parsed["signature_alg_id"].dotted == SM2_WITH_SM3
            and seal["sign_alg_id"].dotted == SM2_WITH_SM3
        )
        roots = [parse_certificate(root) for root in trust_roots]
    except (*_ASN1_ERRORS, EcertError):
        return SesCheck(SesReason.UNREADABLE)
    if not versions_ok or check.signed_at is None:
        return SesCheck(SesReason.UNREADABLE)
    at = check.signed_at
    failures = (
        (SesReason.DIGEST_MISMATCH, lambda: to_sign["data_hash"].native == sm3(data)),
        (
            SesReason.BAD_SIGNATURE,
            lambda: _sm2_verify(signer, to_sign.dump(), parsed["signature"].native),
        ),
        (SesReason.SIGNER_NOT_IN_SEAL, lambda: signer.der in listed),
        (
            SesReason.BAD_SEAL,
            lambda: _sm2_verify(maker, info.dump(), seal["signed_value"].native),
        ),
        (
            SesReason.SEAL_EXPIRED,
            lambda: prop["valid_start"].native <= at <= prop["valid_end"].native,
        ),
        (
            SesReason.UNTRUSTED,
            lambda: _chains(signer, roots, at) and _chains(maker, roots, at),
        ),
    )
    for reason, passed in failures:
        if not passed():
            return replace(check, reason=reason)
    return check
