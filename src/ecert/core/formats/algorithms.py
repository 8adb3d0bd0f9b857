"""Signature algorithms behind one interface: ES256, Ed25519 and SM2 with SM3.

Every signature leaves this module in the fixed-length form COSE uses (RFC 9053 §2.1: ``r || s``,
32 bytes each, for ES256; the same layout for SM2; the 64 raw bytes for Ed25519), whichever
library made it. The public key decides the algorithm: a P-256 key signs ES256, an Ed25519 key
EdDSA, a key on the SM2 curve SM2 with SM3. SM2 goes through tongsuopy (Tongsuo, OpenSSL's
Chinese-algorithms fork), which hashes the message with the signer's Z value computed from the
default user id ``1234567812345678`` of GM/T 0009; the others go through cryptography.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol, TypeAlias

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec
from tongsuopy.crypto.exceptions import InvalidSignature as SmInvalidSignature

from ecert.core.errors import EcertError


class Algorithm(IntEnum):
    """COSE algorithm identifiers (IANA "COSE Algorithms" registry)."""

    ES256 = -7
    EDDSA = -8
    # IANA has registered no identifier for SM2 with SM3; values below -65536 are for private use
    # (RFC 9052 §16.4). docs/formats/credential-v1.md records the choice.
    SM2_SM3 = -65537


ALGORITHM_NAMES = {Algorithm.ES256: "ES256", Algorithm.EDDSA: "EdDSA", Algorithm.SM2_SM3: "SM2"}
SIGNATURE_LENGTH = 64  # all three algorithms
_COORDINATE = 32

# DER of the SM2 curve's object identifier 1.2.156.10197.1.301, as it appears inside an SPKI.
_SM2_CURVE_OID_DER = bytes.fromhex("06082a811ccf5501822d")


class Signer(Protocol):
    """Anything that signs for COSE: a software key here, an HSM key in ``keystore``."""

    @property
    def algorithm(self) -> Algorithm: ...

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` (the whole message; hashing is part of the algorithm); raw signature."""
        ...

    def public_key_der(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo."""
        ...


def _raw_from_der(der_signature: bytes) -> bytes:
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(_COORDINATE, "big") + s.to_bytes(_COORDINATE, "big")


def _der_from_raw(raw: bytes) -> bytes:
    r = int.from_bytes(raw[:_COORDINATE], "big")
    s = int.from_bytes(raw[_COORDINATE:], "big")
    return encode_dss_signature(r, s)


_PrivateKey: TypeAlias = (
    ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | sm_ec.EllipticCurvePrivateKey
)


class SoftwareKey:
    """A private key held in memory (loaded from an encrypted PEM file or freshly generated)."""

    def __init__(self, key: _PrivateKey, algorithm: Algorithm) -> None:
        self._key = key
        self._algorithm = algorithm
        self._public_der = _public_der(key)

    @property
    def algorithm(self) -> Algorithm:
        return self._algorithm

    def public_key_der(self) -> bytes:
        return self._public_der

    def sign(self, data: bytes) -> bytes:
        key = self._key
        if isinstance(key, ed25519.Ed25519PrivateKey):
            return key.sign(data)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return _raw_from_der(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return _raw_from_der(key.sign(data, sm_ec.ECDSA(sm_hashes.SM3())))

    def to_encrypted_pem(self, password: bytes) -> bytes:
        """PKCS#8 PEM encrypted with the library's best scheme (docs/keys.md says which)."""
        key = self._key
        if isinstance(key, sm_ec.EllipticCurvePrivateKey):
            pem: bytes = key.private_bytes(
                sm_serialization.Encoding.PEM,
                sm_serialization.PrivateFormat.PKCS8,
                sm_serialization.BestAvailableEncryption(password),
            )
            return pem
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )


