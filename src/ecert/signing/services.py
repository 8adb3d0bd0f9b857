"""Writes about keys and signatures: the root, document-signer keys, trust lists, status lists,
and signing a stored credential. Each writes its audit event in the same transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.config import KeyStoreConfig
from ecert.core.documents.ofd_seal import OfdSealKey
from ecert.core.documents.pades import SealingKey
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.claims import KindCode
from ecert.core.formats.keystore import FileKeyStore, KeyStore, Pkcs11KeyStore
from ecert.core.formats.ses import SealPicture, seal_make
from ecert.core.formats.trust_list import (
    Purpose,
    TrustedAuthority,
    TrustedSigner,
    TrustList,
    sign_trust_list,
)
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)
from ecert.core.rules.kinds import CredentialKind
from ecert.signing.models import (
    ElectronicSeal,
    RootCertificate,
    RootRole,
    SignerKey,
    TrustListPublication,
)

if TYPE_CHECKING:
    from ecert.accounts.models import User

ROOT_YEARS = 20
SIGNER_YEARS = 10
LICENCE_SERIAL_WIDTH = 12  # the status index, zero-padded, is the identifier's serial
KID_BYTES = 4  # short, because the key id travels in every QR code
TRUST_LIST_DAYS = 7
SEAL_PURPOSES = frozenset({int(Purpose.SEAL_MAKING), int(Purpose.DOCUMENT_SEALS)})
SEAL_YEARS = 5  # an electronic seal is remade (new esID) at least this often
SEAL_SIZE_MM = 40  # the printed diameter of an official round seal (GA 241)  # verifiers should fetch a new list within a week
# What signer_key_rotate refuses with: no key to rotate, or no root yet.
KEY_ROTATE_REFUSALS = frozenset({"no_key", "no_root"})


def keystore_open() -> KeyStore:
    """The process's key store for the configured settings (one PKCS#11 session, not one per call)."""
    return _keystore(settings.ECERT_KEYSTORE)


@cache
def _keystore(config: KeyStoreConfig) -> KeyStore:
    if config.kind == "pkcs11":
        return Pkcs11KeyStore(config.pkcs11_module, config.pkcs11_token, config.pkcs11_pin)
    return FileKeyStore(config.directory, config.password.encode("utf-8"))


def root_active() -> RootCertificate:
    root = RootCertificate.objects.filter(active=True, role=RootRole.MAIN).first()
    if root is None:
        raise EcertError(
            "no_root",
            "尚未创建根证书，请先运行 ecert keys init",
            "no root yet: run ecert keys init",
        )
    return root


def _new_kid(spki_der: bytes) -> bytes:
    kid = hashlib.sha256(spki_der).digest()[:KID_BYTES]
    taken = (
        SignerKey.objects.filter(kid=kid).exists()
        or RootCertificate.objects.filter(kid=kid).exists()
    )
    return secrets.token_bytes(KID_BYTES) if taken else kid


@transaction.atomic
def root_create(
    *, actor: User | None, algorithm: Algorithm, now: datetime, role: RootRole = RootRole.MAIN
) -> RootCertificate:
    """Create a root CA of ``role`` (key in the key store, self-signed certificate)."""
    if RootCertificate.objects.filter(active=True, role=role).exists():
        raise EcertError("root_exists", "根证书已存在", "a root already exists")
    store = keystore_open()
    prefix = "root" if role == RootRole.MAIN else "seal-root"
    label = f"{prefix}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    signer = store.generate(label, algorithm)
    common_name = "ecert 根证书" if role == RootRole.MAIN else "ecert 电子印章根证书"
    name = DistinguishedName(common_name=common_name, organization="ecert")
    der = self_signed_root(
        signer, name, secrets.randbits(63), now, now + timedelta(days=365 * ROOT_YEARS)
    )
    info = parse_certificate(der)
    root = RootCertificate.objects.create(
        role=role,
        key_label=label,
        kid=_new_kid(signer.public_key_der()),
        algorithm=int(algorithm),
        certificate=der,
        fingerprint=hashlib.sha256(der).hexdigest(),
    )
    audit_record(
        actor=actor,
        action="signing.root_created",
        object_type="root",
        object_id=root.fingerprint,
        data={
            "algorithm": int(algorithm),
            "role": str(role),
            "not_after": info.not_after.isoformat(),
        },
        at=now,
    )
    return root


