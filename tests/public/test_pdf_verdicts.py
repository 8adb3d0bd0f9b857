"""The PDF check page gives one verdict: the original with its certificate's verdict, or "not an
original" with the check that failed and nothing from the copy (no green box, no seal picture)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecert.credentials.models import Credential
from ecert.documents.services import document_original, document_path
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.pdf_copies import altered, printed, sealed_by


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


@pytest.fixture
def original(proof: Credential) -> bytes:
    document = document_original(actor=None, credential=proof, now=timezone.now())
    return document_path(document).read_bytes()


def _check(client: Client, pdf: bytes) -> str:
    upload = SimpleUploadedFile("证书.pdf", pdf, "application/pdf")
    response = client.post(reverse("verify:pdf"), {"file": upload})
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str) -> str:
    """What a reader sees: the text without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_the_original_shows_its_certificate_verdict_and_every_file_check_passed(
    client: Client, original: bytes
) -> None:
    page = _check(client, original)

    assert 'data-original="yes"' in page
    assert 'data-verdict="valid"' in page
    assert "真实有效" in _shown(page)
    assert "原件" in _shown(page)
    assert page.count('class="check pass"') >= 6
    assert 'class="check fail"' not in page


@pytest.mark.parametrize(
    ("copy", "reason", "says"),
    [
        (altered, "altered", "内容在盖章后被修改过"),
        (printed, "unsigned", "没有电子印章，可能是扫描件、打印生成的 PDF"),
        (lambda pdf: pdf + b"\n% re-saved\n", "added_after_signing", "盖章后被重新保存或编辑过"),
    ],
    ids=["altered", "printed", "re-saved"],
)
def test_a_copy_is_one_verdict_not_an_original_without_green_or_seal(
    client: Client, original: bytes, copy: Any, reason: str, says: str
) -> None:
    page = _check(client, copy(original))
    shown = _shown(page)

    assert f'data-original="no" data-reason="{reason}"' in page
    assert "此文件不是原件" in shown
    assert says in shown
    assert f'data-check="{_failed(reason)}" data-reason="{reason}"' in page
    _assert_nothing_vouches_for_the_copy(page)


def test_a_copy_sealed_by_another_authority_is_not_an_original(
    client: Client, original: bytes, issuing_keys: Any
) -> None:
    page = _check(client, sealed_by(original, issuing_keys["sd-pta"]))

    assert 'data-original="no" data-reason="wrong_signer"' in page
    assert "并非由签发文件中证书的机构加盖" in _shown(page)
    _assert_nothing_vouches_for_the_copy(page)


def _failed(reason: str) -> str:
    return {
        "unsigned": "sealed",
        "altered": "intact",
        "added_after_signing": "whole_file",
        "wrong_signer": "issuer",
    }[reason]


def _assert_nothing_vouches_for_the_copy(page: str) -> None:
    shown = _shown(page)
    assert "真实有效" not in shown
    assert "✓ 此" not in shown
    assert 'class="verdict valid' not in page
    assert 'data-testid="verdict"' not in page  # no certificate verdict beside "not an original"
    assert 'data-testid="facts"' not in page
    assert "/verify/seal/" not in page
    assert "张*" not in shown
    assert 'data-testid="pdf-next"' in page
    assert reverse("verify:query") in page
