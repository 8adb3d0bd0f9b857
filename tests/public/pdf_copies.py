"""Copies of a sealed PDF that are not the original, made as people make them: a byte changed, a
"print to PDF", the page sealed again by a key that is trusted but not the issuer's."""

from __future__ import annotations

import io
from typing import Any

import pypdfium2
from django.utils import timezone

from ecert.core.documents.pades import pdf_seal
from ecert.core.rules.kinds import CredentialKind
from ecert.signing.services import sealing_key


def altered(pdf: bytes) -> bytes:
    """One character of the sealed bytes changed (the producer's name in the metadata)."""
    assert pdf.count(b"/Creator(Typst ") == 1
    return pdf.replace(b"/Creator(Typst ", b"/Creator(Typse ", 1)


def printed(pdf: bytes) -> bytes:
    """A "print to PDF": the page drawn as a picture and written as a new PDF without a seal."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        picture = document[0].render(scale=2).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    picture.save(out, format="PDF")
    return out.getvalue()


def sealed_by(pdf: bytes, authority: Any) -> bytes:
    """The same page sealed again by ``authority``'s key (trusted here, but not the issuer's)."""
    unsealed = pdf[: pdf.index(b"%%EOF") + len(b"%%EOF\n")]  # the layout before the seal
    key = sealing_key(authority, CredentialKind.EXAM_PROOF, timezone.now())
    return pdf_seal(unsealed, key, reason="copy")
