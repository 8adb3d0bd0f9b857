"""The verifier: separate checks, each with a reason code, and one verdict drawn from them.

Integrity (the signature holds), signer (a key of the trust list that could sign this kind when
it signed), status (valid / suspended / revoked / superseded, from a signed status list), validity
window (issue date and, for proofs and scoped copies, the last valid day) and holder match (only
when the verifier supplies a name or ID number). A superseded, revoked or expired credential is
genuine and is reported as such, never as forged. Works offline: everything comes in as bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.claims import Claims, claims_from_cbor
from ecert.core.formats.qr import parse_qr_text
from ecert.core.formats.status_list import (
    StatusListDocument,
    StatusValue,
    status_list_from_cbor,
)
from ecert.core.formats.trust_list import Purpose, TrustedAuthority, TrustedSigner, TrustList
from ecert.core.identity.idnumbers import detect_id_type, parse_id_number
from ecert.core.identity.names import normalise_name

# Dates on certificates are dates in China (UTC+8, no daylight saving).
_CHINA = timezone(timedelta(hours=8))


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"  # could not be decided with what the verifier has (e.g. no status list)
    SKIPPED = "skipped"  # not asked for (holder match without a name or ID number)


class Verdict(StrEnum):
    VALID = "valid"
    VALID_STATUS_UNKNOWN = "valid_status_unknown"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    HOLDER_MISMATCH = "holder_mismatch"
    UNTRUSTED = "untrusted"  # intact, but not signed by a key trusted for it at that time
    NOT_GENUINE = "not_genuine"  # malformed or the signature does not hold


CHECKS = ("integrity", "signer", "status", "validity", "holder")


@dataclass(frozen=True)
class Check:
    name: str
    outcome: Outcome
    reason: str


@dataclass(frozen=True)
class VerificationResult:
    checks: tuple[Check, ...]
    claims: Claims | None = None
    signer: TrustedSigner | None = None
    authority: TrustedAuthority | None = None
    status: StatusValue | None = None

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    @property
    def verdict(self) -> Verdict:
        outcome = {c.name: c for c in self.checks}
        if outcome["integrity"].outcome is Outcome.FAIL:
            return Verdict.NOT_GENUINE
        if outcome["signer"].outcome is not Outcome.PASS:
            return Verdict.UNTRUSTED
        status = outcome["status"]
        if status.outcome is Outcome.FAIL:
            return Verdict(status.reason)
        validity = outcome["validity"]
        if validity.outcome is Outcome.FAIL:
            return Verdict(validity.reason)
        if outcome["holder"].outcome is Outcome.FAIL:
            return Verdict.HOLDER_MISMATCH
        if status.outcome is Outcome.UNKNOWN:
            return Verdict.VALID_STATUS_UNKNOWN
        return Verdict.VALID


def _result(*checks: Check, **found: object) -> VerificationResult:
    named = {c.name: c for c in checks}
    rest = tuple(named.get(name) or Check(name, Outcome.UNKNOWN, "not_checked") for name in CHECKS)
    return VerificationResult(rest, **found)  # type: ignore[arg-type]


# The checks that passed, made once: a result shares them (Check is frozen).
_INTEGRITY_OK = Check("integrity", Outcome.PASS, "ok")
_SIGNER_OK = Check("signer", Outcome.PASS, "ok")
_STATUS_OK = Check("status", Outcome.PASS, "ok")
_VALIDITY_OK = Check("validity", Outcome.PASS, "ok")
_HOLDER_OK = Check("holder", Outcome.PASS, "ok")
_HOLDER_NOT_ASKED = Check("holder", Outcome.SKIPPED, "not_asked")
_NO_STATUS_LIST = Check("status", Outcome.UNKNOWN, "no_status_list")
_STATUS_LIST_EXPIRED = Check("status", Outcome.UNKNOWN, "status_list_expired")


def verify_qr_text(text: str, **kwargs: object) -> VerificationResult:
    """Verify the text of a scanned ecert QR code; see ``verify_credential`` for the options."""
    try:
        _host, signed = parse_qr_text(text)
    except EcertError as error:
        return _result(Check("integrity", Outcome.FAIL, f"malformed_{error.code}"))
    return verify_credential(signed, **kwargs)  # type: ignore[arg-type]


def verify_credential(
    signed: bytes,
    *,
    trust_list: TrustList,
    now: datetime,
    status_lists: Mapping[int, StatusListDocument] | None = None,
    holder_name: str | None = None,
    holder_id_number: str | None = None,
    registry_status: StatusValue | None = None,
) -> VerificationResult:
    """Verify one signed credential (a COSE_Sign1 over v1 claims).

    Offline, the status comes from the signed ``status_lists``; a verifier that holds the
    registry itself (the online page and API) passes the credential's current ``registry_status``
    instead, which is authoritative and never stale.
    """
    try:
        message = cose.decode_sign1(signed)
        claims = claims_from_cbor(message.payload)
    except EcertError as error:
        return _result(Check("integrity", Outcome.FAIL, f"malformed_{error.code}"))
    signer = trust_list.signer(message.kid or b"")
    if signer is None or signer.verification_key is None:
        return _result(
            Check("integrity", Outcome.UNKNOWN, "unknown_key"),
            Check("signer", Outcome.FAIL, "unknown_signer"),
            claims=claims,
        )
    if not cose.verify_sign1(message, signer.verification_key):
        return _result(Check("integrity", Outcome.FAIL, "bad_signature"), signer=signer)
    authority = trust_list.authority(signer.authority)
    if registry_status is None:
        status, status_check = _status(claims, status_lists or {}, now)
    else:
        status, status_check = registry_status, _registry_status_check(registry_status)
    return VerificationResult(
        (
            _INTEGRITY_OK,
            _signer_check(claims, signer),
            status_check,
            _validity_check(claims, now),
            _holder_check(claims, holder_name, holder_id_number),
        ),
        claims=claims,
        signer=signer,
        authority=authority,
        status=status,
    )


def _signer_check(claims: Claims, signer: TrustedSigner) -> Check:
    if claims.issuer != signer.authority:
        return Check("signer", Outcome.FAIL, "issuer_mismatch")
    problem = signer.signing_problem(claims.signed_at, Purpose.CREDENTIALS, claims.kind)
    return Check("signer", Outcome.FAIL, problem) if problem else _SIGNER_OK


def _status(
    claims: Claims, lists: Mapping[int, StatusListDocument], now: datetime
) -> tuple[StatusValue | None, Check]:
    """The credential's entry in its signed status list, and the status check drawn from it."""
    document = lists.get(claims.status_list)
    if document is None:
        return None, _NO_STATUS_LIST
    value = document.status_of(claims.status_index)
    if value is not StatusValue.VALID:
        return value, Check("status", Outcome.FAIL, value.name.lower())
    if now.timestamp() > document.next_update:
        return value, _STATUS_LIST_EXPIRED
    return value, _STATUS_OK


