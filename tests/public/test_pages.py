"""The public pages: the QR landing page, the online query and the PDF check, as a browser sees
them (Django's test client; the Chromium tests are in tests/browser)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.documents.services import document_original, document_path
from ecert.verification.models import VerificationEvent
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import payload_of


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


def test_the_landing_page_shows_the_verdict_first_and_masks_the_holder(
    client: Client, proof: Credential
) -> None:
    response = client.get(reverse("verify:landing", args=[payload_of(proof)]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="valid"' in page
    assert page.index('data-testid="verdict"') < page.index('data-testid="facts"')
    assert "张*" in page
    assert "张堃" not in page
    assert holder_id_number(proof.holder) not in page
    assert "2025370100001234" in page


def test_a_forged_landing_url_says_not_genuine(client: Client, proof: Credential) -> None:
    payload = payload_of(proof)
    forged = payload[:-6] + ("000000" if payload[-6:] != "000000" else "111111")

    response = client.get(reverse("verify:landing", args=[forged]))

    assert response.status_code == 200
    assert 'data-verdict="not_genuine"' in response.content.decode()


def _checks_shown(page: str) -> str:
    return page[page.index('class="checks"') : page.index("</details>")]


def test_the_checks_behind_a_verdict_read_as_chinese_sentences(
    client: Client, proof: Credential
) -> None:
    payload = payload_of(proof)
    forged = payload[:-6] + ("000000" if payload[-6:] != "000000" else "111111")

    genuine = _checks_shown(client.get(reverse("verify:landing", args=[payload])).content.decode())
    altered = _checks_shown(client.get(reverse("verify:landing", args=[forged])).content.decode())

    assert "签名完好，内容未被改动" in genuine
    assert "状态有效" in genuine
    assert "未核对持证人" in genuine
    assert "签名不符" in altered or "格式不正确" in altered
    for shown in (genuine, altered):
        text = re.sub(r"<[^>]+>", " ", shown)  # what the reader sees, not the data attributes
        assert not re.search(r"integrity|signer|status|validity|pass|fail|\bok\b", text), text


def test_the_query_page_answers_a_match_and_a_miss_alike_in_shape(
    client: Client, proof: Credential
) -> None:
    id_number = holder_id_number(proof.holder)
    url = reverse("verify:query")

    hit = client.post(url, {"name": "张堃", "id_number": id_number, "number": "2025370100001234"})
    miss = client.post(url, {"name": "张堃", "id_number": id_number, "number": "2025370100009999"})

    assert 'data-verdict="valid"' in hit.content.decode()
    assert 'data-verdict="not_found"' in miss.content.decode()
    assert VerificationEvent.objects.count() == 2


def test_the_query_needs_all_three_details(client: Client, proof: Credential) -> None:
    response = client.post(reverse("verify:query"), {"name": "张堃", "number": "2025370100001234"})

    assert response.status_code == 200
    assert 'data-testid="error-id_number"' in response.content.decode()
    assert not VerificationEvent.objects.exists()


def test_the_query_is_rate_limited_per_address(client: Client, proof: Credential) -> None:
    url = reverse("verify:query")
    data = {"name": "张堃", "id_number": "370102198805170000", "number": "X"}
    answers = [client.post(url, data).status_code for _ in range(31)]

    assert answers[:30] == [200] * 30
    assert answers[30] == 429
    assert VerificationEvent.objects.count() == 30


def test_the_original_pdf_is_an_original(client: Client, proof: Credential) -> None:
    document = document_original(actor=None, credential=proof, now=timezone.now())
    pdf = document_path(document).read_bytes()

    response = client.post(
        reverse("verify:pdf"), {"file": SimpleUploadedFile("证书.pdf", pdf, "application/pdf")}
    )

    page = response.content.decode()
    assert 'data-original="yes"' in page
    assert 'data-verdict="valid"' in page


def test_a_pdf_with_one_byte_added_is_not_an_original(client: Client, proof: Credential) -> None:
    document = document_original(actor=None, credential=proof, now=timezone.now())
    pdf = document_path(document).read_bytes() + b"\n% re-saved\n"

    response = client.post(
        reverse("verify:pdf"), {"file": SimpleUploadedFile("证书.pdf", pdf, "application/pdf")}
    )

    page = response.content.decode()
    assert 'data-original="no"' in page


def test_a_file_that_is_no_pdf_is_refused_kindly(client: Client, proof: Credential) -> None:
    response = client.post(
        reverse("verify:pdf"), {"file": SimpleUploadedFile("x.pdf", b"hello", "application/pdf")}
    )

    assert response.status_code == 200
    assert 'data-reason="not_pdf"' in response.content.decode()


def test_the_seal_picture_is_public(client: Client, proof: Credential) -> None:
    response = client.get(reverse("verify:seal", args=["sd-hrss"]))
    missing = client.get(reverse("verify:seal", args=["no-such"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert missing.status_code == 404
