"""Answering verifications: a scanned QR payload, an online query, a verification code, a PDF.

Each checks the signature against the deployment's own trust list and reads the status from the
registry, which is authoritative (an offline verifier reads the signed status lists instead). A
record the asker may not see answers exactly like one that does not exist. Every answer is logged.
"""

from __future__ import annotations

import hashlib
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from threading import Lock
from typing import Any

from django.db import OperationalError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.crypto import constant_time_compare

from ecert.accounts.models import User
from ecert.core.documents.originals import (
    ZIP_MAGIC,
    PdfCheckOutcome,
    PdfReason,
    pdf_check_outcomes,
    pdf_read,
    pdf_reason,
)
from ecert.core.errors import EcertError
from ecert.core.formats.qr import parse_qr_text
from ecert.core.formats.status_list import StatusValue
from ecert.core.formats.trust_list import TrustList, trust_list_with_keys
from ecert.core.formats.verify import (
    Check,
    Outcome,
    Verdict,
    _registry_status_check,  # the status check from the registry's value, as verify_credential makes it
    verify_credential,
)
from ecert.core.identity.idnumbers import mask_id_number
from ecert.core.identity.names import mask_name, normalise_name
from ecert.core.rules.titles import parse_title_number
from ecert.credentials.models import Credential
from ecert.credentials.selectors import credentials_by_id_number_and_number
from ecert.signing.models import RootCertificate, SignerKey
from ecert.signing.services import trust_list_build
from ecert.verification.answers import Answer, answer_from_registry, answer_from_result
from ecert.verification.models import Channel, Organisation
from ecert.verification.spool import Logged, event_store
from ecert.verification.stand_in import StandIn, stand_in_build

TRUST_LIST_SECONDS = 30  # how long a process reuses the trust list it built (docs/verification.md)
PDF_MAX_BYTES = 10 * 2**20


@dataclass(frozen=True)
class Asker:
    """Who asks: the address the request came from, a signed-in account, an organisation."""

    address: str | None
    user: User | None = None
    organisation: Organisation | None = None


_trust: tuple[float, TrustList | None, StandIn | None] = (0.0, None, None)
_trust_lock = Lock()


def _trust_and_stand_in(now: datetime) -> tuple[TrustList | None, StandIn | None]:
    """The trust list as the keys are now, and the stand-in a query that matches nothing verifies
    (ecert.verification.stand_in), rebuilt together at most every TRUST_LIST_SECONDS."""
    global _trust
    built_at, trust, stand_in = _trust
    if trust is not None and time.monotonic() - built_at < TRUST_LIST_SECONDS:
        return trust, stand_in
    with _trust_lock:
        try:
            trust = trust_list_with_keys(trust_list_build(now, 0))
        except EcertError:
            trust = None
        stand_in = stand_in_build(trust, now) if trust is not None else None
        _trust = (time.monotonic(), trust, stand_in)
    return trust, stand_in


def trust_list_current(now: datetime) -> TrustList | None:
    """The trust list as the keys are now, rebuilt at most every TRUST_LIST_SECONDS; None before
    the deployment has a root."""
    return _trust_and_stand_in(now)[0]


def trust_list_forget() -> None:
    """Make the next verification rebuild the trust list (after keys change in this process)."""
    global _trust
    _trust = (0.0, None, None)


def verification_log(
    *, asker: Asker, channel: Channel, answer: Answer | None, asked: str, now: datetime
) -> None:
    """Write one verification to the log, durably before the answer goes out: through the spool
    (spool.py: appended and synced to a file, moved into the table in batches), or in the
    caller's transaction when there is one."""
    event_store(
        Logged(
            at=now,
            channel=channel,
            organisation_id=asker.organisation.pk if asker.organisation is not None else None,
            user_id=asker.user.pk if asker.user is not None and asker.user.pk else None,
            address=asker.address,
            credential_id=answer.credential.pk
            if answer is not None and answer.credential is not None
            else None,
            verdict=answer.verdict.value if answer is not None else "not_found",
            asked=asked[:120],
        )
    )


def _read_connection() -> BaseDatabaseWrapper:
    """The connection the verification path's own SQL reads from: where the router sends the
    ORM's reads of the same request (the replica for a verification request when one is
    configured, ecert.replicas; the primary inside a transaction on it)."""
    return connections[router.db_for_read(Credential)]


_REGISTRY_ROW = (
    "SELECT id, status, kind, form, interim_ended_on FROM credentials_credential"
    " WHERE public_id = %s LIMIT 1"
)


def _registry_row(public_id: str) -> Credential | None:
    """The registry's row for a signed credential: its status and its key, nothing more (the facts
    shown come from the verified claims). The busiest query of the API: one indexed lookup in
    plain SQL, no ORM."""
    database = _read_connection()
    row = _fetch_one(database, _REGISTRY_ROW, [public_id])
    if row is None:
        return None
    pk, status, kind, form, interim_ended_on = row
    if isinstance(interim_ended_on, str):  # SQLite hands dates back as text
        interim_ended_on = date.fromisoformat(interim_ended_on)
    found = {
        "id": pk,
        "public_id": public_id,
        "status": status,
        "kind": kind,
        "form": form,
        "interim_ended_on": interim_ended_on,
    }
    # As the ORM builds a row of ``only()``: any other field is loaded when first read.
    names = _registry_fields()
    return Credential.from_db(_read_connection().alias, names, tuple(found[name] for name in names))


