"""The file check page takes an OFD too: a GB/T 38540-sealed OFD of a certificate is the original
with its certificate's verdict; a changed, unsealed or wrongly sealed one is not."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.core.documents.ofd import package_zip
from ecert.core.documents.ofd_seal import ofd_seal
from ecert.core.documents.seals import round_seal_png
from ecert.core.formats.qr import make_qr, qr_text
from ecert.core.rules.kinds import CredentialKind
from ecert.credentials.models import Credential
from ecert.signing.services import electronic_seal_create, ofd_sealing_key, seal_maker_ensure
from tests.conftest import World
from tests.core.ofd_seal_world import STAMP, ofd_package
from tests.portal.signed import signed_proof

Files = dict[str, bytes]


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def _seal_for(authority: Authority) -> None:
    now = timezone.now()
    province = Authority.objects.get(key="sd-hrss")
    maker = seal_maker_ensure(actor=None, province=province, now=now)
    electronic_seal_create(
        actor=None,
        authority=authority,
        kinds=[CredentialKind.EXAM_PROOF],
        picture=round_seal_png(authority.name, size=300),
        maker=maker,
        now=now,
    )


def _certificate_ofd(proof: Credential) -> Files:
    """A one-page OFD showing the certificate's QR code, as the OFD writer draws it."""
    assert proof.signed is not None
    text = qr_text(
        settings.ECERT_VERIFY_HOST, bytes(proof.signed), scheme=settings.ECERT_VERIFY_SCHEME
    )
    png = io.BytesIO()
    make_qr(text).save(png, kind="png", scale=6, border=4)
    return ofd_package(text="电子合格证明", image=png.getvalue())


def _sealed_by(authority: Authority, files: Files) -> bytes:
    key = ofd_sealing_key(authority, CredentialKind.EXAM_PROOF, timezone.now())
    return package_zip(ofd_seal(files, key=key, place=STAMP, at=timezone.now()))


def _check(client: Client, ofd: bytes) -> str:
    upload = SimpleUploadedFile("证书.ofd", ofd, "application/ofd")
    response = client.post(reverse("verify:pdf"), {"file": upload})
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_sealed_ofd_is_the_original_with_its_certificates_verdict(
    client: Client, proof: Credential
) -> None:
    _seal_for(proof.issuing_authority)

    page = _check(client, _sealed_by(proof.issuing_authority, _certificate_ofd(proof)))

    assert 'data-original="yes"' in page
    assert 'data-verdict="valid"' in page
    assert "真实有效" in _shown(page)
    assert 'class="check fail"' not in page


def test_a_changed_ofd_is_not_an_original(client: Client, proof: Credential) -> None:
    _seal_for(proof.issuing_authority)
    sealed = _sealed_by(proof.issuing_authority, _certificate_ofd(proof))
    forged = sealed.replace(b"Doc_0/Res/qr.png", b"Doc_0/Res/qr.PNG")  # renamed inside the zip

    page = _check(client, forged)

    assert 'data-original="no" data-reason="altered"' in page
    assert "此文件不是原件" in _shown(page)
    assert 'data-verdict="valid"' not in page


def test_an_unsealed_ofd_is_not_an_original(client: Client, proof: Credential) -> None:
    page = _check(client, package_zip(_certificate_ofd(proof)))

    assert 'data-original="no" data-reason="unsigned"' in page


def test_an_ofd_sealed_by_another_authority_is_not_an_original(
    client: Client, proof: Credential
) -> None:
    other = Authority.objects.get(key="sd-pta")
    _seal_for(other)

    page = _check(client, _sealed_by(other, _certificate_ofd(proof)))

    assert 'data-original="no" data-reason="wrong_signer"' in page


def test_a_zip_that_is_no_ofd_is_not_readable(client: Client, proof: Credential) -> None:
    page = _check(client, package_zip({"readme.txt": b"hello"}))

    assert 'data-original="no" data-reason="not_pdf"' in page
    assert "不是可读取的 PDF 或 OFD 文件" in _shown(page)


def test_the_page_says_it_takes_an_ofd_in_english_too(client: Client, proof: Credential) -> None:
    response = client.get(reverse("verify:pdf"), HTTP_ACCEPT_LANGUAGE="en")

    assert "PDF or OFD file" in response.content.decode()
