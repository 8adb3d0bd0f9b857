"""What the credential-core benchmarks sign and verify (issue 3), built in memory, no database.

One key per algorithm, generated with the library itself so the bare baseline can call the same
key object directly; the realistic v1 claims of a national certificate (一级建造师, 建筑工程); and
an offline verifier's state: an ES256 root, a trust list naming one document signer per algorithm
(certificates issued by the root), signed, published and loaded as a verifier loads it, and a
status list signed by each signer and loaded once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto.asymciphers import ec as sm_ec

from ecert.core.formats import cose
from ecert.core.formats.algorithms import ALGORITHM_NAMES, Algorithm, SoftwareKey
from ecert.core.formats.claims import Claims, IdTypeCode, KindCode
from ecert.core.formats.qr import qr_text
from ecert.core.formats.status_list import ENTRIES, StatusBits, StatusListDocument, StatusValue
from ecert.core.formats.trust_list import (
    Purpose,
    TrustedAuthority,
    TrustedSigner,
    TrustList,
    load_trust_list,
    sign_trust_list,
)
from ecert.core.formats.verify import load_status_list
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)
from ecert.core.identity.idnumbers import gb11643_check_character

ALGORITHMS = (Algorithm.ES256, Algorithm.EDDSA, Algorithm.SM2_SM3)
VERIFY_HOST = "VERIFY.ECERT.EXAMPLE.CN"
AUTHORITY = 2  # 人力资源和社会保障部人事考试中心 in this trust list
STATUS_INDEX = 3 * ENTRIES + 12_345  # in status list 3
QUALIFICATION = 3  # 建造师 in src/ecert/data/catalogue/qualifications.toml
SIGNED_AT = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NOW = SIGNED_AT + timedelta(days=30)  # the verifier's clock


def library_versions() -> str:
    """The libraries behind the figures, for the report's notes."""
    from importlib.metadata import version

    from cryptography.hazmat.backends.openssl import backend

    return (
        f"libraries: cryptography {version('cryptography')} ({backend.openssl_version_text()}), "
        f"tongsuopy {version('tongsuopy')}, cbor2 {version('cbor2')}, "
        f"asn1crypto {version('asn1crypto')}"
    )


def name(algorithm: Algorithm) -> str:
    return ALGORITHM_NAMES[algorithm]


def resident_id(first17: str) -> str:
    """A valid GB 11643 number from its first 17 digits (a made-up one, nobody's)."""
    return first17 + gb11643_check_character(first17)


def national_certificate_claims() -> Claims:
    """The v1 claims of a typical national certificate: 一级建造师 (建筑工程) of a Jinan resident."""
    return Claims(
        kind=KindCode.NATIONAL_CERTIFICATE,
        public_id="7K3M9Q2XH4RT8VWC",
        issuer=AUTHORITY,
        signed_at=int(SIGNED_AT.timestamp()),
        status_index=STATUS_INDEX,
        holder_name="张晓明",
        id_type=IdTypeCode.RESIDENT,
        id_number=resident_id("37010219850715003"),
        qualification=QUALIFICATION,
        level="一级",
        specialty="建筑工程",
        approval_date=date(2026, 9, 20),
        number="01300340370120260001234",
        issue_date=date(2026, 11, 20),
    )


@dataclass(frozen=True)
class BenchKey:
    """One key, usable through our code (``signer``) and directly through its library."""

    algorithm: Algorithm
    signer: SoftwareKey
    bare_sign: Callable[[bytes], bytes]  # the library call; returns the library's own form
    bare_verify: Callable[[bytes, bytes], None]  # (library-form signature, data); raises if bad

    @property
    def kid(self) -> bytes:
        return hashlib.sha256(self.signer.public_key_der()).digest()[:4]


