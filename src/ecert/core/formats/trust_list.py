"""The trust list: which keys may sign what, when, for whom; signed by the deployment's root.

An offline verifier holds two things: the root certificate, obtained once from an official
channel, and the current trust list. The list names every document-signer key (by key id) with
its X.509 certificate issued under the root, the authority it belongs to, the credential kinds
it may sign, what else it may sign (status lists, batch roots), its signing window and, if it was
revoked, the moment from which its signatures are void. It also names the qualification codes
used in claims. docs/formats/trust-list.md describes the format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import cached_property
from typing import Any

from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import (
    Signer,
    VerificationKey,
    load_verification_key,
)
from ecert.core.formats.cbor import deterministic_dumps, strict_loads
from ecert.core.formats.claims import KindCode
from ecert.core.formats.x509 import (
    CertificateInfo,
    parse_certificate,
    verify_issued_by,
)

FORMAT_VERSION = 1


class Purpose(IntEnum):
    """What a key may sign besides nothing at all."""

    CREDENTIALS = 1
    STATUS_LISTS = 2
    BATCH_ROOTS = 3
    # GB/T 38540 seal keys: certified under the SM2 seal root and never published in the trust
    # list (signing.services.trust_list_build leaves them out); listed here so one field says
    # what every SignerKey may do.
    SEAL_MAKING = 4  # the province's seal maker (制章): signs SESeal structures
    DOCUMENT_SEALS = 5  # an authority's seal signer: signs SES_Signature on its OFD documents


@dataclass(frozen=True)
class TrustedAuthority:
    number: int  # the ``issuer`` of claims
    key: str
    name: str
    credit_code: str | None = None  # GB 32100 统一社会信用代码: the GB/T 36904 issuer code


@dataclass(frozen=True)
class TrustedSigner:
    kid: bytes
    authority: int
    certificate: bytes  # DER, issued by the root
    kinds: frozenset[KindCode]
    purposes: frozenset[Purpose]
    not_before: int  # first second the key may sign (epoch seconds)
    not_after: int  # last second the key may sign; after a rotation, the rotation time
    revoked_at: int | None = None  # signatures made at or after this moment are void
    verification_key: VerificationKey | None = field(default=None, compare=False, repr=False)

    def signing_problem(self, at: int, purpose: Purpose, kind: KindCode | None) -> str | None:
        """None if this key could sign ``kind`` for ``purpose`` at ``at``; else a reason code."""
        if purpose not in self.purposes or (kind is not None and kind not in self.kinds):
            return "signer_not_authorised"
        if self.revoked_at is not None and at >= self.revoked_at:
            return "signer_revoked"
        if not self.not_before <= at <= self.not_after:
            return "outside_signing_window"
        return None


@dataclass(frozen=True)
class TrustList:
    sequence: int  # grows with every publication; a verifier never goes back to a lower one
    issued_at: int
    next_update: int
    root_certificate: bytes
    authorities: tuple[TrustedAuthority, ...]
    signers: tuple[TrustedSigner, ...]
    qualifications: Mapping[int, str]  # claims' qualification code -> name
    licence_types: Mapping[KindCode, str] = field(default_factory=dict)  # GB/T 36904 type codes

    def signer(self, kid: bytes) -> TrustedSigner | None:
        return self._signers_by_kid.get(kid)

    def authority(self, number: int) -> TrustedAuthority | None:
        return self._authorities_by_number.get(number)

    # Looked up for every verification: index once (cached_property writes past frozen).
    @cached_property
    def _signers_by_kid(self) -> dict[bytes, TrustedSigner]:
        return {s.kid: s for s in self.signers}

    @cached_property
    def _authorities_by_number(self) -> dict[int, TrustedAuthority]:
        return {a.number: a for a in self.authorities}

    def to_cbor(self) -> bytes:
        return deterministic_dumps(
            {
                0: FORMAT_VERSION,
                1: self.sequence,
                2: self.issued_at,
                3: self.next_update,
                4: self.root_certificate,
                5: [_authority_map(a) for a in self.authorities],
                6: [_signer_map(s) for s in self.signers],
                7: dict(self.qualifications),
                8: {int(kind): code for kind, code in self.licence_types.items()},
            }
        )


def _authority_map(a: TrustedAuthority) -> dict[int, Any]:
    out: dict[int, Any] = {1: a.number, 2: a.key, 3: a.name}
    if a.credit_code:
        out[4] = a.credit_code
    return out


def _signer_map(s: TrustedSigner) -> dict[int, Any]:
    out: dict[int, Any] = {
        1: s.kid,
        2: s.authority,
        3: s.certificate,
        4: sorted(int(k) for k in s.kinds),
        5: sorted(int(p) for p in s.purposes),
        6: s.not_before,
        7: s.not_after,
    }
    if s.revoked_at is not None:
        out[8] = s.revoked_at
    return out


def sign_trust_list(trust_list: TrustList, root: Signer, *, kid: bytes) -> bytes:
    return cose.sign1(trust_list.to_cbor(), root, kid=kid)


def load_trust_list(signed: bytes, *, root_certificate: bytes) -> TrustList:
    """Verify and read a published trust list against the root certificate the verifier holds."""
    try:
        message = cose.decode_sign1(signed)
        root = parse_certificate(root_certificate)
        root_key = load_verification_key(root.subject_public_key_der)
    except EcertError as error:
        raise EcertError("unreadable", "信任列表或根证书无法读取", str(error)) from error
    if not cose.verify_sign1(message, root_key):
        raise EcertError(
            "bad_signature", "信任列表签名无效", "the trust list is not signed by this root"
        )
    trust_list = _read(message.payload)
    if trust_list.root_certificate != root_certificate:
        raise EcertError("other_root", "信任列表属于另一个根证书", "the list names another root")
    return _with_keys(trust_list, root)


def trust_list_with_keys(trust_list: TrustList) -> TrustList:
    """A trust list built by the registry itself, ready to verify with: each signer's key loaded
    from its certificate, which must come from the list's own root."""
    try:
        root = parse_certificate(trust_list.root_certificate)
    except EcertError as error:
        raise EcertError("unreadable", "根证书无法读取", str(error)) from error
    return _with_keys(trust_list, root)