@transaction.atomic
def signer_key_create(
    *,
    actor: User | None,
    authority: Authority,
    algorithm: Algorithm,
    kinds: Iterable[CredentialKind],
    purposes: Iterable[Purpose],
    now: datetime,
    root: RootCertificate | None = None,
) -> SignerKey:
    """A new signer key for ``authority`` with a certificate under ``root`` (the active main
    root if None; seal keys go under ``seal_root()``)."""
    purposes = list(purposes)
    root = root or root_active()
    seal_purposes = SEAL_PURPOSES.intersection(purposes)
    if seal_purposes and (algorithm is not Algorithm.SM2_SM3 or len(purposes) != 1):
        raise EcertError(
            "seal_key_not_sm2",
            "电子印章密钥只能是 SM2 密钥，且不作其他用途",
            "an electronic-seal key is an SM2 key used for nothing else",
        )
    store = keystore_open()
    root_signer = store.signer(root.key_label)
    root_info = parse_certificate(bytes(root.certificate))
    label = f"signer-{authority.key}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(2)}"
    signer = store.generate(label, algorithm)
    spki = signer.public_key_der()
    not_after = now + timedelta(days=365 * SIGNER_YEARS)
    role = {Purpose.SEAL_MAKING: "电子印章制章", Purpose.DOCUMENT_SEALS: "电子印章签章"}
    subject = DistinguishedName(
        common_name=f"{authority.name} {role.get(purposes[0], '电子证书签名')}",
        organization=authority.name,
    )
    der = build_certificate(
        issuer_signer=root_signer,
        issuer_name=root_info,
        subject_name=subject,
        subject_public_key_der=spki,
        serial_number=secrets.randbits(63),
        not_before=now,
        not_after=min(not_after, root_info.not_after),
        is_ca=False,
    )
    kid = _new_kid(spki)
    key = SignerKey.objects.create(
        authority=authority,
        kid=kid,
        kid_hex=kid.hex(),
        key_label=label,
        algorithm=int(algorithm),
        certificate=der,
        kinds=sorted(CredentialKind(k).value for k in kinds),
        purposes=sorted(int(p) for p in purposes),
        not_before=now,
        not_after=min(not_after, root_info.not_after),
    )
    audit_record(
        actor=actor,
        action="signing.key_created",
        authority=authority,
        object_type="signer_key",
        object_id=key.kid_hex,
        data={"algorithm": int(algorithm), "kinds": key.kinds, "purposes": key.purposes},
        at=now,
    )
    return key


def current_key(authority: Authority | None, purpose: Purpose, at: datetime) -> SignerKey | None:
    """The newest key of ``authority`` (of any authority if None) that may sign for ``purpose``."""
    keys = SignerKey.objects.select_related("authority").filter(
        not_before__lte=at, not_after__gte=at, revoked_at__isnull=True
    )
    if authority is not None:
        keys = keys.filter(authority=authority)
    keys = keys.order_by("-not_before", "-pk")
    return next((k for k in keys if int(purpose) in k.purposes), None)


@transaction.atomic
def signer_key_rotate(
    *, actor: User | None, authority: Authority, now: datetime, algorithm: Algorithm | None = None
) -> SignerKey:
    """Replace the authority's current keys: the old ones stop signing now but stay trusted for
    what they signed before."""
    old_keys = [
        key
        for key in rows_locked(
            SignerKey.objects.filter(
                authority=authority, not_after__gt=now, revoked_at__isnull=True
            ).order_by("pk")
        )
        if not SEAL_PURPOSES.issuperset(key.purposes)  # seal keys are remade with their seal
    ]
    if not old_keys:
        raise EcertError("no_key", "该机构没有可轮换的密钥", "this authority has no key to rotate")
    kinds = sorted({k for key in old_keys for k in key.kinds})
    purposes = sorted({p for key in old_keys for p in key.purposes})
    for key in old_keys:
        key.not_after = now
        key.save(update_fields=["not_after"])
    new = signer_key_create(
        actor=actor,
        authority=authority,
        algorithm=algorithm or Algorithm(old_keys[-1].algorithm),
        kinds=[CredentialKind(k) for k in kinds],
        purposes=[Purpose(p) for p in purposes],
        now=now,
    )
    audit_record(
        actor=actor,
        action="signing.key_rotated",
        authority=authority,
        object_type="signer_key",
        object_id=new.kid_hex,
        data={"replaced": [k.kid_hex for k in old_keys]},
        at=now,
    )
    return new


@transaction.atomic
def signer_key_revoke(
    *, actor: User | None, kid_hex: str, revoked_at: datetime, reason: str, now: datetime
) -> SignerKey:
    """Void what the key signed from ``revoked_at`` on; what it signed earlier stays valid."""
    if not reason.strip():
        raise EcertError("no_reason", "吊销密钥须说明原因", "give a reason for the revocation")
    key = rows_locked(SignerKey.objects.filter(kid_hex=kid_hex.lower())).first()
    if key is None:
        raise EcertError("unknown_key", f"没有密钥 {kid_hex}", f"no key {kid_hex}")
    if key.revoked_at is not None and key.revoked_at <= revoked_at:
        raise EcertError("already_revoked", "该密钥已吊销", "the key is already revoked")
    key.revoked_at = revoked_at
    key.revocation_reason = reason.strip()
    key.save(update_fields=["revoked_at", "revocation_reason"])
    audit_record(
        actor=actor,
        action="signing.key_revoked",
        authority=key.authority,
        object_type="signer_key",
        object_id=key.kid_hex,
        data={"revoked_at": revoked_at.isoformat(), "reason": key.revocation_reason},
        at=now,
    )
    return key


