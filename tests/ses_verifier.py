"""An independent check of a sealed OFD, written from GB/T 38540-2020's ASN.1 and GB/T 33190 §18.

It shares nothing with ``ecert.core.formats.ses`` or ``ecert.core.documents.ofd_seal``: the DER is
walked with asn1crypto's generic universal types (``core.load``), the XML with ElementTree, and
every SM3 digest and SM2 signature is recomputed by gmssl through ``tests.gm_oracle``. It raises
``SealInvalid`` naming the first rule the package breaks; a package it returns from is sealed.

The structures it expects (v4)::

    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID,
                                 signature BIT STRING, timeStamp [0] BIT STRING OPTIONAL }
    TBS_Sign ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
                            dataHash BIT STRING, propertyInfo IA5String, extDatas OPTIONAL }
    SESeal ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING, signAlgID OID,
                          signedValue BIT STRING }
    SES_SealInfo ::= SEQUENCE { header SEQUENCE { ID IA5String, version INTEGER, Vid IA5String },
                                esID IA5String, property SES_ESPropertyInfo,
                                picture SEQUENCE { type IA5String, data OCTET STRING,
                                                   width INTEGER, height INTEGER },
                                extDatas OPTIONAL }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
                                      certList SEQUENCE OF OCTET STRING, createDate,
                                      validStart, validEnd GeneralizedTime }
"""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import datetime
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

from asn1crypto import core

from tests.gm_oracle import (
    SM2_WITH_SM3,
    SM3_OID,
    certificate_issued_by,
    public_point,
    sm2_verify,
    sm3_digest,
)

OFD = "{http://www.ofdspec.org/2016}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class SealInvalid(AssertionError):
    """The package breaks the rule named in the message."""


def _require(condition: bool, rule: str) -> None:
    if not condition:
        raise SealInvalid(rule)


def _bits(value: core.Asn1Value) -> bytes:
    _require(isinstance(value, core.BitString), "a BIT STRING was expected")
    contents = bytes(value.contents)
    _require(bool(contents) and contents[0] == 0, "a BIT STRING with unused bits")
    return contents[1:]


def _universal(value: core.Asn1Value, kind: type) -> core.Asn1Value:
    _require(isinstance(value, kind), f"{kind.__name__} expected, found {type(value).__name__}")
    return value


def _path(base: str, location: str) -> str:
    if location.startswith("/"):
        return location[1:]
    return f"{base}/{location}" if base else location


def _xml(data: bytes) -> Element:
    _require(b"<!DOCTYPE" not in data, "OFD XML has no DOCTYPE")
    return ElementTree.fromstring(data)  # noqa: S314 - no DOCTYPE, so no entity expands


