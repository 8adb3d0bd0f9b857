"""PAdES signatures on sealed PDFs (pyHanko), made with our own key stores, and their check.

The signature is a certification signature (DocMDP: no changes allowed) in an invisible field;
the seal picture is part of the page layout. The key never leaves its store: pyHanko asks
``_StoreSigner`` for the raw signature over the signed attributes and we hand the bytes to the
file key or the PKCS#11 token, as the COSE signatures do. With a timestamp-authority URL the
signature gets an RFC 3161 timestamp (PAdES B-T); without one it is B-B.

A key on the SM2 curve seals with SM2 and SM3 instead (``pdf_sm2``: a CMS as Chinese PDF sealing
tools write it, no timestamp), and ``pdf_check`` reads either kind.

Seeds 000 §三 and 002 §四 say only the signed original counts: a re-saved, edited or printed-to-PDF
copy either carries no signature or one whose digest no longer matches, and ``pdf_check`` tells
which.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, TypeVar

from asn1crypto import algos, x509
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError, UnacceptableSignerError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import SignatureCoverageLevel, async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecert.core.documents.pdf_sm2 import is_sm2_signed_data, pdf_seal_sm2, sm2_signed_data_check
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm, Signer

FIELD_NAME = "ecert-seal"
# Signature mechanism and the message digest CMS pairs with it (RFC 8419 fixes SHA-512 for Ed25519).
_MECHANISMS = {
    Algorithm.ES256: ("sha256_ecdsa", "sha256"),
    Algorithm.EDDSA: ("ed25519", "sha512"),
}
# Room pyHanko leaves for the CMS blob; an ECDSA signature with two certificates and a timestamp
# token fits with plenty to spare.
_SIGNATURE_SPACE = 16_384
T = TypeVar("T")


@dataclass(frozen=True)
class SealingKey:
    """A document-signer key with its certificate and the certificates above it (DER)."""

    signer: Signer
    certificate: bytes
    chain: tuple[bytes, ...]


class _StoreSigner(signers.Signer):
    """pyHanko's signer interface over an ecert key-store key (raw r‖s or Ed25519 bytes)."""

    def __init__(self, key: SealingKey) -> None:
        mechanism, _digest = _MECHANISMS.get(key.signer.algorithm, ("", ""))
        if not mechanism:
            raise EcertError(
                "unsupported_algorithm",
                "PAdES 签章只支持 ES256 或 Ed25519 密钥",
                f"PAdES signatures support ES256 and Ed25519 keys, not {key.signer.algorithm.name}",
            )
        certificate = x509.Certificate.load(key.certificate)
        chain = [x509.Certificate.load(der) for der in key.chain]
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),  # type: ignore[no-untyped-call]
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": mechanism}),
            embed_roots=True,
        )
        self._key = key.signer

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        if dry_run:
            return bytes(72)  # the longest DER ECDSA P-256 signature, for the size estimate
        raw = self._key.sign(data)
        if self._key.algorithm is Algorithm.ES256:
            half = len(raw) // 2
            return bytes(
                encode_dss_signature(
                    int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
                )
            )
        return raw


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run one of pyHanko's coroutines to its end from synchronous code.

    pyHanko's synchronous functions call ``asyncio.run``, which refuses to start inside a running
    event loop (an async caller; Playwright's in the browser tests). There the coroutine runs in
    a thread of its own with a loop of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def pdf_seal(
    pdf: bytes,
    key: SealingKey,
    *,
    reason: str,
    location: str = "",
    timestamp_url: str = "",
) -> bytes:
    """Sign ``pdf`` as its certifying author; B-T when ``timestamp_url`` is given.

    An SM2 key makes an SM2/SM3 CMS signature (``pdf_sm2``) rather than PAdES. Those carry no
    timestamp (decision 322): with a timestamp authority configured the seal is refused rather
    than quietly made without one.
    """
    if key.signer.algorithm is Algorithm.SM2_SM3:
        if timestamp_url:
            raise EcertError(
                "signing_failed",
                "PDF 签章失败：国密 SM2 签章不支持时间戳，请取消时间戳服务配置（ECERT_TSA_URL）",
                "sealing the PDF failed: SM2 PDF signatures carry no timestamp; unset the "
                "timestamp authority (ECERT_TSA_URL)",
            )
        return pdf_seal_sm2(
            pdf,
            key.signer,
            key.certificate,
            key.chain,
            field_name=FIELD_NAME,
            reason=reason,
            location=location,
        )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=True)
    except (PdfError, ValueError) as error:
        raise EcertError("unreadable_pdf", "PDF 无法读取", "cannot read the PDF") from error
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm=_MECHANISMS.get(key.signer.algorithm, ("", "sha256"))[1],
        subfilter=SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason=reason,
        location=location or None,
    )
    timestamper = HTTPTimeStamper(timestamp_url, timeout=10) if timestamp_url else None
    out = BytesIO()
    try:
        _run(
            signers.async_sign_pdf(
                writer,
                metadata,
                signer=_StoreSigner(key),
                timestamper=timestamper,
                new_field_spec=SigFieldSpec(FIELD_NAME),  # no box: an invisible field
                output=out,
                bytes_reserved=_SIGNATURE_SPACE,
            )
        )
    except (SigningError, UnacceptableSignerError, OSError) as error:
        raise EcertError(
            "signing_failed", f"PDF 签章失败：{error}", f"sealing the PDF failed: {error}"
        ) from error
    return out.getvalue()


