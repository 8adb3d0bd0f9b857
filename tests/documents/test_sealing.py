"""Sealed PDFs of stored credentials: signed, cached by version, checked as an outsider would.

pyHanko and poppler's pdfsig validate the signature; a changed byte, a re-saved file and a
printed-to-PDF copy are not originals (seeds 000 §三, 002 §四); the QR code read back from the
rendered page (pdftoppm + zxing-cpp) verifies offline with the trust list alone.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.conf import settings as django_settings
from PIL import Image

from ecert.audit.models import AuditEvent
from ecert.core.documents.pades import pdf_check
from ecert.core.documents.qr_images import qr_texts_in_image
from ecert.core.errors import EcertError
from ecert.core.formats.status_list import StatusListDocument
from ecert.core.formats.trust_list import TrustList, load_trust_list
from ecert.core.formats.verify import Verdict, load_status_list, verify_qr_text
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import Correction, credential_correct
from ecert.credentials.status_lists import status_lists_publish
from ecert.documents.models import ScopedCopy, SealedDocument, SealImage
from ecert.documents.services import (
    document_original,
    document_path,
    document_scoped,
    scoped_copy_create,
)
from ecert.signing.models import RootCertificate
from ecert.signing.services import trust_list_publish
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.tsa import running_tsa

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("issuing_keys")


@dataclass(frozen=True)
class Sealed:
    credential: Credential
    pdf: bytes
    root: bytes


def _signed_proof(world: World) -> Credential:
    """A Shandong e-proof (seed 000) for 张堃, registered in Jinan, signed at NOW."""
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


def _trust_list(now: datetime) -> TrustList:
    """Publish a trust list and read it back as an offline verifier holding the root would."""
    publication = trust_list_publish(actor=None, now=now)
    return load_trust_list(bytes(publication.document), root_certificate=_root())


def _status(world: World, trust_list: TrustList, now: datetime) -> dict[int, StatusListDocument]:
    """The issuer's status lists as published at ``now``, read with the trust list."""
    published = status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=now)
    documents = [load_status_list(bytes(p.document), trust_list) for p in published]
    return {document.list_number: document for document in documents}


def _root() -> bytes:
    return bytes(RootCertificate.objects.get(active=True).certificate)


@pytest.fixture
def sealed(world: World) -> Sealed:
    credential = _signed_proof(world)
    document = document_original(actor=None, credential=credential, now=NOW)
    return Sealed(credential, document_path(document).read_bytes(), _root())


def _poppler(name: str, *args: str | Path, check: bool = True) -> str:
    """Run a poppler-utils tool (as a reader outside ecert would) and return what it printed."""
    path = shutil.which(name)
    assert path is not None, f"{name} is missing: apt-get install poppler-utils"
    done = subprocess.run(  # noqa: S603 - a fixed tool with file arguments, no shell
        [path, *map(str, args)], capture_output=True, text=True, check=check
    )
    return done.stdout


def test_the_sealed_pdf_is_an_original_to_pyhanko_and_pdfsig(
    sealed: Sealed, tmp_path: Path
) -> None:
    check = pdf_check(sealed.pdf, [sealed.root])
    file = tmp_path / "proof.pdf"
    file.write_bytes(sealed.pdf)
    pdfsig = _poppler("pdfsig", file, check=False)

    assert check.original
    assert "山东省人力资源和社会保障厅" in check.signer_name
    assert sealed.credential.public_id in check.reason
    assert "Signature is Valid." in pdfsig
    assert "Total document signed" in pdfsig


def test_the_page_shows_the_holder_and_the_number(sealed: Sealed, tmp_path: Path) -> None:
    file = tmp_path / "proof.pdf"
    file.write_bytes(sealed.pdf)
    text = _poppler("pdftotext", file, "-")

    assert "张堃" in text
    assert "2025370100001234" in text


def test_one_changed_byte_makes_it_no_original(sealed: Sealed, tmp_path: Path) -> None:
    changed = bytearray(sealed.pdf)
    changed[sealed.pdf.index(b"/MediaBox") + 12] ^= 0x01
    file = tmp_path / "changed.pdf"
    file.write_bytes(bytes(changed))
    pdfsig = _poppler("pdfsig", file, check=False)

    assert not pdf_check(bytes(changed), [sealed.root]).original
    assert "Signature is Valid." not in pdfsig