def verify_sealed_ofd(ofd: bytes, root_der: bytes) -> dict[str, object]:
    """Check the package's one seal; return what it says (seal name, picture, signer)."""
    with zipfile.ZipFile(io.BytesIO(ofd)) as archive:
        files = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}

    ofd_xml = _xml(files["OFD.xml"])
    signatures_loc = ofd_xml.findtext(f"{OFD}DocBody/{OFD}Signatures")
    _require(bool(signatures_loc), "OFD.xml names no Signatures.xml")
    signatures_path = _path("", str(signatures_loc).strip())
    signatures = _xml(files[signatures_path])
    entries = signatures.findall(f"{OFD}Signature")
    _require(len(entries) == 1 and entries[0].get("Type") == "Seal", "one seal signature")
    signature_path = _path(signatures_path.rsplit("/", 1)[0], entries[0].get("BaseLoc", ""))
    signature_xml = files[signature_path]
    signature = _xml(signature_xml)
    folder = signature_path.rsplit("/", 1)[0]
    info = signature.find(f"{OFD}SignedInfo")
    assert info is not None
    _require(info.findtext(f"{OFD}SignatureMethod") == SM2_WITH_SM3, "SignatureMethod is SM2")
    references = info.find(f"{OFD}References")
    assert references is not None
    _require(references.get("CheckMethod") == SM3_OID, "CheckMethod is SM3")

    # 1. Every file but the signature's own two carries its SM3 digest, and each digest holds.
    covered = set()
    for reference in references.findall(f"{OFD}Reference"):
        path = _path(folder, reference.get("FileRef", ""))
        expected = base64.b64decode(reference.findtext(f"{OFD}CheckValue", ""))
        _require(path in files, f"referenced file {path} is missing")
        _require(sm3_digest(files[path]) == expected, f"file {path} changed")
        covered.add(path)
    value_path = _path(folder, signature.findtext(f"{OFD}SignedValue", "").strip())
    _require(set(files) - covered == {signature_path, value_path}, "a file is outside the seal")

    # 2. SES_Signature: dataHash is SM3(Signature.xml); the signer's SM2 signature over TBS_Sign.
    ses = _universal(core.load(files[value_path]), core.Sequence)
    _require(len(ses) in (4, 5), "SES_Signature has 4 or 5 fields")
    to_sign = _universal(ses[0], core.Sequence)
    signer_cert = bytes(_universal(ses[1], core.OctetString).native)
    _require(_universal(ses[2], core.ObjectIdentifier).dotted == SM2_WITH_SM3, "signatureAlgID")
    _require(_universal(to_sign[0], core.Integer).native == 4, "TBS_Sign version 4")
    eseal = _universal(to_sign[1], core.Sequence)
    signed_at = _universal(to_sign[2], core.GeneralizedTime).native
    _require(_bits(to_sign[3]) == sm3_digest(signature_xml), "dataHash is not SM3(Signature.xml)")
    _require(
        _universal(to_sign[4], core.IA5String).native == f"/{signature_path}",
        "propertyInfo names the Signature.xml",
    )
    _require(
        sm2_verify(public_point(signer_cert), _bits(ses[3]), to_sign.dump()),
        "the signer's SM2 signature does not hold",
    )

    # 3. SESeal: the seal maker's SM2 signature over SES_SealInfo; the signer is on its list.
    seal_info = _universal(eseal[0], core.Sequence)
    maker_cert = bytes(_universal(eseal[1], core.OctetString).native)
    _require(_universal(eseal[2], core.ObjectIdentifier).dotted == SM2_WITH_SM3, "signAlgID")
    _require(
        sm2_verify(public_point(maker_cert), _bits(eseal[3]), seal_info.dump()),
        "the seal maker's signature over the seal does not hold",
    )
    header = _universal(seal_info[0], core.Sequence)
    _require(header[0].native == "ES" and header[1].native == 4, "SES_Header ES v4")
    prop = _universal(seal_info[2], core.Sequence)
    _require(prop[2].native == 1, "certListType 1 (certificates)")
    cert_list = _universal(prop[3], core.Sequence)
    listed = [bytes(cert_list[i].native) for i in range(len(cert_list))]
    _require(signer_cert in listed, "the signer is not on the seal's certificate list")
    valid_start, valid_end = prop[5].native, prop[6].native
    _require(isinstance(signed_at, datetime), "timeInfo")
    _require(valid_start <= signed_at <= valid_end, "signed outside the seal's validity")
    picture = _universal(seal_info[3], core.Sequence)
    _require(picture[0].native == "PNG", "picture type PNG")
    png = bytes(picture[1].native)
    _require(png.startswith(PNG_MAGIC), "the seal picture is a PNG")

    # 4. Both certificates under the root; the seal file is the seal signed into the document.
    _require(certificate_issued_by(signer_cert, root_der), "signer certificate not from the root")
    _require(certificate_issued_by(maker_cert, root_der), "maker certificate not from the root")
    seal_loc = info.findtext(f"{OFD}Seal/{OFD}BaseLoc", "").strip()
    _require(files.get(_path(folder, seal_loc)) == eseal.dump(), "the .esl is not the signed seal")

    # 5. The stamp sits on a page of the document.
    stamp = info.find(f"{OFD}StampAnnot")
    assert stamp is not None
    doc_root = _path("", ofd_xml.findtext(f"{OFD}DocBody/{OFD}DocRoot", "").strip())
    pages = _xml(files[doc_root]).findall(f"{OFD}Pages/{OFD}Page")
    _require(stamp.get("PageRef") in {p.get("ID") for p in pages}, "StampAnnot's page exists")
    return {
        "seal_name": prop[1].native,
        "picture": png,
        "size_mm": (picture[2].native, picture[3].native),
        "signer_certificate": signer_cert,
        "boundary": stamp.get("Boundary"),
    }
