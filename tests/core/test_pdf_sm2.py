"""SM2/SM3 PDF seals: accepted by the independent verifier (gmssl) and by ``pdf_check``, and a
changed byte, a changed signed attribute, another key's signature or a certificate from another
root rejected by both; poppler and PDFium still open the file and find the signature field."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium
import pytest

from ecert.core.documents.originals import PdfReason, pdf_read, pdf_reason
from ecert.core.documents.pades import FIELD_NAME, SealingKey, pdf_check, pdf_seal
from ecert.core.documents.pdf_sm2 import sm2_signed_data, sm3
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from tests.core.pdf_sm2_sample import CHECKED_AT, REASON, ROOT, SAMPLE
from tests.core.signing_world import NOW, Key, make_root, make_signer
from tests.pdf_sm2_verifier import Rejected, signature_field, verify_sm2_pdf

AUTHORITY = "山东省人力资源和社会保障厅"


@dataclass(frozen=True)
class Sm2World:
    root: Key
    signer: Key  # issued by root
    stranger: Key  # an SM2 key with a certificate from another root of the same name


@pytest.fixture(scope="module")
def sm2() -> Sm2World:
    root = make_root(Algorithm.SM2_SM3)
    impostor_root = make_root(Algorithm.SM2_SM3)  # same name, another key
    return Sm2World(
        root,
        make_signer(root, Algorithm.SM2_SM3, serial=21),
        make_signer(impostor_root, Algorithm.SM2_SM3, serial=21),
    )


def _blank_pdf() -> bytes:
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _seal(key: Key, root: Key) -> bytes:
    sealing = SealingKey(signer=key.signer, certificate=key.certificate, chain=(root.certificate,))
    return pdf_seal(_blank_pdf(), sealing, reason="电子证书 7K3M9P2QX4TV8WRB", location=AUTHORITY)


@pytest.fixture(scope="module")
def sealed(sm2: Sm2World) -> bytes:
    return _seal(sm2.signer, sm2.root)


def _with_contents(pdf: bytes, cms_der: bytes) -> bytes:
    """``pdf`` with another CMS in its /Contents placeholder (same length, zero-padded)."""
    match = re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", pdf)
    assert match is not None
    first, second = int(match[1]), int(match[2])
    width = second - first - 2
    hexed = cms_der.hex().encode().ljust(width, b"0")
    assert len(hexed) == width
    return pdf[: first + 1] + hexed + pdf[second - 1 :]


def test_the_independent_verifier_accepts_the_sm2_seal(sm2: Sm2World, sealed: bytes) -> None:
    seal = verify_sm2_pdf(sealed, sm2.root.certificate)
    check = pdf_check(sealed, [sm2.root.certificate], at=NOW)

    assert seal.signer_certificate == sm2.signer.certificate
    assert seal.certificates == (sm2.signer.certificate, sm2.root.certificate)
    assert seal.reason == "电子证书 7K3M9P2QX4TV8WRB"
    assert check.original
    assert check.signer_certificate == sm2.signer.certificate
    assert AUTHORITY in check.signer_name
    assert check.signed_at == seal.signing_time


def test_a_changed_byte_inside_the_signed_range_fails(sm2: Sm2World, sealed: bytes) -> None:
    changed = bytearray(sealed)
    changed[sealed.index(b"/MediaBox") + 12] ^= 0x01

    with pytest.raises(Rejected, match="messageDigest"):
        verify_sm2_pdf(bytes(changed), sm2.root.certificate)
    check = pdf_check(bytes(changed), [sm2.root.certificate], at=NOW)
    assert (check.signed, check.intact, check.original) == (True, False, False)


def test_a_changed_signed_attribute_fails(sm2: Sm2World, sealed: bytes) -> None:
    contents = signature_field(sealed).contents.rstrip(b"\0")
    signing_time_oid = bytes.fromhex("06092a864886f70d010905")  # 1.2.840.113549.1.9.5
    time_at = contents.index(b"\x17\x0d", contents.index(signing_time_oid)) + 2  # YYMMDDhhmmssZ
    year = contents[time_at : time_at + 2]
    forged = contents[:time_at] + (b"25" if year != b"25" else b"24") + contents[time_at + 2 :]

    tampered = _with_contents(sealed, forged)

    with pytest.raises(Rejected, match="SM2 signature"):
        verify_sm2_pdf(tampered, sm2.root.certificate)
    assert not pdf_check(tampered, [sm2.root.certificate], at=NOW).intact


def test_a_signature_by_another_key_fails(sm2: Sm2World, sealed: bytes) -> None:
    """The right certificate, the right digest, but signed by the stranger's key."""
    field = signature_field(sealed)
    forged = sm2_signed_data(
        sm3(field.signed_bytes),
        sm2.stranger.signer,
        sm2.signer.certificate,
        (sm2.root.certificate,),
        signing_time=NOW,
    )

    tampered = _with_contents(sealed, forged)

    with pytest.raises(Rejected, match="SM2 signature"):
        verify_sm2_pdf(tampered, sm2.root.certificate)
    assert not pdf_check(tampered, [sm2.root.certificate], at=NOW).original


