"""A small signing world in memory for the trust-list and verifier tests (no database, no HSM).

A root CA, document-signer keys for authorities 1 and 2, a status-list key, the trust list that
names them (signed by the root and read back with ``load_trust_list``), a typical credential and
signed status lists. Time is fixed: ``NOW`` is 2026-11-24 16:30 UTC, already 2026-11-25 in China.
Keys are generated once per test run (``world()`` is cached); tests build variants from them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from ecert.core.formats import cose
from ecert.core.formats.algorithms import Algorithm, SoftwareKey, generate_key
from ecert.core.formats.claims import Claims, IdTypeCode, KindCode
from ecert.core.formats.qr import qr_text
from ecert.core.formats.status_list import StatusBits, StatusListDocument, StatusValue
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
from ecert.core.identity.idnumbers import Sex
from tests.core.idgen import make_resident_id

NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 2026-11-25 00:30 in China
CHINA_TODAY = date(2026, 11, 25)
HOST = "zs.rst.shandong.gov.cn"

CERT_START, CERT_END = datetime(2025, 1, 1, tzinfo=UTC), datetime(2045, 1, 1, tzinfo=UTC)
WINDOW_START = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
WINDOW_END = int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
SIGNED_AT = int(datetime(2026, 11, 20, 2, 0, tzinfo=UTC).timestamp())

ALL_KINDS = frozenset(KindCode)
QUALIFICATIONS = {101: "一级建造师", 202: "执业药师"}
AUTHORITIES = (
    TrustedAuthority(1, "sd-hrss", "山东省人力资源和社会保障厅", "11370000004186868C"),
    TrustedAuthority(2, "sd-pta", "山东省人事考试中心"),
)

# An ID number ending in X, so that a verifier typing a lower-case x can be tested.
HOLDER_ID = next(
    number
    for seq in range(500)
    if (number := make_resident_id(date(1990, 3, 7), Sex.FEMALE, seq=seq)).endswith("X")
)
HOLDER_NAME = "李娜"


@dataclass(frozen=True)
class Key:
    """A signing key with its key id and, for document signers, its certificate under a root."""

    signer: SoftwareKey
    kid: bytes
    certificate: bytes


@dataclass(frozen=True)
class World:
    root: Key
    authority1: Key  # signs every kind for authority 1
    authority2: Key  # signs every kind for authority 2
    status: Key  # signs status lists only (authority 1)
    trust_list: TrustList  # as loaded from the signed bytes
    signed_trust_list: bytes


def kid_of(signer: SoftwareKey) -> bytes:
    """Four bytes of SHA-256 of the public key, as the signing service derives key ids."""
    return hashlib.sha256(signer.public_key_der()).digest()[:4]


def make_root(algorithm: Algorithm = Algorithm.ES256, name: str = "电子证书根证书") -> Key:
    signer = generate_key(algorithm)
    certificate = self_signed_root(
        signer,
        DistinguishedName(common_name=name, organization="山东省人力资源和社会保障厅"),
        1,
        CERT_START,
        CERT_END,
    )
    return Key(signer, kid_of(signer), certificate)


def make_signer(root: Key, algorithm: Algorithm = Algorithm.ES256, serial: int = 2) -> Key:
    """A fresh document-signer key with a certificate issued by ``root``."""
    signer = generate_key(algorithm)
    certificate = build_certificate(
        issuer_signer=root.signer,
        issuer_name=parse_certificate(root.certificate),
        subject_name=DistinguishedName(
            common_name=f"文档签名证书 {serial}", organization="山东省人力资源和社会保障厅"
        ),
        subject_public_key_der=signer.public_key_der(),
        serial_number=serial,
        not_before=CERT_START,
        not_after=CERT_END,
        is_ca=False,
    )
    return Key(signer, kid_of(signer), certificate)


def entry(
    key: Key,
    authority: int,
    *,
    kinds: Iterable[KindCode] = ALL_KINDS,
    purposes: Iterable[Purpose] = (Purpose.CREDENTIALS,),
    not_before: int = WINDOW_START,
    not_after: int = WINDOW_END,
    revoked_at: int | None = None,
) -> TrustedSigner:
    """The trust list's line for ``key``."""
    return TrustedSigner(
        kid=key.kid,
        authority=authority,
        certificate=key.certificate,
        kinds=frozenset(kinds),
        purposes=frozenset(purposes),
        not_before=not_before,
        not_after=not_after,
        revoked_at=revoked_at,
    )


