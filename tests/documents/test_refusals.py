"""The codes the document pages answer with: every refusal of the steps behind them, and never
a key store's fault or claims that cannot be signed (those go up as they always did)."""

from __future__ import annotations

from ecert.core.documents import faces as core_faces
from ecert.core.documents import pades, print_file, render
from ecert.core.formats import algorithms, claims, keystore, qr
from ecert.documents import faces, printing, services
from ecert.documents.services import DOCUMENT_REFUSALS, RENDER_REFUSALS, SCOPED_COPY_REFUSALS
from tests.error_codes import codes_raised

KEY_STORE_FAULTS = codes_raised(keystore, algorithms)


def test_render_refusals_are_every_code_of_the_renderer_and_the_faces() -> None:
    assert codes_raised(render, core_faces, print_file, faces) == RENDER_REFUSALS


def test_a_sealed_pdf_answers_every_refusal_of_rendering_the_qr_code_and_the_seal() -> None:
    assert codes_raised(render, core_faces, faces, qr, pades) <= DOCUMENT_REFUSALS
    assert codes_raised(services) <= DOCUMENT_REFUSALS | SCOPED_COPY_REFUSALS


def test_a_key_store_fault_is_never_answered_as_a_refusal() -> None:
    assert not KEY_STORE_FAULTS & DOCUMENT_REFUSALS
    assert not KEY_STORE_FAULTS & SCOPED_COPY_REFUSALS


def test_claims_that_cannot_be_signed_are_not_a_scoped_copy_refusal() -> None:
    assert not claims.BUILD_CODES & SCOPED_COPY_REFUSALS


def test_print_refusals_are_every_code_of_print_file_create() -> None:
    assert codes_raised(printing) == printing.PRINT_REFUSALS