def _fetch_one(database: BaseDatabaseWrapper, sql: str, params: list[str]) -> Any:
    """The first row of ``sql``, the busiest query of the site (decision 277).

    On PostgreSQL through the driver's cursor, without Django's cursor wrapper and without its
    per-request health check, which cost a round trip of its own (``SELECT 1``) before the query.
    The query checks the connection by using it: when a connection the server dropped (a restart,
    a failover) refuses it, it is sent once more on a new connection, outside a transaction. A
    query that succeeds counts as the request's health check. Errors are Django's. While queries
    are logged (DEBUG, a test that counts them) it goes through Django's cursor, to be seen."""
    if database.vendor != "postgresql" or database.queries_logged:
        with database.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    while True:
        database.ensure_connection()
        try:
            with database.wrap_database_errors, database.connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        except OperationalError:
            if database.in_atomic_block or _health_checked(database):
                raise
            database.close()
            _health_checked(database, True)  # the new connection is the check; no third try
            continue
        _health_checked(database, True)
        return row


def _health_checked(database: BaseDatabaseWrapper, done: bool | None = None) -> bool:
    """Django's mark that this request's health check was made (not in the type stubs); set it
    when ``done`` is given."""
    if done is not None:
        database.health_check_done = done  # type: ignore[attr-defined]
    return bool(database.health_check_done)  # type: ignore[attr-defined]


@cache
def _registry_fields() -> list[str]:
    """The registry row's columns in the model's field order, which ``from_db`` expects."""
    wanted = {"id", "public_id", "status", "kind", "form", "interim_ended_on"}
    return [f.attname for f in Credential._meta.concrete_fields if f.attname in wanted]


def signed_answer(
    signed: bytes,
    *,
    now: datetime,
    holder_name: str | None = None,
    holder_id_number: str | None = None,
) -> Answer:
    """Verify a signed credential (the QR payload) with the registry's status; not logged."""
    return _verified(
        signed,
        trust_list_current(now),
        now=now,
        holder_name=holder_name,
        holder_id_number=holder_id_number,
    )


def _verified(
    signed: bytes,
    trust: TrustList | None,
    *,
    now: datetime,
    holder_name: str | None = None,
    holder_id_number: str | None = None,
) -> Answer:
    if trust is None:
        return Answer(Verdict.UNTRUSTED, (Check("signer", Outcome.FAIL, "no_trust_list"),))
    # The signature first, then the registry's row of the credential it names: one decoding of
    # the claims, and no read for a payload whose signature does not hold.
    result = verify_credential(
        signed,
        trust_list=trust,
        now=now,
        holder_name=holder_name,
        holder_id_number=holder_id_number,
        status_lists={},  # the registry's status replaces the status check below
    )
    credential = None
    if result.claims is not None and result.check("integrity").outcome is Outcome.PASS:
        credential = _registry_row(result.claims.public_id)
    if credential is not None:
        status = StatusValue.of(credential.status)  # type: ignore[arg-type]
        result = replace(
            result,
            checks=tuple(
                _registry_status_check(status) if c.name == "status" else c for c in result.checks
            ),
            status=status,
        )
    return answer_from_result(result, trust, credential)


def qr_answer(text: str, *, now: datetime) -> Answer:
    """Verify the text of a QR code (the whole URL, or just its payload part)."""
    if "://" not in text:
        text = f"HTTPS://X/V/{text.strip()}"
    try:
        _host, signed = parse_qr_text(text)
    except EcertError as error:
        return Answer(
            Verdict.NOT_GENUINE, (Check("integrity", Outcome.FAIL, f"malformed_{error.code}"),)
        )
    return signed_answer(signed, now=now)


def qr_verify(*, text: str, now: datetime, asker: Asker, channel: Channel = Channel.QR) -> Answer:
    """A scanned QR code, answered and logged."""
    answer = qr_answer(text, now=now)
    asked = answer.facts.public_id if answer.facts is not None else "?"
    verification_log(asker=asker, channel=channel, answer=answer, asked=asked, now=now)
    return answer


