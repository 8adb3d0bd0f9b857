"""Signing keys and seal pictures for tests, made once per test process and put in place per test.

``ecert keys init`` makes a root, a key and a certificate for every issuing authority, and the
demo draws a seal for each; done for every test, that costs far more than most test bodies. Here
each key, certificate and seal picture is made once per process, by the same code ecert uses
(key store, ``x509``, ``seals``); a test then gets its own copies: the key files in its own key
store directory, and rows that name them. Tests of key creation itself call the services.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ecert.authorities.models import Authority
from ecert.core.documents.seals import DEFAULT_SEAL_FONT, check_seal_png, round_seal_png
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.keystore import FileKeyStore
from ecert.core.formats.trust_list import Purpose
from ecert.core.formats.x509 import (
    DistinguishedName,
    build_certificate,
    parse_certificate,
    self_signed_root,
)
from ecert.core.rules.kinds import CredentialKind
from ecert.documents.models import SealImage
from ecert.signing.models import RootCertificate, SignerKey

PASSWORD = "issuance-tests-key-password"
MADE = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
YEARS = 10
PURPOSES = (Purpose.CREDENTIALS, Purpose.BATCH_ROOTS, Purpose.STATUS_LISTS)


@dataclass(frozen=True)
class _Key:
    label: str
    pem: bytes
    kid: bytes
    certificate: bytes


@functools.cache
def _store() -> tuple[FileKeyStore, Path]:
    directory = Path(tempfile.mkdtemp(prefix="ecert-test-keys-")) / "keys"
    return FileKeyStore(directory, PASSWORD.encode()), directory


def _suffix(algorithm: Algorithm) -> str:
    """ES256 keys keep their plain labels; an SM2 deployment's keys are told apart by a suffix."""
    return "" if algorithm is Algorithm.ES256 else f"-{algorithm.name.lower()}"


@functools.cache
def _root(algorithm: Algorithm = Algorithm.ES256) -> _Key:
    store, directory = _store()
    label = f"root-tests{_suffix(algorithm)}"
    signer = store.generate(label, algorithm)
    name = DistinguishedName(common_name="ecert 根证书", organization="ecert")
    der = self_signed_root(signer, name, secrets.randbits(63), MADE, MADE + timedelta(days=3650))
    kid = hashlib.sha256(signer.public_key_der()).digest()[:8]
    return _Key(label, (directory / f"{label}.pem").read_bytes(), kid, der)


@functools.cache
def _signer(
    authority_key: str, authority_name: str, algorithm: Algorithm = Algorithm.ES256
) -> _Key:
    store, directory = _store()
    root = _root(algorithm)
    root_info = parse_certificate(root.certificate)
    label = f"signer-{authority_key}-tests{_suffix(algorithm)}"
    signer = store.generate(label, algorithm)
    spki = signer.public_key_der()
    der = build_certificate(
        issuer_signer=store.signer(root.label),
        issuer_name=root_info,
        subject_name=DistinguishedName(
            common_name=f"{authority_name} 电子证书签名", organization=authority_name
        ),
        subject_public_key_der=spki,
        serial_number=secrets.randbits(63),
        not_before=MADE,
        not_after=min(MADE + timedelta(days=365 * YEARS), root_info.not_after),
        is_ca=False,
    )
    kid = hashlib.sha256(spki).digest()[:8]
    return _Key(label, (directory / f"{label}.pem").read_bytes(), kid, der)


@functools.cache
def demo_seal_png(name: str) -> bytes:
    """The demo round seal of an authority, drawn once per test process (about 0.1 s each)."""
    return round_seal_png(name, DEFAULT_SEAL_FONT, caption="证书专用章")


@functools.cache
def _seal(name: str) -> tuple[bytes, int, int]:
    data = demo_seal_png(name)
    width, height = check_seal_png(data)
    return data, width, height


def keys_install(
    key_dir: Path,
    plan: dict[Authority, set[CredentialKind]],
    purposes: Iterable[Purpose] = PURPOSES,
    algorithm: Algorithm = Algorithm.ES256,
) -> None:
    """A root and one key per authority of ``plan`` (for its kinds), valid from MADE, with the
    files in ``key_dir`` (the key store the test's settings name), and every authority's demo
    seal picture. ES256 unless ``algorithm`` says otherwise (SM2: a national-algorithm
    deployment, as ``ecert keys init --algorithm sm2`` makes one)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    root = _root(algorithm)
    (key_dir / f"{root.label}.pem").write_bytes(root.pem)
    RootCertificate.objects.create(
        key_label=root.label,
        kid=root.kid,
        algorithm=int(algorithm),
        certificate=root.certificate,
        fingerprint=hashlib.sha256(root.certificate).hexdigest(),
    )
    signer_keys_install(key_dir, plan, purposes, algorithm)


def signer_keys_install(
    key_dir: Path,
    plan: dict[Authority, set[CredentialKind]],
    purposes: Iterable[Purpose] = PURPOSES,
    algorithm: Algorithm = Algorithm.ES256,
) -> None:
    """One key per authority of ``plan`` under the installed root (of ``algorithm``), and its
    seal picture unless it has one."""
    root = _root(algorithm)
    not_after = parse_certificate(root.certificate).not_after
    wanted = sorted(int(p) for p in purposes)
    keys, seals = [], []
    sealed = set(
        SealImage.objects.filter(authority__in=list(plan)).values_list("authority_id", flat=True)
    )
    for authority, kinds in plan.items():
        key = _signer(authority.key, authority.name, algorithm)
        (key_dir / f"{key.label}.pem").write_bytes(key.pem)
        keys.append(
            SignerKey(
                authority=authority,
                kid=key.kid,
                kid_hex=key.kid.hex(),
                key_label=key.label,
                algorithm=int(algorithm),
                certificate=key.certificate,
                kinds=sorted(CredentialKind(k).value for k in kinds),
                purposes=wanted,
                not_before=MADE,
                not_after=min(MADE + timedelta(days=365 * YEARS), not_after),
            )
        )
        if authority.pk not in sealed:
            data, width, height = _seal(authority.name)
            seals.append(
                SealImage(
                    authority=authority,
                    image=data,
                    sha256=hashlib.sha256(data).hexdigest(),
                    width=width,
                    height=height,
                    generated=True,
                    uploaded_at=MADE,
                )
            )
    SignerKey.objects.bulk_create(keys)
    SealImage.objects.bulk_create(seals)