def _with_keys(trust_list: TrustList, root: CertificateInfo) -> TrustList:
    signers = tuple(
        replace(signer, verification_key=_signer_key(signer.certificate, root))
        for signer in trust_list.signers
    )
    return replace(trust_list, signers=signers)


# Signer keys already checked, by (signer certificate, root certificate) DER: a verifier that loads
# a newer trust list (the registry rebuilds its own every few seconds) parses and checks only the
# certificates it has not seen under that root. What a key may sign, and from when its signatures
# are void, comes from each list itself, never from here.
_CHECKED_KEYS: dict[tuple[bytes, bytes], VerificationKey] = {}
_CHECKED_KEYS_MAX = 4_096


def _signer_key(certificate: bytes, root: CertificateInfo) -> VerificationKey:
    """The key of a signer certificate issued by ``root``; EcertError ``bad_signer`` otherwise."""
    checked = _CHECKED_KEYS.get((certificate, root.der))
    if checked is not None:
        return checked
    try:
        info = parse_certificate(certificate)
        key = load_verification_key(info.subject_public_key_der)
    except EcertError as error:
        raise EcertError("bad_signer", "签名证书无法读取", str(error)) from error
    if not verify_issued_by(info, root):
        raise EcertError(
            "bad_signer",
            "签名证书不是由根证书签发",
            "a signer certificate is not from the root",
        )
    if len(_CHECKED_KEYS) >= _CHECKED_KEYS_MAX:
        _CHECKED_KEYS.clear()
    _CHECKED_KEYS[(certificate, root.der)] = key
    return key


def _read(payload: bytes) -> TrustList:
    try:
        item = strict_loads(payload, max_depth=5)
        if not isinstance(item, Mapping) or item.get(0) != FORMAT_VERSION:
            raise TypeError("unsupported trust list version")
        return TrustList(
            sequence=_int(item[1]),
            issued_at=_int(item[2]),
            next_update=_int(item[3]),
            root_certificate=_bytes(item[4]),
            authorities=tuple(_read_authority(a) for a in _seq(item[5])),
            signers=tuple(_read_signer(s) for s in _seq(item[6])),
            qualifications={_int(k): _str(v) for k, v in _map(item[7]).items()},
            licence_types={KindCode(_int(k)): _str(v) for k, v in _map(item[8]).items()},
        )
    except (KeyError, TypeError, ValueError) as error:
        # A CBOR error says what is wrong in its English text (cbor2's own words).
        detail = error.en if isinstance(error, EcertError) else error
        raise EcertError(
            "malformed", "信任列表格式错误", f"malformed trust list: {detail}"
        ) from error


def _read_authority(item: Any) -> TrustedAuthority:
    m = _map(item)
    return TrustedAuthority(_int(m[1]), _str(m[2]), _str(m[3]), _str(m[4]) if 4 in m else None)


def _read_signer(item: Any) -> TrustedSigner:
    m = _map(item)
    return TrustedSigner(
        kid=_bytes(m[1]),
        authority=_int(m[2]),
        certificate=_bytes(m[3]),
        kinds=frozenset(KindCode(_int(k)) for k in _seq(m[4])),
        purposes=frozenset(Purpose(_int(p)) for p in _seq(m[5])),
        not_before=_int(m[6]),
        not_after=_int(m[7]),
        revoked_at=_int(m[8]) if 8 in m else None,
    )


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError("expected a non-negative integer")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected text")
    return value


def _bytes(value: Any) -> bytes:
    if type(value) is not bytes:
        raise TypeError("expected bytes")
    return value


def _seq(value: Any) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise TypeError("expected an array")
    return value


def _map(value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise TypeError("expected a map")
    return value