def make_key(algorithm: Algorithm) -> BenchKey:
    if algorithm is Algorithm.ES256:
        p256 = ec.generate_private_key(ec.SECP256R1())
        p256_public = p256.public_key()

        def es256_sign(data: bytes) -> bytes:
            return p256.sign(data, ec.ECDSA(hashes.SHA256()))

        def es256_verify(signature: bytes, data: bytes) -> None:
            p256_public.verify(signature, data, ec.ECDSA(hashes.SHA256()))

        return BenchKey(algorithm, SoftwareKey(p256, algorithm), es256_sign, es256_verify)
    if algorithm is Algorithm.EDDSA:
        ed = ed25519.Ed25519PrivateKey.generate()
        return BenchKey(algorithm, SoftwareKey(ed, algorithm), ed.sign, ed.public_key().verify)
    sm2 = sm_ec.generate_private_key(sm_ec.SM2())
    sm2_public = sm2.public_key()

    def sm2_sign(data: bytes) -> bytes:
        signature: bytes = sm2.sign(data, sm_ec.ECDSA(sm_hashes.SM3()))
        return signature

    def sm2_verify(signature: bytes, data: bytes) -> None:
        sm2_public.verify(signature, data, sm_ec.ECDSA(sm_hashes.SM3()))

    return BenchKey(algorithm, SoftwareKey(sm2, algorithm), sm2_sign, sm2_verify)


@dataclass(frozen=True)
class Verifier:
    """An offline verifier's state, loaded once: trust list and status lists."""

    trust_list: TrustList
    status_lists: dict[int, StatusListDocument]
    root_certificate: bytes
    signed_trust_list: bytes


def _status_bits() -> StatusBits:
    """A list in use: a few hundred revoked or superseded entries, ours valid."""
    bits = StatusBits()
    for offset in range(7, ENTRIES, 331):
        bits.set(offset, StatusValue.REVOKED if offset % 2 else StatusValue.SUPERSEDED)
    bits.set(STATUS_INDEX % ENTRIES, StatusValue.VALID)
    return bits


def offline_verifier(root: BenchKey, signers: list[BenchKey]) -> Verifier:
    """Root certificate, trust list naming ``signers``, one status list per signer; all loaded."""
    start = SIGNED_AT - timedelta(days=365)
    root_der = self_signed_root(
        root.signer,
        DistinguishedName("ecert 根证书（基准测试）", organization="ecert"),
        1,
        start,
        start + timedelta(days=365 * 20),
    )
    root_info = parse_certificate(root_der)
    trusted = []
    for serial, key in enumerate(signers, start=2):
        certificate = build_certificate(
            issuer_signer=root.signer,
            issuer_name=root_info,
            subject_name=DistinguishedName(
                f"国家人事考试中心 文档签名 {name(key.algorithm)}",
                organization="人力资源和社会保障部人事考试中心",
            ),
            subject_public_key_der=key.signer.public_key_der(),
            serial_number=serial,
            not_before=start,
            not_after=start + timedelta(days=365 * 10),
            is_ca=False,
        )
        trusted.append(
            TrustedSigner(
                kid=key.kid,
                authority=AUTHORITY,
                certificate=certificate,
                kinds=frozenset({KindCode.NATIONAL_CERTIFICATE}),
                purposes=frozenset({Purpose.CREDENTIALS, Purpose.STATUS_LISTS}),
                not_before=int(start.timestamp()),
                not_after=int((start + timedelta(days=365 * 5)).timestamp()),
            )
        )
    unsigned = TrustList(
        sequence=1,
        issued_at=int(SIGNED_AT.timestamp()),
        next_update=int((SIGNED_AT + timedelta(days=90)).timestamp()),
        root_certificate=root_der,
        authorities=(
            TrustedAuthority(1, "mohrss", "中华人民共和国人力资源和社会保障部"),
            TrustedAuthority(AUTHORITY, "mohrss-cpta", "人力资源和社会保障部人事考试中心"),
        ),
        signers=tuple(trusted),
        qualifications={1: "注册城乡规划师", 2: "注册建筑师", QUALIFICATION: "建造师"},
    )
    signed = sign_trust_list(unsigned, root.signer, kid=root.kid)
    trust_list = load_trust_list(signed, root_certificate=root_der)
    document = StatusListDocument(
        STATUS_INDEX // ENTRIES,
        int(NOW.timestamp()) - 3600,
        int(NOW.timestamp()) + 23 * 3600,
        _status_bits(),
    )
    loaded = load_status_list(
        cose.sign1(document.to_cbor(), signers[0].signer, kid=signers[0].kid), trust_list
    )
    return Verifier(trust_list, {loaded.list_number: loaded}, root_der, signed)


def credential_qr_text(key: BenchKey, claims: Claims) -> str:
    """The QR text of ``claims`` signed by ``key``: an untagged COSE_Sign1, as issuance makes."""
    return qr_text(VERIFY_HOST, cose.sign1(claims.to_cbor(), key.signer, kid=key.kid, tagged=False))