def licence_codes(kind: KindCode, authority: Authority) -> tuple[str, str]:
    """GB/T 36904 licence type code and issuer code for a credential of ``kind`` by ``authority``.

    The national platform has not assigned type codes to these documents, and most authorities'
    unified social credit codes are not in our data; until they are, both are provisional codes
    that name the kind and the authority (docs/formats/identifiers.md)."""
    return f"ECERT{int(kind):02d}", authority.credit_code or f"ECERTA{authority.pk:06d}"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def trust_list_build(now: datetime, sequence: int) -> TrustList:
    root = root_active()
    keys = [
        key
        for key in SignerKey.objects.select_related("authority").order_by("pk")
        if not SEAL_PURPOSES.issuperset(key.purposes)  # seal keys live under the seal root
    ]
    authorities = {key.authority.pk: key.authority for key in keys}
    return TrustList(
        sequence=sequence,
        issued_at=_epoch(now),
        next_update=_epoch(now + timedelta(days=TRUST_LIST_DAYS)),
        root_certificate=bytes(root.certificate),
        authorities=tuple(
            TrustedAuthority(a.pk, a.key, a.name, a.credit_code or None)
            for a in sorted(authorities.values(), key=lambda a: a.pk)
        ),
        signers=tuple(
            TrustedSigner(
                kid=bytes(key.kid),
                authority=key.authority.pk,
                certificate=bytes(key.certificate),
                kinds=frozenset(KindCode.of(CredentialKind(k)) for k in key.kinds),
                purposes=frozenset(Purpose(p) for p in key.purposes),
                not_before=_epoch(key.not_before),
                not_after=_epoch(key.not_after),
                revoked_at=_epoch(key.revoked_at) if key.revoked_at else None,
            )
            for key in keys
        ),
        licence_types={kind: licence_codes(kind, Authority(pk=0))[0] for kind in KindCode},
        qualifications={
            code: name
            for code, name in Qualification.objects.values_list("code", "name")
            if code is not None
        },
    )


@transaction.atomic
def trust_list_publish(*, actor: User | None, now: datetime) -> TrustListPublication:
    """Sign and store the next trust list from the keys as they are now."""
    locks_take(Lock.TRUST_LIST)  # one publisher at a time: each takes the next sequence
    last = TrustListPublication.objects.order_by("-sequence").first()
    sequence = (last.sequence + 1) if last else 1
    root = root_active()
    trust_list = trust_list_build(now, sequence)
    signed = sign_trust_list(
        trust_list, keystore_open().signer(root.key_label), kid=bytes(root.kid)
    )
    publication = TrustListPublication.objects.create(
        sequence=sequence, issued_at=now, document=signed
    )
    audit_record(
        actor=actor,
        action="signing.trust_list_published",
        object_type="trust_list",
        object_id=sequence,
        data={"signers": len(trust_list.signers)},
        at=now,
    )
    return publication


def notice_sealing_key(authority: Authority, now: datetime) -> SealingKey:
    """The key that seals ``authority``'s notices (a counter check's result notice): its current
    credential key, whatever kinds it signs; a notice is no credential and states no kind."""
    key = current_key(authority, Purpose.CREDENTIALS, now)
    if key is None:
        raise EcertError(
            "no_key",
            f"{authority.name}没有有效的签章密钥，请安全管理员为其生成密钥后再出具告知书",
            f"{authority.key} has no valid sealing key: a security administrator makes one first",
        )
    return SealingKey(
        signer=keystore_open().signer(key.key_label),
        certificate=bytes(key.certificate),
        chain=(bytes(root_active().certificate),),
    )


def sealing_key(authority: Authority, kind: CredentialKind, now: datetime) -> SealingKey:
    """The key that seals ``authority``'s PDFs of ``kind``: its current credential key, with the
    certificate and the root above it for the signature's certificate chain."""
    key = current_key(authority, Purpose.CREDENTIALS, now)
    if key is None or CredentialKind(kind).value not in key.kinds:
        raise EcertError(
            "no_key",
            f"{authority.name}没有可签发此类证书的有效密钥",
            f"{authority.key} has no valid key for {kind}",
        )
    root = root_active()
    return SealingKey(
        signer=keystore_open().signer(key.key_label),
        certificate=bytes(key.certificate),
        chain=(bytes(root.certificate),),
    )


