"""The oracle itself answers right: published SM3 vectors, and SM2 signatures it must refuse."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ecert.core.formats.algorithms import Algorithm, generate_key
from tests import gm_oracle


def test_sm3_matches_the_standards_examples() -> None:
    # GB/T 32905-2016 appendix A, examples 1 and 2
    assert gm_oracle.sm3_digest(b"abc").hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    assert gm_oracle.sm3_digest(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_accepts_ecerts_sm2_signature_and_refuses_a_changed_message_or_key() -> None:
    key = generate_key(Algorithm.SM2_SM3)
    raw = key.sign(b"certificate")
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    point = gm_oracle.public_point(key.public_key_der())

    assert gm_oracle.sm2_verify(point, signature, b"certificate")
    assert not gm_oracle.sm2_verify(point, signature, b"certificatf")
    other = gm_oracle.public_point(generate_key(Algorithm.SM2_SM3).public_key_der())
    assert not gm_oracle.sm2_verify(other, signature, b"certificate")
    assert not gm_oracle.sm2_verify(point, b"\x30\x00", b"certificate")


def test_keys_whose_x_starts_with_0_or_4_are_checked_too() -> None:
    """gmssl's own constructor would strip those digits; the oracle must not lose them."""
    seen = 0
    while seen < 2:
        key = generate_key(Algorithm.SM2_SM3)
        point = gm_oracle.public_point(key.public_key_der())
        if point.hex()[0] not in "04":
            continue
        seen += 1
        raw = key.sign(b"certificate")
        signature = encode_dss_signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        )
        assert gm_oracle.sm2_verify(point, signature, b"certificate")