def unsigned_trust_list(root: Key, signers: Iterable[TrustedSigner]) -> TrustList:
    return TrustList(
        sequence=7,
        issued_at=int(NOW.timestamp()) - 86_400,
        next_update=int(NOW.timestamp()) + 7 * 86_400,
        root_certificate=root.certificate,
        authorities=AUTHORITIES,
        signers=tuple(signers),
        qualifications=QUALIFICATIONS,
        licence_types={KindCode.NATIONAL_CERTIFICATE: "01"},
    )


def publish(root: Key, signers: Iterable[TrustedSigner]) -> bytes:
    """The trust list naming ``signers``, signed by ``root``."""
    return sign_trust_list(unsigned_trust_list(root, signers), root.signer, kid=root.kid)


def trusted(root: Key, signers: Iterable[TrustedSigner]) -> TrustList:
    """What a verifier holding ``root``'s certificate reads from the published list."""
    return load_trust_list(publish(root, signers), root_certificate=root.certificate)


@cache
def world() -> World:
    root = make_root()
    authority1 = make_signer(root, serial=2)
    authority2 = make_signer(root, serial=3)
    status = make_signer(root, serial=4)
    signers = (
        entry(authority1, 1),
        entry(authority2, 2),
        entry(status, 1, purposes=(Purpose.STATUS_LISTS,)),
    )
    signed = publish(root, signers)
    return World(
        root,
        authority1,
        authority2,
        status,
        load_trust_list(signed, root_certificate=root.certificate),
        signed,
    )


def make_claims(**changes: Any) -> Claims:
    """A national qualification certificate of authority 1, with any field changed."""
    claims = Claims(
        kind=KindCode.NATIONAL_CERTIFICATE,
        public_id="7K3M9P2QX4TV8WRB",
        issuer=1,
        signed_at=SIGNED_AT,
        status_index=5,
        holder_name=HOLDER_NAME,
        id_type=IdTypeCode.RESIDENT,
        id_number=HOLDER_ID,
        approval_date=date(2026, 10, 18),
        number="2026370100001234",
        issue_date=date(2026, 11, 20),
        qualification=101,
        level="一级",
        specialty="建筑工程",
    )
    return dataclasses.replace(claims, **changes)


def sign_credential(claims: Claims, key: Key) -> bytes:
    """The signed credential as it travels in a QR code: an untagged COSE_Sign1."""
    return cose.sign1(claims.to_cbor(), key.signer, kid=key.kid, tagged=False)


def credential_qr_text(claims: Claims, key: Key) -> str:
    return qr_text(HOST, sign_credential(claims, key))


def signed_status_list(
    key: Key,
    entries: Mapping[int, StatusValue] | None = None,
    *,
    list_number: int = 0,
    issued_at: int | None = None,
    next_update: int | None = None,
) -> bytes:
    """A status list with ``entries`` (offset -> value; all others valid), signed by ``key``."""
    bits = StatusBits()
    for offset, value in (entries or {}).items():
        bits.set(offset, value)
    document = StatusListDocument(
        list_number=list_number,
        issued_at=int(NOW.timestamp()) - 3_600 if issued_at is None else issued_at,
        next_update=int(NOW.timestamp()) + 86_400 if next_update is None else next_update,
        bits=bits,
    )
    return cose.sign1(document.to_cbor(), key.signer, kid=key.kid)


def status_lists(
    entries: Mapping[int, StatusValue] | None = None,
    *,
    next_update: int | None = None,
) -> dict[int, StatusListDocument]:
    """List 0, signed by the world's status key and read back as a verifier would."""
    w = world()
    document = load_status_list(
        signed_status_list(w.status, entries, next_update=next_update), w.trust_list
    )
    return {document.list_number: document}
