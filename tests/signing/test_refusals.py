"""The codes callers of the signing services answer as refusals: the services' own, never a key
store's, a certificate's, an identifier's or a claim's fault."""

from __future__ import annotations

from ecert.core.formats import algorithms, claims, identifiers, keystore, x509
from ecert.issuance import importer
from ecert.issuance.services import IMPORT_FAILURES
from ecert.signing import services
from ecert.signing.services import KEY_ROTATE_REFUSALS
from tests.error_codes import codes_raised

FAULTS = codes_raised(keystore, algorithms, x509, identifiers) | claims.BUILD_CODES


def test_signing_refusals_are_codes_the_signing_services_raise() -> None:
    assert codes_raised(services) >= KEY_ROTATE_REFUSALS


def test_no_fault_of_signing_is_answered_as_a_refusal() -> None:
    assert not FAULTS & KEY_ROTATE_REFUSALS


def test_a_failed_import_says_every_refusal_of_the_importer_and_its_signing_as_it_is() -> None:
    assert codes_raised(importer) | {"no_key", "no_batch_key"} <= IMPORT_FAILURES
    assert not (FAULTS - claims.BUILD_CODES) & IMPORT_FAILURES  # claims: told apart by field
