"""PDF signatures with SM2 and SM3, as Chinese PDF sealing tools write them, and their check.

A deployment whose keys are SM2 (``ecert keys init --algorithm sm2``) seals its PDFs here instead
of with PAdES: the signature dictionary is /Filter /Adobe.PPKLite, /SubFilter
/adbe.pkcs7.detached, and /Contents holds a CMS SignedData (GM/T 0010-2012's syntax) whose one
SignerInfo carries the SM3 digest of the /ByteRange in its signed attributes and an SM2 signature
over them, with the signer's certificate and the root in ``certificates``. The content types
keep the PKCS#7 identifiers, as OpenSSL, Tongsuo, BouncyCastle and GmSSL write them (decision
320); docs/formats/pdf-sm2.md describes the signature field by field.

pyHanko only prepares the signature field, the placeholder and the /ByteRange; it knows neither
SM3 nor SM2, so the digest, the CMS and its check are ours (asn1crypto, tongsuopy through the
key's ``Signer`` and ``load_verification_key``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from asn1crypto import algos, cms, core, x509
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers.cms_embedder import (
    PdfCMSEmbedder,
    SigIOSetup,
    SigMDPSetup,
    SigObjSetup,
)
from pyhanko.sign.signers.pdf_byterange import SignatureObject
from tongsuopy.crypto import hashes as sm_hashes

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer, load_verification_key
from ecert.core.formats.x509 import (
    CertificateInfo,
    parse_certificate,
    valid_at,
    verify_issued_by,
)

SM3 = "1.2.156.10197.1.401"  # GM/T 0006 (SM3 hash)
SM2_WITH_SM3 = "1.2.156.10197.1.501"  # GM/T 0006 (SM2 signature with SM3)
SM2_SIGN = "1.2.156.10197.1.301.1"  # GM/T 0010's name for the SM2 signature, accepted on reading
_SIGNATURE_ALGORITHMS = frozenset({SM2_WITH_SM3, SM2_SIGN})
# Room for the CMS (hex, so twice its DER): an SM2 SignerInfo with two certificates is ≈ 1.5 kB.
SIGNATURE_SPACE = 8_192


def sm3(*parts: bytes) -> bytes:
    """SM3 (GB/T 32905) of the concatenated ``parts``."""
    digest = sm_hashes.Hash(sm_hashes.SM3())
    for part in parts:
        digest.update(part)
    value: bytes = digest.finalize()
    return value


def _signed_attributes(digest: bytes, signing_time: datetime) -> cms.CMSAttributes:
    return cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute(
                {"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]}
            ),
            cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
        ]
    )


def sm2_signed_data(
    digest: bytes,
    signer: Signer,
    certificate: bytes,
    chain: Sequence[bytes],
    *,
    signing_time: datetime,
) -> bytes:
    """A detached CMS SignedData (DER ContentInfo) over content whose SM3 digest is ``digest``.

    The SM2 signature covers the DER SET OF the signed attributes (RFC 5652 §5.4), with the Z
    value of the default user id, as every SM2 signature ecert makes.
    """
    if signer.algorithm is not Algorithm.SM2_SM3:
        raise EcertError(
            "unsupported_algorithm",
            "国密 PDF 签章只能使用 SM2 密钥",
            "an SM2 PDF signature needs an SM2 key",
        )
    attributes = _signed_attributes(digest, signing_time.astimezone(UTC).replace(microsecond=0))
    raw = signer.sign(attributes.dump())
    signature = algos.DSASignature(
        {"r": int.from_bytes(raw[:32], "big"), "s": int.from_bytes(raw[32:], "big")}
    ).dump()
    signer_certificate = x509.Certificate.load(certificate)
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {
                            "issuer": signer_certificate.issuer,
                            "serial_number": signer_certificate.serial_number,
                        }
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": SM3}),
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": SM2_WITH_SM3}),
            "signature": signature,
        }
    )
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": SM3})],
            "encap_content_info": {"content_type": "data"},
            "certificates": [
                cms.CertificateChoices({"certificate": x509.Certificate.load(der)})
                for der in (certificate, *chain)
            ],
            "signer_infos": [signer_info],
        }
    )
    der: bytes = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    return der


def pdf_seal_sm2(
    pdf: bytes,
    signer: Signer,
    certificate: bytes,
    chain: Sequence[bytes],
    *,
    field_name: str,
    reason: str,
    location: str = "",
    now: datetime | None = None,
) -> bytes:
    """Sign ``pdf`` as its certifying author (DocMDP: no changes) with an SM2 CMS signature in an
    invisible field, as ``pades.pdf_seal`` does with PAdES."""
    moment = now or datetime.now(UTC)
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=True)
    except (PdfError, ValueError) as error:
        raise EcertError("unreadable_pdf", "PDF 无法读取", "cannot read the PDF") from error
    placeholder = SignatureObject(
        timestamp=moment,
        subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        location=location or None,
        reason=reason,
        bytes_reserved=SIGNATURE_SPACE,
    )
    placeholder[pdf_name("/Filter")] = pdf_name("/Adobe.PPKLite")
    embedding = PdfCMSEmbedder(SigFieldSpec(field_name)).write_cms(field_name, writer)
    next(embedding)
    embedding.send(
        SigObjSetup(
            sig_placeholder=placeholder,
            mdp_setup=SigMDPSetup(
                md_algorithm="sha256", certify=True, docmdp_perms=MDPPerm.NO_CHANGES
            ),
        )
    )
    # pyHanko insists on hashing the ranges with an algorithm it knows; that digest is unused.
    prepared, output = embedding.send(SigIOSetup(md_algorithm="sha256"))
    written = output.getbuffer()
    try:
        digest = sm3(
            written[: prepared.reserved_region_start], written[prepared.reserved_region_end :]
        )
    finally:
        written.release()
    der = sm2_signed_data(digest, signer, certificate, chain, signing_time=moment)
    if 2 * len(der) > prepared.reserved_region_end - prepared.reserved_region_start - 2:
        raise EcertError(
            "signing_failed",
            "PDF 签章失败：签名数据超出预留空间",
            "sealing the PDF failed: the signature does not fit its placeholder",
        )
    embedding.send(der)
    sealed: bytes = output.getvalue()
    return sealed


@dataclass(frozen=True)
class Sm2SignatureCheck:
    """What an SM2 CMS signature says about the bytes it covers."""

    intact: bool  # the digest matches and the SM2 signature over the attributes holds
    trusted: bool  # the signer certificate was issued by a trusted root and is valid
    signer_certificate: bytes = b""
    signer_name: str = ""
    signed_at: datetime | None = None


def is_sm2_signed_data(cms_der: bytes) -> bool:
    """Whether a PDF signature's /Contents is a SignedData whose signer digests with SM3."""
    try:
        content = cms.ContentInfo.load(cms_der)
        if content["content_type"].native != "signed_data":
            return False
        infos = content["content"]["signer_infos"]
        return len(infos) == 1 and infos[0]["digest_algorithm"]["algorithm"].dotted == SM3
    except (ValueError, TypeError, KeyError):
        return False


