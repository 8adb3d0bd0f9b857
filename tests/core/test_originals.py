"""The one decision on a PDF (page and CLI alike): the first failed check is the answer, the later
ones are not reached, and only a file that passes all six is the original."""

from __future__ import annotations

import pytest

from ecert.core.documents.ofd_seal import OfdCheck
from ecert.core.documents.originals import (
    PdfReading,
    PdfReason,
    pdf_check_outcomes,
    pdf_read,
    pdf_reason,
)
from ecert.core.documents.pades import PdfCheck

SEALED = PdfCheck(signed=True, intact=True, whole_file=True, trusted=True, signer_certificate=b"K")


def _reason(
    check: PdfCheck | OfdCheck | None, *, qr: bool = True, issuer: bytes = b"K"
) -> PdfReason:
    asked: list[bytes] = []

    def sealed_by_issuer(certificate: bytes) -> bool:
        asked.append(certificate)
        return certificate == issuer

    reason = pdf_reason(PdfReading(check), credential_read=qr, sealed_by_issuer=sealed_by_issuer)
    if reason is not PdfReason.OK and reason is not PdfReason.WRONG_SIGNER:
        assert asked == []  # the issuer is asked about only once everything else has passed
    return reason


def test_only_a_file_that_passes_every_check_is_the_original() -> None:
    assert _reason(SEALED) is PdfReason.OK
    assert [c.passed for c in pdf_check_outcomes(PdfReason.OK)] == [True] * 6


@pytest.mark.parametrize(
    ("check", "qr", "issuer", "reason"),
    [
        (PdfCheck(signed=False), True, b"K", PdfReason.UNSIGNED),
        (PdfCheck(signed=True, whole_file=False, trusted=False), True, b"K", PdfReason.ALTERED),
        (
            PdfCheck(signed=True, intact=True, trusted=True),
            True,
            b"K",
            PdfReason.ADDED_AFTER_SIGNING,
        ),
        (PdfCheck(signed=True, intact=True, whole_file=True), True, b"K", PdfReason.UNTRUSTED),
        (SEALED, False, b"K", PdfReason.NO_QR),
        (SEALED, True, b"other", PdfReason.WRONG_SIGNER),
    ],
)
def test_the_first_failed_check_is_the_reason(
    check: PdfCheck, qr: bool, issuer: bytes, reason: PdfReason
) -> None:
    assert _reason(check, qr=qr, issuer=issuer) is reason
    outcomes = pdf_check_outcomes(reason)
    failed = [c for c in outcomes if c.passed is False]
    assert [c.reason for c in failed] == [reason]
    position = outcomes.index(failed[0])
    assert all(c.passed is True for c in outcomes[:position])
    assert all(c.passed is None for c in outcomes[position + 1 :])


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n garbage", b"%PDF-" + bytes(300)])
def test_a_file_that_is_no_readable_pdf_is_an_answer_not_a_crash(data: bytes) -> None:
    reading = pdf_read(data, [])
    assert reading == PdfReading(None)
    assert _reason(reading.check) is PdfReason.NOT_PDF
    assert all(c.passed is None for c in pdf_check_outcomes(PdfReason.NOT_PDF))