def test_a_certificate_not_issued_by_the_root_fails(sm2: Sm2World) -> None:
    sealed = _seal(sm2.stranger, sm2.root)

    with pytest.raises(Rejected, match="not issued by the root"):
        verify_sm2_pdf(sealed, sm2.root.certificate)
    check = pdf_check(sealed, [sm2.root.certificate], at=NOW)
    assert (check.intact, check.trusted, check.original) == (True, False, False)


def test_bytes_added_after_sealing_are_not_the_original(sm2: Sm2World, sealed: bytes) -> None:
    check = pdf_check(sealed + b"\n% re-saved\n", [sm2.root.certificate], at=NOW)

    assert (check.intact, check.whole_file, check.original) == (True, False, False)


def test_poppler_and_pdfium_open_the_file_and_find_the_signature_field(
    sealed: bytes, tmp_path: Path
) -> None:
    pdfsig = shutil.which("pdfsig")
    assert pdfsig is not None, "poppler-utils must be installed (apt-get install poppler-utils)"
    file = tmp_path / "sm2.pdf"
    file.write_bytes(sealed)
    shown = subprocess.run(  # noqa: S603 - a fixed tool with a file argument
        [pdfsig, str(file)], capture_output=True, text=True, check=False
    ).stdout
    document = pypdfium2.PdfDocument(sealed)
    signature = pdfium.FPDF_GetSignatureObject(document, 0)
    size = pdfium.FPDFSignatureObj_GetSubFilter(signature, None, 0)
    sub_filter = ctypes.create_string_buffer(size)
    pdfium.FPDFSignatureObj_GetSubFilter(signature, sub_filter, size)

    assert f"Signature Field Name: {FIELD_NAME}" in shown
    assert AUTHORITY in shown
    assert "adbe.pkcs7.detached" in shown
    assert "Total document signed" in shown
    assert len(document) == 1
    assert pdfium.FPDF_GetSignatureCount(document) == 1
    assert sub_filter.value == b"adbe.pkcs7.detached"


def test_an_sm2_seal_with_a_timestamp_authority_is_refused(sm2: Sm2World) -> None:
    key = SealingKey(sm2.signer.signer, sm2.signer.certificate, (sm2.root.certificate,))

    with pytest.raises(EcertError) as raised:
        pdf_seal(_blank_pdf(), key, reason="r", timestamp_url="http://127.0.0.1:9/tsa")

    assert raised.value.code == "signing_failed"
    assert "ECERT_TSA_URL" in raised.value.en


def test_the_published_sample_is_accepted_by_both_verifiers() -> None:
    sealed, root = SAMPLE.read_bytes(), ROOT.read_bytes()

    seal = verify_sm2_pdf(sealed, root)
    check = pdf_check(sealed, [root], at=CHECKED_AT)

    assert seal.reason == check.reason == REASON
    assert check.original
    assert check.signer_certificate == seal.signer_certificate


def test_a_cms_with_the_gmt_0010_content_type_identifiers_is_no_readable_signature(
    sealed: bytes,
) -> None:
    """Decision 320: ecert writes and reads the PKCS#7 identifiers; a file using GM/T 0010's own
    signedData identifier is not one of ours, and the check page says it cannot read it."""
    contents = signature_field(sealed).contents.rstrip(b"\0")
    pkcs7_signed_data = bytes.fromhex("06092a864886f70d010702")  # 1.2.840.113549.1.7.2
    gmt_signed_data = bytes.fromhex("060a2a811ccf550601040202")  # 1.2.156.10197.6.1.4.2.2
    assert contents[:2] == b"\x30\x82"
    body = contents[4:].replace(pkcs7_signed_data, gmt_signed_data, 1)
    relabelled = b"\x30\x82" + len(body).to_bytes(2, "big") + body

    reading = pdf_read(_with_contents(sealed, relabelled), [])

    assert reading.check is None
    assert pdf_reason(reading, credential_read=False, sealed_by_issuer=bool) is PdfReason.NOT_PDF
