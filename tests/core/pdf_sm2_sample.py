"""The published SM2-sealed PDF sample of docs/formats/pdf-sm2.md: a one-page PDF sealed with an
SM2 key whose certificate an SM2 root issued, with that root beside it.

SM2 signatures are randomised, so the sample is a file to check against, not bytes to reproduce:
``python -m tests.core.pdf_sm2_sample`` writes a new one; tests/core/test_pdf_sm2.py checks the
committed one with both verifiers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pikepdf

from ecert.core.documents.pades import SealingKey, pdf_seal
from ecert.core.formats.algorithms import Algorithm
from tests.core.signing_world import make_root, make_signer

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors" / "pdf-sm2"
SAMPLE, ROOT = FOLDER / "sealed.pdf", FOLDER / "root.der"
REASON = "职业资格考试电子合格证明 7QK3M9X2C4VTH8RA"
LOCATION = "山东省人力资源和社会保障厅"
CHECKED_AT = datetime(2027, 1, 1, tzinfo=UTC)  # inside both certificates' validity


def _page() -> bytes:
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    out = BytesIO()
    document.save(out, deterministic_id=True)
    return out.getvalue()


def write_sample(folder: Path = FOLDER) -> None:
    root = make_root(Algorithm.SM2_SM3, name="ecert 示例 SM2 根证书")
    signer = make_signer(root, Algorithm.SM2_SM3, serial=2)
    key = SealingKey(signer.signer, signer.certificate, (root.certificate,))
    sealed = pdf_seal(_page(), key, reason=REASON, location=LOCATION)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SAMPLE.name).write_bytes(sealed)
    (folder / ROOT.name).write_bytes(root.certificate)


if __name__ == "__main__":
    write_sample()