def test_a_resaved_copy_is_no_original(sealed: Sealed) -> None:
    resaved = BytesIO()
    with pikepdf.open(BytesIO(sealed.pdf)) as document:
        document.docinfo["/Title"] = "改过的"
        document.save(resaved)

    assert not pdf_check(resaved.getvalue(), [sealed.root]).original


def test_a_printed_to_pdf_copy_carries_no_signature(sealed: Sealed, tmp_path: Path) -> None:
    source, printed = tmp_path / "proof.pdf", tmp_path / "printed.pdf"
    source.write_bytes(sealed.pdf)
    _poppler("pdftocairo", "-pdf", source, printed)

    check = pdf_check(printed.read_bytes(), [sealed.root])

    assert (check.signed, check.original) == (False, False)


def test_the_qr_read_from_the_rendered_page_verifies_offline(
    sealed: Sealed, world: World, tmp_path: Path
) -> None:
    file = tmp_path / "proof.pdf"
    file.write_bytes(sealed.pdf)
    _poppler("pdftoppm", "-r", "200", "-png", "-singlefile", file, tmp_path / "page")

    texts = qr_texts_in_image(tmp_path / "page.png")
    trust_list = _trust_list(NOW)
    result = verify_qr_text(
        texts[0], trust_list=trust_list, now=NOW, status_lists=_status(world, trust_list, NOW)
    )

    assert len(texts) == 1
    assert result.verdict is Verdict.VALID
    assert result.claims is not None
    assert result.claims.public_id == sealed.credential.public_id


def test_asking_again_returns_the_same_bytes(sealed: Sealed) -> None:
    again = document_original(actor=None, credential=sealed.credential, now=NOW + timedelta(days=3))

    assert document_path(again).read_bytes() == sealed.pdf
    assert SealedDocument.objects.filter(credential=sealed.credential).count() == 1
    assert AuditEvent.objects.filter(action="document.sealed").count() == 1


def test_a_corrected_credential_has_its_own_document_and_the_old_one_gets_none(
    world: World, sealed: Sealed
) -> None:
    corrected = credential_correct(
        actor=world.user("province_admin"),
        credential=sealed.credential,
        correction=Correction(name="张堃坤"),
        reason="姓名录入错误",
        now=NOW + timedelta(days=1),
    )

    newer = document_original(actor=None, credential=corrected, now=NOW + timedelta(days=1))

    assert document_path(newer).read_bytes() != sealed.pdf
    with pytest.raises(EcertError) as raised:
        document_original(
            actor=None,
            credential=Credential.objects.get(pk=sealed.credential.pk),
            now=NOW + timedelta(days=1),
        )
    assert raised.value.code == "not_valid"


def test_a_revoked_credential_gets_no_document(world: World) -> None:
    credential = _signed_proof(world)
    Credential.objects.filter(pk=credential.pk).update(status=CredentialStatus.REVOKED)
    credential.refresh_from_db()

    with pytest.raises(EcertError) as raised:
        document_original(actor=None, credential=credential, now=NOW)

    assert raised.value.code == "not_valid"


def test_a_scoped_copy_carries_its_purpose_and_expires(world: World, tmp_path: Path) -> None:
    credential = _signed_proof(world)
    copy = scoped_copy_create(
        actor=None,
        credential=credential,
        purpose="办理执业注册",
        valid_until=date(2026, 12, 31),
        now=NOW,
    )
    document = document_scoped(actor=None, scoped_copy=copy, now=NOW)
    pdf = document_path(document).read_bytes()
    file = tmp_path / "copy.pdf"
    file.write_bytes(pdf)
    _poppler("pdftoppm", "-r", "200", "-png", "-singlefile", file, tmp_path / "page")
    text = _poppler("pdftotext", file, "-")
    qr = qr_texts_in_image(tmp_path / "page.png")[0]
    trust_list = _trust_list(NOW)

    later = datetime(2027, 1, 1, 3, tzinfo=UTC)
    before = verify_qr_text(
        qr, trust_list=trust_list, now=NOW, status_lists=_status(world, trust_list, NOW)
    )
    after = verify_qr_text(
        qr, trust_list=trust_list, now=later, status_lists=_status(world, trust_list, later)
    )

    assert pdf_check(pdf, [_root()]).original
    assert "办理执业注册" in pdf_check(pdf, [_root()]).reason
    assert "办理执业注册" in text
    assert before.verdict is Verdict.VALID
    assert before.claims is not None
    assert (before.claims.purpose, before.claims.valid_until) == (
        "办理执业注册",
        date(2026, 12, 31),
    )
    assert after.verdict is Verdict.EXPIRED
    assert document_scoped(actor=None, scoped_copy=copy, now=NOW).sha256 == document.sha256


