"""Is a PDF or an OFD someone was sent the sealed original of the certificate in it? One decision,
made the same way by the public file check page and by ``ecert verify <file.pdf|file.ofd>``.

A PDF carries a PAdES seal; an OFD a GB/T 38540 electronic seal (``ofd_seal``), whose check
answers in the same terms, so both go through the same checks and reasons. An OFD's QR code is
read from its picture resources.

The file passes six checks in order, and the first that fails is the answer's reason: it carries
a seal; the sealed bytes are unchanged; nothing was added after sealing; the seal's key chains to
a root the verifier trusts; a certificate QR code can be read in it; the seal was made by a key
of the authority that issued that certificate. Seeds 000 §三 and 002 §四: only the signed
original counts, so a file that fails any of them is not an original, whatever its QR code says.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ecert.core.documents.ofd_seal import OfdCheck, ofd_files_check, package_unzip
from ecert.core.documents.pades import PdfCheck, pdf_check
from ecert.core.documents.qr_images import qr_texts_in_pdf_bytes, qr_texts_in_pictures

ZIP_MAGIC = b"PK\x03\x04"  # an OFD is a zip package (GB/T 33190 §7.1)
_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


class PdfReason(StrEnum):
    """Why a file is, or is not, the original: ``ok`` or the first check it failed."""

    OK = "ok"
    NOT_PDF = "not_pdf"
    UNSIGNED = "unsigned"
    ALTERED = "altered"
    ADDED_AFTER_SIGNING = "added_after_signing"
    UNTRUSTED = "untrusted"
    NO_QR = "no_qr"
    WRONG_SIGNER = "wrong_signer"


# The checks in the order they are made: each one's name and the reason its failure gives.
PDF_CHECKS: tuple[tuple[str, PdfReason], ...] = (
    ("sealed", PdfReason.UNSIGNED),
    ("intact", PdfReason.ALTERED),
    ("whole_file", PdfReason.ADDED_AFTER_SIGNING),
    ("trusted", PdfReason.UNTRUSTED),
    ("qr", PdfReason.NO_QR),
    ("issuer", PdfReason.WRONG_SIGNER),
)


@dataclass(frozen=True)
class PdfCheckOutcome:
    """One check of a file: passed True, failed False (the reason), or None (not reached)."""

    name: str
    reason: PdfReason
    passed: bool | None


@dataclass(frozen=True)
class PdfReading:
    """What the file's seal says and the QR texts printed on it; ``check`` None: no readable PDF."""

    check: PdfCheck | OfdCheck | None
    qr_texts: tuple[str, ...] = ()


def pdf_read(pdf: bytes, trust_roots: Sequence[bytes]) -> PdfReading:
    """Read the seal and the QR codes of a stranger's file (PDF or OFD); never raises for a bad
    file."""
    if pdf.startswith(ZIP_MAGIC):
        return _ofd_read(pdf, trust_roots)
    if not pdf.startswith(b"%PDF-"):
        return PdfReading(None)
    try:
        check = pdf_check(pdf, trust_roots)
        texts = qr_texts_in_pdf_bytes(pdf)
    except Exception:  # a stranger's file through two PDF parsers: an answer, never a crash
        return PdfReading(None)
    return PdfReading(check, tuple(texts))


def _ofd_read(ofd: bytes, trust_roots: Sequence[bytes]) -> PdfReading:
    try:
        files = package_unzip(ofd)
        check = ofd_files_check(files, trust_roots)
        pictures = (
            data for path, data in sorted(files.items()) if path.lower().endswith(_PICTURE_SUFFIXES)
        )
        texts = qr_texts_in_pictures(pictures)
    except Exception:  # a stranger's zip: an answer, never a crash
        return PdfReading(None)
    return PdfReading(check, tuple(texts))


def pdf_reason(
    reading: PdfReading,
    *,
    credential_read: bool,
    sealed_by_issuer: Callable[[bytes], bool],
) -> PdfReason:
    """The first check the file fails, or ``ok`` for the original.

    ``credential_read``: a certificate QR code in the file was read (its signature aside);
    ``sealed_by_issuer(certificate)``: the DER signer certificate of the seal belongs to a key of
    the authority that issued that certificate (the registry's keys online, the trust list
    offline).
    """
    check = reading.check
    if check is None:
        return PdfReason.NOT_PDF
    passed = {
        PdfReason.UNSIGNED: lambda: check.signed,
        PdfReason.ALTERED: lambda: check.intact,
        PdfReason.ADDED_AFTER_SIGNING: lambda: check.whole_file,
        PdfReason.UNTRUSTED: lambda: check.trusted,
        PdfReason.NO_QR: lambda: credential_read,
        PdfReason.WRONG_SIGNER: lambda: sealed_by_issuer(check.signer_certificate),
    }
    for _name, reason in PDF_CHECKS:
        if not passed[reason]():
            return reason
    return PdfReason.OK


def pdf_check_outcomes(reason: PdfReason) -> tuple[PdfCheckOutcome, ...]:
    """Each check of a file whose answer was ``reason``: passed up to the one that failed."""
    reasons = [failure for _name, failure in PDF_CHECKS]
    failed = reasons.index(reason) if reason in reasons else len(reasons)
    if reason is PdfReason.NOT_PDF:
        failed = -1  # nothing could be checked
    return tuple(
        PdfCheckOutcome(name, failure, None if i > failed or failed < 0 else i < failed)
        for i, (name, failure) in enumerate(PDF_CHECKS)
    )
