"""The test vectors published in docs/formats/vectors/ are what the code produces."""

from __future__ import annotations

import json
from pathlib import Path

from ecert.core.formats import cose
from ecert.core.formats.algorithms import load_verification_key
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.qr import parse_qr_text
from tests.core.format_vectors import (
    build_vectors,
    build_verification_vectors,
    example_claims,
)

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors" / "v1.json"
VERIFICATION = VECTORS.with_name("verification-v1.json")


def test_published_vectors_match_the_code_byte_for_byte():
    assert json.loads(VECTORS.read_text(encoding="utf-8")) == build_vectors()


def test_published_credentials_verify_and_decode_to_the_documented_claims():
    published = json.loads(VECTORS.read_text(encoding="utf-8"))
    key = load_verification_key(bytes.fromhex(published["signing_key"]["public_key_spki_der_hex"]))
    for name, claims in example_claims().items():
        vector = published["credentials"][name]
        host, signed = parse_qr_text(vector["qr_text"])
        message = cose.decode_sign1(signed)
        assert host == published["verify_host"]
        assert cose.verify_sign1(message, key)
        assert claims_from_cbor(message.payload) == claims


def test_published_verification_vectors_are_what_the_python_verifier_answers():
    """Each case's verdict and checks are the server's verifier's (computed when building)."""
    published = json.loads(VERIFICATION.read_text(encoding="utf-8"))
    assert published == build_verification_vectors()
    verdicts = {case["name"]: case["verdict"] for case in published["credentials"]}
    assert verdicts["valid_ed25519"] == verdicts["valid_es256"] == "valid"
    assert verdicts["revoked"] == "revoked"
    assert verdicts["bad_signature"] == verdicts["wrong_algorithm"] == "not_genuine"
    assert verdicts["unknown_key"] == verdicts["signer_revoked"] == "untrusted"
    refusals = {case["name"]: case["refused"] for case in published["trust_lists"]}
    assert refusals == {
        "trusted": "",
        "bad_signature": "bad_signature",
        "other_root": "other_root",
        "stranger": "bad_signature",
    }
