"""The codes the proof page answers as refusals: proof_issue's own and signing's, never a broken
credential rule's or a fault of signing."""

from __future__ import annotations

from ecert.core.formats import algorithms, identifiers, keystore
from ecert.credentials.pipeline import ISSUE_REFUSALS
from ecert.issuance import services
from ecert.issuance.services import PROOF_REFUSALS
from tests.error_codes import codes_raised


def test_proof_refusals_are_codes_proof_issue_raises() -> None:
    assert codes_raised(services) >= PROOF_REFUSALS


def test_a_fault_of_signing_is_not_a_proof_refusal() -> None:
    faults = codes_raised(keystore, algorithms, identifiers)
    answered = PROOF_REFUSALS | ISSUE_REFUSALS | {"not_found"}
    assert not faults & answered
