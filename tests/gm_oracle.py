"""An independent SM2/SM3 check for the tests: gmssl (pure Python), never the code under test.

ecert signs SM2 through tongsuopy (Tongsuo's C). The seal tests must not let that library vouch
for itself, so every SM3 digest and SM2 signature they accept is recomputed here by gmssl, with
the certificate fields read by asn1crypto. gmssl is an oracle only: it is slow (≈ 150 signatures
a second) and draws its nonces from ``random``, so nothing in ``src`` may use it.

The SM2 signature is GB/T 32918.2 over SM3(Z ‖ M), Z from the default user id
``1234567812345678`` (GB/T 35276 §5.4), the (r, s) pair DER-encoded as in GB/T 35276 §7.3.
"""

from __future__ import annotations

from asn1crypto import algos, core, keys, x509
from gmssl import func, sm2, sm3

SM2_CURVE = "1.2.156.10197.1.301"
SM2_WITH_SM3 = "1.2.156.10197.1.501"
SM3_OID = "1.2.156.10197.1.401"


def sm3_digest(data: bytes) -> bytes:
    """SM3 of ``data`` (GB/T 32905), computed by gmssl."""
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def public_point(spki_or_certificate_der: bytes) -> bytes:
    """The 64 bytes x ‖ y of the SM2 public key in an SPKI or a certificate, refusing other curves."""
    outer = core.Sequence.load(spki_or_certificate_der)
    is_certificate = len(outer) == 3  # tbsCertificate, signatureAlgorithm, signatureValue
    if is_certificate:
        spki = x509.Certificate.load(spki_or_certificate_der).public_key
    else:
        spki = keys.PublicKeyInfo.load(spki_or_certificate_der)
    algorithm = spki["algorithm"]
    curve = algorithm["parameters"].chosen.dotted if algorithm["parameters"].name == "named" else ""
    if curve != SM2_CURVE:
        raise AssertionError(f"not an SM2 key: curve {curve!r}")
    point: bytes = spki["public_key"].native
    if len(point) != 65 or point[0] != 4:
        raise AssertionError("the SM2 public key is not an uncompressed point")
    return point[1:]


def sm2_verify(point: bytes, signature_der: bytes, message: bytes) -> bool:
    """Whether ``signature_der`` (SEQUENCE of r, s) is an SM2-with-SM3 signature of ``message``."""
    try:
        pair = algos.DSASignature.load(signature_der)
        r, s = pair["r"].native, pair["s"].native
    except (ValueError, TypeError):
        return False
    if pair.dump() != signature_der:  # a re-encoded (non-DER) pair is not the signed one
        return False
    checker = sm2.CryptSM2(private_key="", public_key="")
    # Set after construction: gmssl's constructor strips a leading "04" with str.lstrip, which
    # also eats every leading 0 and 4 of x (one key in eight), and then fails inside verify.
    checker.public_key = point.hex()
    return bool(checker.verify_with_sm3(f"{r:064x}{s:064x}", message))


def certificate_issued_by(certificate_der: bytes, issuer_der: bytes) -> bool:
    """Whether the issuer's SM2 key signed the certificate's TBS part with SM2-with-SM3."""
    certificate = x509.Certificate.load(certificate_der)
    if certificate["signature_algorithm"]["algorithm"].dotted != SM2_WITH_SM3:
        return False
    return sm2_verify(
        public_point(issuer_der),
        bytes(certificate["signature_value"]),
        certificate["tbs_certificate"].dump(),
    )