def _typed(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _name_key(name: str) -> str:
    """The name as names are compared; empty for one that cannot be a name."""
    try:
        return normalise_name(name)
    except EcertError:
        return ""


_STAND_IN_NAME = "某某"  # compared against when no credential has the number, for the same work


def _printed_forms(number: str) -> list[str]:
    """The number as stored: a title number without the （基层） a person may type after it, in
    full-width or ASCII brackets, with or without spaces."""
    try:
        return [parse_title_number(number).number]
    except EcertError:
        return [number]


def credential_find(*, name: str, id_number: str, number: str) -> Credential | None:
    """The credential with this holder name, ID number and 管理号 / 证书编号, or None.

    All three must match: the ID number finds the holder through its keyed hash, the number the
    credential, and the name must be the one the credential was issued with (a credential
    replaced after a change of name still answers to the old name, and says it was replaced).
    ID number and number are looked up together in one query and the name is compared in
    constant time with every row found (or with a stand-in when none is), so the work is the same
    whichever detail is wrong.
    """
    number = _typed(number)
    if not number or not name.strip():
        return None
    candidates = credentials_by_id_number_and_number(
        id_number=_typed(id_number), numbers=_printed_forms(number)
    )
    typed = _name_key(name)
    found = None
    rows: list[Credential | None] = [*candidates] or [None]
    for candidate in rows:
        stored = _name_key(candidate.holder_name if candidate is not None else _STAND_IN_NAME)
        same = constant_time_compare(typed, stored) and bool(typed)
        if same and found is None:
            found = candidate
    return found


def _registry_answer(credential: Credential | None, *, now: datetime) -> Answer | None:
    """The answer for what a query found, or None for nothing. Exactly one signature is checked
    either way: the credential's, or the stand-in's when nothing (or a paper record) was found."""
    trust, stand_in = _trust_and_stand_in(now)
    if credential is not None and credential.signed is not None:
        return _verified(bytes(credential.signed), trust, now=now)
    if stand_in is not None:
        _verified(stand_in.signed, stand_in.trust, now=now)
    if credential is None:
        return None
    return answer_from_registry(credential, now.date())


def query_verify(
    *, name: str, id_number: str, number: str, now: datetime, asker: Asker, channel: Channel
) -> Answer | None:
    """The online query (name, ID number and number, all three); None when nothing matches, and
    a record the asker may not see is never told apart from one that does not exist."""
    credential = credential_find(name=name, id_number=id_number, number=number)
    answer = _registry_answer(credential, now=now)
    asked = f"{mask_name(name.strip()[:20])} {mask_id_number(_typed(id_number)[:40])} {_typed(number)[:40]}"
    verification_log(asker=asker, channel=channel, answer=answer, asked=asked, now=now)
    return answer


def code_verify(
    *, code: str, now: datetime, asker: Asker, channel: Channel = Channel.CODE
) -> Answer | None:
    """The query by a title certificate's verification code (seed 003 第十一条)."""
    typed = _typed(code)
    credential = None
    if 6 <= len(typed) <= 16:
        credential = (
            Credential.objects.select_related("attests", "issuing_authority", "holder")
            .filter(verification_code=typed)
            .first()
        )
    answer = _registry_answer(credential, now=now)
    asked = f"{typed[:2]}***" if typed else ""
    verification_log(asker=asker, channel=channel, answer=answer, asked=asked, now=now)
    return answer


@dataclass(frozen=True)
class PdfAnswer:
    """An uploaded PDF: is it the signed original, and what does the credential in it say.

    ``answer`` is the credential's own verdict, shown only for an original: a copy's QR code
    proves nothing about the copy (docs/verification.md, "Checking a PDF").
    """

    original: bool
    reason: PdfReason
    answer: Answer | None = None

    @property
    def checks(self) -> tuple[PdfCheckOutcome, ...]:
        return pdf_check_outcomes(self.reason)


def pdf_verify(*, pdf: bytes, now: datetime, asker: Asker) -> PdfAnswer:
    """Check an uploaded PDF or OFD (seed 000 §三, seed 002 §四: only the signed original
    counts)."""
    result = _pdf_result(pdf, now)
    digest = hashlib.sha256(pdf).hexdigest()[:16]
    verification_log(
        asker=asker,
        channel=Channel.PDF,
        answer=result.answer,
        asked=f"pdf {digest} {result.reason}",
        now=now,
    )
    return result


def _pdf_result(pdf: bytes, now: datetime) -> PdfAnswer:
    roots: list[bytes] = []
    if pdf.startswith((b"%PDF-", ZIP_MAGIC)):  # the seal roots count only for an OFD's seal
        roots = [bytes(r) for r in RootCertificate.objects.values_list("certificate", flat=True)]
    reading = pdf_read(pdf, roots)
    answers = [qr_answer(t, now=now) for t in reading.qr_texts]
    answer = next((a for a in answers if a.facts), answers[0] if answers else None)
    found = answer if answer is not None and answer.facts is not None else None
    reason = pdf_reason(
        reading,
        credential_read=found is not None,
        sealed_by_issuer=lambda certificate: (
            found is not None and _signed_by_issuer(certificate, found)
        ),
    )
    return PdfAnswer(reason is PdfReason.OK, reason, answer)


def _signed_by_issuer(certificate: bytes, answer: Answer) -> bool:
    """The PDF's seal was made by a key of the authority that issued the credential in its QR."""
    if answer.facts is None:
        return False
    return SignerKey.objects.filter(
        authority__key=answer.facts.issuer_key, certificate=certificate
    ).exists()
