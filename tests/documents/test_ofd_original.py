"""The OFD original of a credential (issue 19): the page of its PDF as an OFD, sealed with the
issuer's GB/T 38540 electronic seal. The independent verifier (gmssl, the standard's ASN.1)
accepts it; its QR picture carries the credential; it is stored once and handed out again; the
file check page calls it the original; an issuer without an electronic seal gets none."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from ecert.core.documents.ofd import NS
from ecert.core.documents.qr_images import qr_texts_in_pictures
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_text
from ecert.credentials.models import Credential
from ecert.documents.models import Media, SealedDocument
from ecert.documents.services import document_original, document_path
from ecert.signing.services import seal_root
from tests.conftest import World
from tests.documents.conftest import electronic_seals_made
from tests.portal.signed import signed_proof
from tests.ses_verifier import SealInvalid, verify_sealed_ofd

pytestmark = pytest.mark.django_db


@pytest.fixture
def proof(world: World, issuing_keys: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def _original(proof: Credential) -> SealedDocument:
    return document_original(actor=None, credential=proof, now=timezone.now(), media=Media.OFD)


def _files(ofd: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(ofd)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_independent_verifier_accepts_the_issuers_seal(proof: Credential) -> None:
    electronic_seals_made()
    document = _original(proof)
    ofd = document_path(document).read_bytes()

    said = verify_sealed_ofd(ofd, bytes(seal_root().certificate))

    assert document.media == Media.OFD
    assert document_path(document).suffix == ".ofd"
    assert proof.issuing_authority.name in str(said)
    files = _files(ofd)
    page = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    printed = "".join(code.text or "" for code in page.iterfind(f".//{{{NS}}}TextCode"))
    assert proof.holder_name in printed
    assert proof.issuing_authority.name in printed


def test_a_changed_name_on_the_page_fails_the_independent_verifier(proof: Credential) -> None:
    electronic_seals_made()
    ofd = document_path(_original(proof)).read_bytes()
    files = _files(ofd)
    page = "Doc_0/Pages/Page_0/Content.xml"
    files[page] = files[page].replace(proof.holder_name.encode(), "李四".encode(), 1)
    changed = BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)

    with pytest.raises(SealInvalid):
        verify_sealed_ofd(changed.getvalue(), bytes(seal_root().certificate))


def test_its_qr_picture_carries_the_credential(proof: Credential) -> None:
    electronic_seals_made()
    files = _files(document_path(_original(proof)).read_bytes())
    pictures = [data for name, data in files.items() if name.startswith("Doc_0/Res/")]
    assert proof.signed is not None
    expected = qr_text(
        settings.ECERT_VERIFY_HOST, bytes(proof.signed), scheme=settings.ECERT_VERIFY_SCHEME
    )
    assert qr_texts_in_pictures(pictures) == [expected]


def test_it_is_made_once_and_the_pdf_stays_its_own(proof: Credential) -> None:
    electronic_seals_made()
    first = _original(proof)
    again = _original(proof)
    pdf = document_original(actor=None, credential=proof, now=timezone.now())

    assert again.pk == first.pk
    assert pdf.media == Media.PDF
    assert pdf.pk != first.pk
    assert document_path(pdf).read_bytes().startswith(b"%PDF-")


def test_the_file_check_page_calls_it_the_original(proof: Credential, client: Client) -> None:
    electronic_seals_made()
    ofd = document_path(_original(proof)).read_bytes()
    upload = SimpleUploadedFile("证书.ofd", ofd, "application/ofd")

    page = client.post(reverse("verify:pdf"), {"file": upload}).content.decode()

    assert 'data-original="yes"' in page
    assert 'data-verdict="valid"' in page


def test_an_issuer_without_an_electronic_seal_gets_no_ofd(proof: Credential) -> None:
    with pytest.raises(EcertError) as refused:
        _original(proof)

    assert refused.value.code == "no_seal"
    assert not SealedDocument.objects.filter(media=Media.OFD).exists()