def _public_der(key: _PrivateKey) -> bytes:
    if isinstance(key, sm_ec.EllipticCurvePrivateKey):
        der: bytes = key.public_key().public_bytes(
            sm_serialization.Encoding.DER, sm_serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return der
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_key(algorithm: Algorithm) -> SoftwareKey:
    if algorithm is Algorithm.ES256:
        return SoftwareKey(ec.generate_private_key(ec.SECP256R1()), algorithm)
    if algorithm is Algorithm.EDDSA:
        return SoftwareKey(ed25519.Ed25519PrivateKey.generate(), algorithm)
    return SoftwareKey(sm_ec.generate_private_key(sm_ec.SM2()), algorithm)


def load_encrypted_pem(pem: bytes, password: bytes) -> SoftwareKey:
    """Load a private key written by ``SoftwareKey.to_encrypted_pem``; the key decides the algorithm."""
    if b"ENCRYPTED" not in pem.split(b"\n", 1)[0]:
        raise EcertError("not_encrypted", "私钥文件未加密", "the private key file is not encrypted")
    try:
        key = serialization.load_pem_private_key(pem, password)
    except UnsupportedAlgorithm:
        key = None
    except (ValueError, TypeError) as error:
        if _is_sm2_pem(pem, password):
            key = None
        else:
            raise EcertError(
                "unreadable",
                "私钥文件无法读取或口令错误",
                "cannot read the key file or wrong password",
            ) from error
    if key is None:
        try:
            sm_key = sm_serialization.load_pem_private_key(pem, password)
        except (ValueError, TypeError) as error:
            raise EcertError(
                "unreadable",
                "私钥文件无法读取或口令错误",
                "cannot read the key file or wrong password",
            ) from error
        if not isinstance(sm_key, sm_ec.EllipticCurvePrivateKey):
            raise _unsupported()
        return SoftwareKey(sm_key, Algorithm.SM2_SM3)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return SoftwareKey(key, Algorithm.EDDSA)
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return SoftwareKey(key, Algorithm.ES256)
    raise _unsupported()


def _is_sm2_pem(pem: bytes, password: bytes) -> bool:
    try:
        sm_key = sm_serialization.load_pem_private_key(pem, password)
    except (ValueError, TypeError):
        return False
    return isinstance(sm_key, sm_ec.EllipticCurvePrivateKey)


def _unsupported() -> EcertError:
    return EcertError(
        "unsupported_key",
        "只支持 P-256、Ed25519 和 SM2 密钥",
        "only P-256, Ed25519 and SM2 keys are supported",
    )


# The signature schemes, built once: every verification reuses them.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_SM2_SM3 = sm_ec.ECDSA(sm_hashes.SM3())


@dataclass(frozen=True)
class VerificationKey:
    """A public key ready to verify; built once per signer and reused for every credential."""

    algorithm: Algorithm
    spki_der: bytes
    _key: object
    # The library call for this key's type, chosen once (a verifier calls it for every credential).
    _verify: Callable[[bytes, bytes], None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_verify", _library_verify(self._key))

    def verify(self, data: bytes, signature: bytes) -> bool:
        """True if ``signature`` (raw COSE form) is valid for ``data``; never raises on bad input."""
        if len(signature) != SIGNATURE_LENGTH:
            return False
        try:
            self._verify(signature, data)
        except (InvalidSignature, SmInvalidSignature, ValueError):
            return False
        return True


def _library_verify(key: object) -> Callable[[bytes, bytes], None]:
    """(raw signature, data) -> None, raising if the signature does not hold."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.verify
    if isinstance(key, ec.EllipticCurvePublicKey):
        ec_key = key

        def verify_es256(signature: bytes, data: bytes) -> None:
            ec_key.verify(_der_from_raw(signature), data, _ECDSA_SHA256)

        return verify_es256
    if isinstance(key, sm_ec.EllipticCurvePublicKey):
        sm_key = key

        def verify_sm2(signature: bytes, data: bytes) -> None:
            sm_key.verify(_der_from_raw(signature), data, _SM2_SM3)

        return verify_sm2

    def refuse(signature: bytes, data: bytes) -> None:  # load_verification_key builds no other
        raise ValueError("unsupported key type")

    return refuse


def load_verification_key(spki_der: bytes) -> VerificationKey:
    """Parse a DER SubjectPublicKeyInfo; the key's type decides the algorithm."""
    if _SM2_CURVE_OID_DER in spki_der[:32]:
        try:
            sm_key = sm_serialization.load_der_public_key(spki_der)
        except (ValueError, TypeError) as error:
            raise EcertError(
                "bad_public_key", "公钥无法解析", "cannot parse the public key"
            ) from error
        if not isinstance(sm_key, sm_ec.EllipticCurvePublicKey):
            raise _unsupported()
        return VerificationKey(Algorithm.SM2_SM3, spki_der, sm_key)
    try:
        key = serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise EcertError("bad_public_key", "公钥无法解析", "cannot parse the public key") from error
    if isinstance(key, ed25519.Ed25519PublicKey):
        return VerificationKey(Algorithm.EDDSA, spki_der, key)
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return VerificationKey(Algorithm.ES256, spki_der, key)
    raise _unsupported()


def sm3_digest(data: bytes) -> bytes:
    """SM3 (GB/T 32905) of ``data``, 32 bytes, through tongsuopy."""
    digest = sm_hashes.Hash(sm_hashes.SM3())
    digest.update(data)
    value: bytes = digest.finalize()
    return value