def seal_root() -> RootCertificate:
    """The SM2 root that GB/T 38540 seal keys are certified under: the main root if it is SM2,
    else the deployment's separate SM2 seal root (decision 310)."""
    main = root_active()
    if Algorithm(main.algorithm) is Algorithm.SM2_SM3:
        return main
    root = RootCertificate.objects.filter(active=True, role=RootRole.NATIONAL_SEALS).first()
    if root is None:
        raise EcertError(
            "no_seal_root",
            "尚未创建 SM2 电子印章根证书，请先运行 ecert keys seals",
            "no SM2 root for electronic seals yet: run ecert keys seals",
        )
    return root


@transaction.atomic
def seal_root_ensure(*, actor: User | None, now: datetime) -> RootCertificate:
    """``seal_root()``, creating the separate SM2 root first if the main root is not SM2."""
    try:
        return seal_root()
    except EcertError as error:
        if error.code != "no_seal_root":
            raise
    return root_create(
        actor=actor, algorithm=Algorithm.SM2_SM3, now=now, role=RootRole.NATIONAL_SEALS
    )


@transaction.atomic
def seal_maker_ensure(*, actor: User | None, province: Authority, now: datetime) -> SignerKey:
    """The province's seal-maker (制章) key, made under the seal root if it has none valid."""
    root = seal_root_ensure(actor=actor, now=now)
    current = current_key(province, Purpose.SEAL_MAKING, now)
    if current is not None:
        return current
    return signer_key_create(
        actor=actor,
        authority=province,
        algorithm=Algorithm.SM2_SM3,
        kinds=(),
        purposes=[Purpose.SEAL_MAKING],
        now=now,
        root=root,
    )


@transaction.atomic
def electronic_seal_create(
    *,
    actor: User | None,
    authority: Authority,
    kinds: Iterable[CredentialKind],
    picture: bytes,
    maker: SignerKey,
    now: datetime,
) -> ElectronicSeal:
    """A new SM2 seal-signing key for ``authority`` and its SESeal, made by ``maker`` with the
    authority's seal picture; the key is the only one the seal lists."""
    if int(Purpose.SEAL_MAKING) not in maker.purposes or not (
        maker.not_before <= now <= maker.not_after and maker.revoked_at is None
    ):
        raise EcertError("no_seal_maker", "制章密钥无效", "the seal maker's key is not valid now")
    key = signer_key_create(
        actor=actor,
        authority=authority,
        algorithm=Algorithm.SM2_SM3,
        kinds=kinds,
        purposes=[Purpose.DOCUMENT_SEALS],
        now=now,
        root=seal_root(),
    )
    valid_until = min(now + timedelta(days=365 * SEAL_YEARS), key.not_after)
    es_id = f"{authority.pk:06d}{now:%Y%m%d%H%M%S}{secrets.randbelow(100):02d}"
    seal = seal_make(
        maker=keystore_open().signer(maker.key_label),
        maker_certificate=bytes(maker.certificate),
        es_id=es_id,
        name=authority.name,
        signer_certificates=[bytes(key.certificate)],
        picture=SealPicture(picture, SEAL_SIZE_MM, SEAL_SIZE_MM),
        created=now,
        valid_until=valid_until,
    )
    made = ElectronicSeal.objects.create(
        authority=authority,
        signer_key=key,
        maker_key=maker,
        es_id=es_id,
        seal=seal,
        valid_until=valid_until,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="signing.seal_made",
        authority=authority,
        object_type="electronic_seal",
        object_id=es_id,
        data={"signer_key": key.kid_hex, "maker_key": maker.kid_hex},
        at=now,
    )
    return made


def ofd_sealing_key(authority: Authority, kind: CredentialKind, now: datetime) -> OfdSealKey:
    """What seals ``authority``'s OFD of ``kind``: its newest valid electronic seal and key."""
    seals = ElectronicSeal.objects.select_related("signer_key").filter(
        authority=authority,
        valid_until__gte=now,
        signer_key__revoked_at__isnull=True,
        signer_key__not_before__lte=now,
        signer_key__not_after__gte=now,
    )
    seal = next(
        (s for s in seals.order_by("-created_at") if kind.value in s.signer_key.kinds), None
    )
    if seal is None:
        raise EcertError(
            "no_seal",
            # Holders read this on their credential page: no command in it (docs/keys.md says
            # the administrator's step, `ecert keys seals`).
            f"{authority.name}尚未启用可用于此类证书的电子印章，暂不能提供 OFD 版式文件",
            f"{authority.name} has no electronic seal for this kind of certificate yet: "
            "no OFD can be made",
        )
    return OfdSealKey(
        signer=keystore_open().signer(seal.signer_key.key_label),
        certificate=bytes(seal.signer_key.certificate),
        seal=bytes(seal.seal),
    )
