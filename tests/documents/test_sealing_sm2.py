"""A national-algorithm deployment: root and signer keys are SM2, so the document service seals
a credential's PDF with an SM2/SM3 CMS. The independent verifier (gmssl) accepts it, the PDF
check page calls it the original, and a changed copy is not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.documents.models import SealedDocument
from ecert.documents.services import document_original, document_path
from ecert.signing.models import RootCertificate, SignerKey
from tests.conftest import World, issuing_keys_install
from tests.pdf_sm2_verifier import Rejected, verify_sm2_pdf
from tests.portal.signed import signed_proof
from tests.public.pdf_copies import altered


@pytest.fixture
def issuing_keys(
    settings: Any, tmp_path: Path, catalogue: dict[str, Qualification]
) -> dict[str, Authority]:
    """This module's deployment: an SM2 root and SM2 signer keys (``keys init --algorithm sm2``)."""
    return issuing_keys_install(settings, tmp_path, Algorithm.SM2_SM3)


@pytest.fixture
def sm2_pdf(world: World, issuing_keys: Any) -> bytes:
    credential = signed_proof(world, "jinan", "2025370100001234")
    document = document_original(actor=None, credential=credential, now=timezone.now())
    return document_path(document).read_bytes()


def _root() -> bytes:
    return bytes(RootCertificate.objects.get(active=True).certificate)


def _check_page(client: Client, pdf: bytes) -> str:
    upload = SimpleUploadedFile("证书.pdf", pdf, "application/pdf")
    response = client.post(reverse("verify:pdf"), {"file": upload})
    assert response.status_code == 200
    return response.content.decode()


def test_the_credentials_pdf_is_sealed_with_sm2_and_the_independent_verifier_accepts_it(
    sm2_pdf: bytes,
) -> None:
    seal = verify_sm2_pdf(sm2_pdf, _root())
    issuer_key = SignerKey.objects.get(authority__key="sd-hrss")
    credential = SealedDocument.objects.get().credential

    assert RootCertificate.objects.get(active=True).algorithm == Algorithm.SM2_SM3
    assert seal.signer_certificate == bytes(issuer_key.certificate)
    assert seal.reason.endswith(credential.public_id)


def test_the_pdf_check_page_calls_the_sm2_sealed_pdf_the_original(
    client: Client, sm2_pdf: bytes
) -> None:
    page = _check_page(client, sm2_pdf)

    assert 'data-original="yes"' in page
    assert 'data-verdict="valid"' in page


def test_a_changed_sm2_sealed_pdf_is_not_the_original(client: Client, sm2_pdf: bytes) -> None:
    copy = altered(sm2_pdf)

    with pytest.raises(Rejected):
        verify_sm2_pdf(copy, _root())
    assert 'data-original="no" data-reason="altered"' in _check_page(client, copy)


def test_with_a_timestamp_authority_an_sm2_deployment_is_refused_and_nothing_stored(
    world: World, issuing_keys: Any, settings: Any
) -> None:
    """Decision 322: SM2 seals carry no timestamp, so none is made where one was asked for."""
    settings.ECERT_TSA_URL = "http://127.0.0.1:9/tsa"
    credential = signed_proof(world, "jinan", "2025370100001234")

    with pytest.raises(EcertError) as raised:
        document_original(actor=None, credential=credential, now=timezone.now())

    assert raised.value.code == "signing_failed"
    assert "ECERT_TSA_URL" in raised.value.zh
    assert not SealedDocument.objects.exists()
