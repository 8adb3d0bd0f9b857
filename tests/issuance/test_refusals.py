"""The codes the proof page answers as refusals: proof_issue's own and signing's, never a broken
credential rule's or a fault of signing."""

from __future__ import annotations

from ecert.core.formats import algorithms, claims, identifiers, keystore
from ecert.core.rules import credential_rules
from ecert.issuance import services
from ecert.issuance.services import PROOF_REFUSALS
from ecert.signing.services import CREDENTIAL_SIGN_REFUSALS
from tests.error_codes import codes_raised


def test_proof_refusals_are_codes_proof_issue_raises() -> None:
    assert codes_raised(services) >= PROOF_REFUSALS


def test_a_broken_credential_rule_or_a_signing_fault_is_not_a_proof_refusal() -> None:
    faults = codes_raised(credential_rules, keystore, algorithms, identifiers) | claims.BUILD_CODES
    answered = PROOF_REFUSALS | CREDENTIAL_SIGN_REFUSALS | {"not_found"}
    assert not faults & answered