@dataclass(frozen=True)
class PdfCheck:
    """What a PDF's signature says. ``original`` is the one verdict that matters to a verifier."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged and the signature verifies
    whole_file: bool = False  # nothing was added after signing
    trusted: bool = False  # the signer certificate chains to a trusted root
    signer_certificate: bytes = b""
    signer_name: str = ""
    reason: str = ""
    timestamp: datetime | None = None  # from a timestamp token (B-T), else None
    signed_at: datetime | None = None  # the time the signer claimed

    @property
    def original(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


def pdf_check(pdf: bytes, trust_roots: Sequence[bytes], *, at: datetime | None = None) -> PdfCheck:
    """Validate the first signature of ``pdf`` against ``trust_roots`` (DER certificates)."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, IndexError) as error:
        raise EcertError("unreadable_pdf", "PDF 无法读取", "cannot read the PDF") from error
    if not signatures:
        return PdfCheck(signed=False)
    signature = signatures[0]
    if is_sm2_signed_data(signature.pkcs7_content):
        return _sm2_check(pdf, signature, len(signatures), trust_roots, at)
    context = ValidationContext(
        trust_roots=[x509.Certificate.load(der) for der in trust_roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=at,
    )
    try:
        status = _run(
            async_validate_pdf_signature(
                signature, signer_validation_context=context, ts_validation_context=context
            )
        )
    except (PdfError, ValueError, SigningError):
        return PdfCheck(signed=True)
    certificate = status.signing_cert
    return PdfCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1,
        trusted=bool(status.trusted),
        signer_certificate=certificate.dump() if certificate is not None else b"",
        signer_name=certificate.subject.human_friendly if certificate is not None else "",
        reason=str(signature.sig_object.get("/Reason", "")),
        timestamp=status.timestamp_validity.timestamp if status.timestamp_validity else None,
        signed_at=status.signer_reported_dt,
    )


def _sm2_check(
    pdf: bytes,
    signature: EmbeddedPdfSignature,
    count: int,
    trust_roots: Sequence[bytes],
    at: datetime | None,
) -> PdfCheck:
    """``pdf_check`` for an SM2 CMS signature: pyHanko reads the ranges and the coverage, and
    ``pdf_sm2`` the digest, the signature and the certificate."""
    byte_range = [int(value) for value in signature.byte_range]
    if len(byte_range) != 4 or byte_range[0] != 0:
        return PdfCheck(signed=True)
    _start, first, second, length = byte_range
    parts = (pdf[:first], pdf[second : second + length])
    if second + length > len(pdf):
        return PdfCheck(signed=True)
    result = sm2_signed_data_check(signature.pkcs7_content, parts, trust_roots, at=at)
    return PdfCheck(
        signed=True,
        intact=result.intact,
        whole_file=signature.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
        and count == 1,
        trusted=result.trusted,
        signer_certificate=result.signer_certificate,
        signer_name=result.signer_name,
        reason=str(signature.sig_object.get("/Reason", "")),
        signed_at=result.signed_at,
    )