def sm2_signed_data_check(
    cms_der: bytes,
    signed_parts: Sequence[bytes],
    trust_roots: Sequence[bytes],
    *,
    at: datetime | None = None,
) -> Sm2SignatureCheck:
    """Check a detached SM2 SignedData over the concatenation of ``signed_parts``; never raises
    for a malformed signature (it is then neither intact nor trusted)."""
    try:
        signed_data = cms.ContentInfo.load(cms_der)["content"]
        (signer_info,) = signed_data["signer_infos"]
        certificate = _signer_certificate(signed_data, signer_info)
        attributes = {a["type"].native: a["values"] for a in signer_info["signed_attrs"]}
        intact = _attributes_hold(signer_info, attributes, sm3(*signed_parts), certificate)
        signing_time = (
            attributes["signing_time"][0].native if "signing_time" in attributes else None
        )
    except (ValueError, TypeError, KeyError, EcertError):
        return Sm2SignatureCheck(intact=False, trusted=False)
    moment = at or datetime.now(UTC)
    return Sm2SignatureCheck(
        intact=intact,
        trusted=_trusted(certificate, trust_roots, moment),
        signer_certificate=certificate.der,
        signer_name=_human_name(certificate.der),
        signed_at=signing_time,
    )


def _signer_certificate(
    signed_data: cms.SignedData, signer_info: cms.SignerInfo
) -> CertificateInfo:
    """The certificate among ``certificates`` that the SignerInfo's issuer and serial name."""
    sid = signer_info["sid"]
    if sid.name != "issuer_and_serial_number":
        raise ValueError("the signer is not named by issuer and serial number")
    wanted = sid.chosen
    for choice in signed_data["certificates"]:
        if choice.name != "certificate":
            continue
        candidate = choice.chosen
        if (
            candidate.serial_number == wanted["serial_number"].native
            and candidate.issuer.dump() == wanted["issuer"].dump()
        ):
            return parse_certificate(candidate.dump())
    raise ValueError("the signer's certificate is not in the signature")


def _attributes_hold(
    signer_info: cms.SignerInfo,
    attributes: dict[str, core.SetOf],
    digest: bytes,
    certificate: CertificateInfo,
) -> bool:
    """SM3 and SM2 named, the content type data, the digest the ranges', the signature good."""
    if signer_info["digest_algorithm"]["algorithm"].dotted != SM3:
        return False
    if signer_info["signature_algorithm"]["algorithm"].dotted not in _SIGNATURE_ALGORITHMS:
        return False
    content_types = attributes.get("content_type")
    digests = attributes.get("message_digest")
    if content_types is None or [v.native for v in content_types] != ["data"]:
        return False
    if digests is None or len(digests) != 1 or digests[0].native != digest:
        return False
    key = load_verification_key(certificate.subject_public_key_der)
    if key.algorithm is not Algorithm.SM2_SM3:
        return False
    signature = bytes(signer_info["signature"].native)
    pair = algos.DSASignature.load(signature)
    if pair.dump() != signature:
        return False
    r, s = pair["r"].native, pair["s"].native
    if not (0 < r < 2**256 and 0 < s < 2**256):
        return False
    # The signature covers the attributes as they were sent, tagged as a SET OF (RFC 5652 §5.4)
    # rather than with the [0] IMPLICIT tag they carry in the SignerInfo.
    contents = bytes(signer_info["signed_attrs"].contents)
    signed = b"\x31" + _der_length(len(contents)) + contents
    return key.verify(signed, r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def _trusted(certificate: CertificateInfo, trust_roots: Sequence[bytes], moment: datetime) -> bool:
    """Issued by one of ``trust_roots`` (a self-signed root valid at ``moment``), and valid."""
    if not valid_at(certificate, moment):
        return False
    for der in trust_roots:
        try:
            root = parse_certificate(der)
        except EcertError:
            continue
        if valid_at(root, moment) and verify_issued_by(certificate, root):
            return True
    return False


def _human_name(der: bytes) -> str:
    name: str = x509.Certificate.load(der).subject.human_friendly
    return name