def _registry_status_check(value: StatusValue) -> Check:
    if value is not StatusValue.VALID:
        return Check("status", Outcome.FAIL, value.name.lower())
    return _STATUS_OK


def _validity_check(claims: Claims, now: datetime) -> Check:
    today = now.astimezone(_CHINA).date()
    if claims.issue_date > today:
        return Check("validity", Outcome.FAIL, "not_yet_valid")
    if claims.valid_until is not None and claims.valid_until < today:
        return Check("validity", Outcome.FAIL, "expired")
    return _VALIDITY_OK


def _holder_check(claims: Claims, name: str | None, id_number: str | None) -> Check:
    if name is None and id_number is None:
        return _HOLDER_NOT_ASKED
    if name is not None:
        try:
            matches = normalise_name(name) == normalise_name(claims.holder_name)
        except EcertError:
            matches = False
        if not matches:
            return Check("holder", Outcome.FAIL, "name_mismatch")
    if id_number is not None and _id_key(id_number) != _id_key(claims.id_number):
        return Check("holder", Outcome.FAIL, "id_number_mismatch")
    return _HOLDER_OK


def _id_key(raw: str) -> str:
    """Compare ID numbers as stored: normalised by their own rules, else upper-cased."""
    id_type = detect_id_type(raw)
    if id_type is not None:
        try:
            return parse_id_number(raw, id_type).value
        except EcertError:
            pass
    return raw.strip().upper()


def load_status_list(signed: bytes, trust_list: TrustList) -> StatusListDocument:
    """Verify a published status list against the trust list and read it."""
    try:
        message = cose.decode_sign1(signed)
    except EcertError as error:
        raise EcertError("unreadable", "状态列表无法读取", str(error)) from error
    signer = trust_list.signer(message.kid or b"")
    if signer is None or signer.verification_key is None:
        raise EcertError("unknown_signer", "状态列表签名者不在信任列表中", "unknown signer")
    if not cose.verify_sign1(message, signer.verification_key):
        raise EcertError("bad_signature", "状态列表签名无效", "bad status list signature")
    document = status_list_from_cbor(message.payload)
    if signer.signing_problem(document.issued_at, Purpose.STATUS_LISTS, None):
        raise EcertError(
            "signer_not_authorised", "该密钥无权签发状态列表", "this key may not sign status lists"
        )
    return document
