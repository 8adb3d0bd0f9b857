"""The test vectors published in docs/formats/vectors/ are what the code produces."""

from __future__ import annotations

import json
from pathlib import Path

from ecert.core.formats import cose
from ecert.core.formats.algorithms import load_verification_key
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.qr import parse_qr_text
from tests.core.format_vectors import build_vectors, example_claims

VECTORS = Path(__file__).resolve().parents[2] / "docs" / "formats" / "vectors" / "v1.json"


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