@pytest.mark.parametrize(
    ("purpose", "valid_until", "code"),
    [
        ("", date(2026, 12, 31), "bad_purpose"),
        ("一" * 21, date(2026, 12, 31), "bad_purpose"),
        ("注册\u0007", date(2026, 12, 31), "bad_purpose"),
        ("注册\ue000", date(2026, 12, 31), "bad_purpose"),  # private use: no character at all
        ("注册\U00030000", date(2026, 12, 31), "uncovered_character"),  # in no font of ours
        ("注册", date(2026, 11, 24), "bad_valid_until"),
        ("注册", date(2027, 12, 31), "bad_valid_until"),
    ],
)
def test_a_bad_scope_is_refused_and_nothing_is_made(
    world: World, purpose: str, valid_until: date, code: str
) -> None:
    credential = _signed_proof(world)

    with pytest.raises(EcertError) as raised:
        scoped_copy_create(
            actor=None, credential=credential, purpose=purpose, valid_until=valid_until, now=NOW
        )

    assert raised.value.code == code
    assert not ScopedCopy.objects.exists()


def test_with_a_timestamp_authority_the_seal_is_b_t(world: World, settings: Any) -> None:
    credential = _signed_proof(world)
    with running_tsa() as tsa:
        settings.ECERT_TSA_URL = tsa.url
        document = document_original(actor=None, credential=credential, now=NOW)
        check = pdf_check(document_path(document).read_bytes(), [_root(), tsa.root_der])

    assert document.timestamped
    assert check.original
    assert check.timestamp is not None


def test_documents_live_under_the_data_directory(sealed: Sealed) -> None:
    document = SealedDocument.objects.get(credential=sealed.credential)

    assert document_path(document).is_relative_to(Path(django_settings.ECERT_DATA_DIR))
    assert document.sha256 in document.path


def test_an_issuer_without_a_seal_picture_gets_no_document(world: World) -> None:
    credential = _signed_proof(world)
    SealImage.objects.filter(authority=credential.issuing_authority).delete()

    with pytest.raises(EcertError) as raised:
        document_original(actor=None, credential=credential, now=NOW)

    assert raised.value.code == "no_seal"
    assert "山东省人力资源和社会保障厅" in raised.value.zh
    assert not SealedDocument.objects.exists()


def test_the_page_shows_the_issuers_red_seal(sealed: Sealed, tmp_path: Path) -> None:
    file = tmp_path / "proof.pdf"
    file.write_bytes(sealed.pdf)
    _poppler("pdftoppm", "-r", "50", "-png", "-singlefile", file, tmp_path / "page")
    with Image.open(tmp_path / "page.png") as page:
        pixels = page.convert("RGB").get_flattened_data()
    red = sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)  # type: ignore[misc]

    assert red > 500  # the ring, star and name of a 4 cm seal at 50 dpi; nothing else is red


def test_a_scoped_copy_counts_tomorrow_in_china_time(world: World) -> None:
    """At 01:00 in Shanghai on 7 December it is still 6 December in UTC; tomorrow is the 8th."""
    credential = _signed_proof(world)
    after_midnight = datetime(2026, 12, 6, 17, tzinfo=UTC)

    with pytest.raises(EcertError) as raised:
        scoped_copy_create(
            actor=None,
            credential=credential,
            purpose="办理执业注册",
            valid_until=date(2026, 12, 7),
            now=after_midnight,
        )
    copy = scoped_copy_create(
        actor=None,
        credential=credential,
        purpose="办理执业注册",
        valid_until=date(2026, 12, 8),
        now=after_midnight,
    )

    assert raised.value.code == "bad_valid_until"
    assert copy.valid_until == date(2026, 12, 8)
