"""Writes to holders and credentials. Each one validates, saves and records its audit event
atomically; every new credential is made by the pipeline (``pipeline.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.core.documents.scans import scan_type
from ecert.core.errors import EcertError
from ecert.core.formats.records import sign_copy
from ecert.core.identity.idnumbers import IdNumber, Sex
from ecert.core.identity.names import normalise_name
from ecert.core.rules.catalogue import PhotoRule
from ecert.core.rules.drafts import CredentialDraft, PersonDraft, TitleDraft
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.core.rules.photos import photo_check
from ecert.core.rules.roles import Perm
from ecert.core.rules.status import check_status_change
from ecert.credentials.models import Credential, CredentialCorrection, Holder
from ecert.credentials.personal_data import id_number_plain
from ecert.credentials.pipeline import (
    HolderWriter,
    Outcomes,
    RunSummary,
    drafts_issue,
    signing_setup,
)
from ecert.credentials.records import (
    epoch_seconds,
    holder_identity,
    month_of,
    record_of,
    signing_time,
)
from ecert.credentials.status_lists import status_list_republish

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority


def holder_id_number(holder: Holder) -> str:
    """Decrypt a holder's ID number; only for the holder's own documents and staff who need it."""
    return id_number_plain(holder.id_number_ciphertext, holder.id_type)


def not_found(public_id: str = "") -> EcertError:
    """What a user hears about a credential that does not exist or is not theirs (the same)."""
    return EcertError(
        "not_found",
        f"没有该证书 {public_id}".strip(),
        f"no such credential {public_id}".strip(),
    )


@transaction.atomic
def holder_register(
    *, actor: User | None, name: str, id_number: IdNumber, now: datetime | None = None
) -> Holder:
    """Find the holder with this ID number or create one (through the pipeline's holder writer);
    a different name is refused."""
    person = PersonDraft(name=normalise_name(name), id_number=id_number)
    writer = HolderWriter(now or timezone.now())
    (resolved,) = writer.resolve([person])
    if isinstance(resolved, EcertError):
        raise resolved
    holder = Holder.objects.get(pk=resolved)
    if resolved in writer.created:
        audit_record(
            actor=actor,
            action="holder.registered",
            object_type="holder",
            object_id=holder.pk,
            data={"id_number": holder.id_number_masked},
        )
    return holder


@transaction.atomic
def holder_link_user(*, actor: User | None, holder: Holder, user: User) -> Holder:
    """Let `user` sign in as this holder (to see their own credentials)."""
    holder.user = user
    holder.save(update_fields=["user"])
    audit_record(
        actor=actor,
        action="holder.linked",
        object_type="holder",
        object_id=holder.pk,
        data={"username": user.username, "id_number": holder.id_number_masked},
    )
    return holder


def _first_refusal(outcomes: Outcomes) -> EcertError | None:
    if not outcomes.refused:
        return None
    _draft, errors = outcomes.refused[0]
    if len(errors) == 1:
        return errors[0]
    first = errors[0]
    return EcertError(
        first.code,
        "；".join(e.message().partition(" / ")[0] for e in errors),
        "; ".join(e.message().partition(" / ")[2] for e in errors),
        row=first.row,
        field=first.field,
    )


@transaction.atomic
def credential_issue(
    *, actor: User | None, draft: CredentialDraft, now: datetime, source_id: int | None = None
) -> Credential:
    """Issue one credential through the pipeline and return it; one already issued exactly so is
    returned as it is. EcertError says every rule the draft breaks."""
    outcomes = Outcomes()
    drafts_issue(actor=actor, drafts=[draft], now=now, outcomes=outcomes, source_id=source_id)
    refusal = _first_refusal(outcomes)
    if refusal is not None:
        raise refusal
    (_, public_id), *_ = outcomes.issued or outcomes.existing
    return Credential.objects.select_related("holder", "qualification", "issuing_authority").get(
        public_id=public_id
    )


@transaction.atomic
def credentials_issue(
    *,
    actor: User | None,
    drafts: Iterable[CredentialDraft],
    now: datetime,
    audit_authority: Authority | None = None,
    parallel: bool = False,
) -> RunSummary:
    """Issue many credentials at once, all or none: the first refused draft raises EcertError
    naming its row and nothing is kept. Drafts already issued exactly so are counted, not
    repeated, so the same drafts twice change nothing (the demo, the benchmarks)."""
    locks_take(Lock.BULK)  # one bulk writer at a time
    outcomes = Outcomes()
    summary = drafts_issue(
        actor=actor,
        drafts=drafts,
        now=now,
        outcomes=outcomes,
        parallel=parallel,
        audit_authority=audit_authority,
    )
    refusal = _first_refusal(outcomes)
    if refusal is not None:
        raise refusal
    return summary


def credential_copy_sign(
    *, credential: Credential, purpose: str, valid_until: date, now: datetime
) -> bytes:
    """The signed claims of a 加注 copy of ``credential``: its record's claims with ``purpose`` and
    the last valid day, signed now by its issuing authority's current key (nothing is stored)."""
    if credential.signed is None:
        raise EcertError("unsigned", "证书尚未签发", "the credential has not been signed")
    _key, setup = signing_setup(credential.issuing_authority, CredentialKind(credential.kind), now)
    return sign_copy(
        setup,
        record_of(credential),
        purpose=purpose,
        valid_until=valid_until,
        signed_at=epoch_seconds(signing_time(now)),
    )


def _managed(actor: User | None, credential: Credential, perm: Perm) -> Credential:
    """The credential, locked, if ``actor`` holds ``perm`` over it (no actor: the operator of the
    server, at the command line); else not found."""
    rows = Credential.objects.all() if actor is None else Credential.objects.visible_to(actor, perm)
    # of: scoping left-joins the nullable registration city
    locked = rows_locked(rows.filter(pk=credential.pk), of=("self",)).first()
    if locked is None:
        raise not_found(credential.public_id)
    return locked


@transaction.atomic
def credential_set_status(
    *,
    actor: User | None,
    credential: Credential,
    status: CredentialStatus,
    reason: str,
    now: datetime | None = None,
) -> Credential:
    """Suspend, reinstate or revoke a credential the actor manages, with a reason; the status list
    that holds it is signed again, so that offline verifiers learn it too."""
    now = now or timezone.now()
    locked = _managed(actor, credential, Perm.MANAGE_CREDENTIAL)
    previous = CredentialStatus(locked.status)
    check_status_change(previous, status, reason)
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    status_list_republish(status_index=locked.status_index, now=now)
    audit_record(
        actor=actor,
        action=f"credential.{status.value}",
        authority=locked.issuing_authority,
        object_type="credential",
        object_id=locked.public_id,
        data={"from": previous.value, "to": status.value, "reason": reason.strip()},
        at=now,
    )
    return locked


@transaction.atomic
def holder_photo_set(
    *,
    actor: User | None,
    credential: Credential,
    data: bytes,
    file_name: str,
    now: datetime | None = None,
) -> Holder:
    """Keep a new photo for the holder of ``credential`` (a clerk who manages it uploads one),
    after checking it against seed 001 附件 二.3 with the rule of the credential's qualification;
    faces that carry a photo print it from then on."""
    now = now or timezone.now()
    locked = _managed(actor, credential, Perm.MANAGE_CREDENTIAL)
    qualification = locked.qualification
    rule = PhotoRule(qualification.photo_rule) if qualification is not None else PhotoRule.STANDARD
    photo = photo_check(data, rule=rule, name=file_name)
    HolderWriter(now).photos_set({locked.holder_id: photo.data})
    holder = Holder.objects.get(pk=locked.holder_id)
    audit_record(
        actor=actor,
        action="holder.photo_set",
        authority=locked.issuing_authority,
        object_type="holder",
        object_id=holder.pk,
        data={
            "id_number": holder.id_number_masked,
            "sha256": holder.photo_sha256,
            "bytes": photo.size,
        },
        at=now,
    )
    return holder


@dataclass(frozen=True)
class Correction:
    """What a correction changes; a field left None keeps the credential's value."""

    name: str | None = None
    id_number: IdNumber | None = None
    sex: Sex | None = None
    birth_month: tuple[int, int] | None = None
    level: str | None = None
    specialty: str | None = None
    approval_date: date | None = None
    number: str | None = None


CORRECTABLE = (
    "name",
    "id_number",
    "sex",
    "birth_month",
    "level",
    "specialty",
    "approval_date",
    "number",
)


def credential_draft_of(credential: Credential, *, issue_date: date) -> CredentialDraft:
    """A draft that would issue ``credential`` again as it stands (for its correction or
    replacement, which then changes what it must)."""
    title = None
    if credential.kind == CredentialKind.TITLE_CERTIFICATE:
        title = TitleDraft(
            title=credential.title,
            series=credential.series,
            grassroots=credential.grassroots,
            verification_code=credential.verification_code,
        )
    return CredentialDraft(
        person=PersonDraft(
            name=credential.holder_name,
            id_number=holder_identity(credential.holder),
            sex=Sex(credential.holder_sex) if credential.holder_sex else None,
            birth_month=month_of(credential.holder_birth_month),
        ),
        kind=CredentialKind(credential.kind),
        form=CredentialForm(credential.form),
        issuer=credential.issuing_authority_id,
        approval_date=credential.approval_date,
        issue_date=issue_date,
        number=credential.management_number,
        qualification=credential.qualification_id,
        level=credential.level,
        specialty=credential.specialty,
        registration=credential.registration_authority_id,
        template=credential.template,
        title=title,
        attests=credential.attests_id,
        supersedes=credential.pk,
    )


@transaction.atomic
def credential_correct(
    *,
    actor: User,
    credential: Credential,
    correction: Correction,
    reason: str,
    evidence: bytes | None = None,
    evidence_name: str = "",
    now: datetime | None = None,
) -> Credential:
    """Correct a credential (信息修改) the actor's authority manages: a new credential with the
    corrected data, a new signature and status index, supersedes it; the old one then verifies as
    superseded and names the new one. Reason and evidence are kept with the correction."""
    now = now or timezone.now()
    locked = _to_supersede(actor, credential, reason, ("更正", "corrected"), "not_correctable")
    evidence_type = ""
    if evidence is not None:
        evidence_type = scan_type(
            evidence, evidence_name, field="evidence", label=("证明材料", "evidence")
        )
    draft = credential_draft_of(locked, issue_date=timezone.localdate(now))
    changed = {
        name: value
        for name in CORRECTABLE
        if (value := getattr(correction, name)) is not None and value != _current(draft, name)
    }
    if not changed:
        raise EcertError(
            "nothing_changed",
            "更正内容与原证书相同，无需更正",
            "the correction changes nothing",
        )
    person = draft.person
    person = replace(
        person,
        name=changed.get("name", person.name),
        id_number=changed.get("id_number", person.id_number),
        sex=changed.get("sex", None if "id_number" in changed else person.sex),
        birth_month=changed.get(
            "birth_month", None if "id_number" in changed else person.birth_month
        ),
    )
    draft = replace(
        draft,
        person=person,
        level=changed.get("level", draft.level),
        specialty=changed.get("specialty", draft.specialty),
        approval_date=changed.get("approval_date", draft.approval_date),
        number=changed.get("number", draft.number),
    )
    replacement = _supersede_with(actor, locked, draft, now)
    CredentialCorrection.objects.create(
        corrected=locked,
        replacement=replacement,
        changed=sorted(changed),
        reason=reason.strip(),
        evidence=evidence,
        evidence_type=evidence_type,
        evidence_sha256=hashlib.sha256(evidence).hexdigest() if evidence is not None else "",
        actor=actor,
        made_at=now,
    )
    audit_record(
        actor=actor,
        action="credential.corrected",
        authority=locked.issuing_authority,
        object_type="credential",
        object_id=locked.public_id,
        data={
            "replacement": replacement.public_id,
            "changed": sorted(changed),
            "reason": reason.strip(),
            "evidence_sha256": hashlib.sha256(evidence).hexdigest() if evidence else None,
        },
        at=now,
    )
    return replacement


def _to_supersede(
    actor: User, credential: Credential, reason: str, verb: tuple[str, str], refusal: str
) -> Credential:
    """The credential a correction or a replacement supersedes, locked, once the reason is given
    and the actor's authority manages it; only a valid or suspended one."""
    zh, en = verb
    if not reason.strip():
        raise EcertError(
            "no_reason", f"须填写{zh}原因", f"give the reason why it is {en}", field="reason"
        )
    locked = _managed(actor, credential, Perm.CORRECT_CREDENTIAL)
    # The new credential takes the holders lock, a status index and an audit event, and then the
    # old one's status list is signed again: taken now, in order, the status lists come before
    # the audit chain head they would otherwise follow.
    locks_take(Lock.HOLDERS, Lock.STATUS_INDEXES, Lock.STATUS_LISTS, Lock.AUDIT_HEAD)
    if locked.status not in (CredentialStatus.VALID, CredentialStatus.SUSPENDED):
        raise EcertError(
            refusal,
            f"只有有效或暂停的证书可以{zh}",
            f"only a valid or suspended credential can be {en}",
        )
    return locked


def _supersede_with(
    actor: User, locked: Credential, draft: CredentialDraft, now: datetime
) -> Credential:
    replacement = credential_issue(actor=actor, draft=draft, now=now)
    status_list_republish(status_index=locked.status_index, now=now)
    return replacement


@transaction.atomic
def credential_reissue(
    *,
    actor: User,
    credential: Credential,
    reason: str,
    number: str = "",
    now: datetime | None = None,
) -> Credential:
    """Record the replacement (补发、更换) of a paper certificate the actor's authority manages:
    a new record with the same data, under ``number`` when the new certificate has another
    management number, supersedes it (verification then says 已换发 and names the new one)."""
    now = now or timezone.now()
    locked = _to_supersede(actor, credential, reason, ("换发", "replaced"), "not_reissuable")
    draft = credential_draft_of(locked, issue_date=timezone.localdate(now))
    if number.strip():
        draft = replace(draft, number=number.strip())
    replacement = _supersede_with(actor, locked, draft, now)
    audit_record(
        actor=actor,
        action="credential.reissued",
        authority=locked.issuing_authority,
        object_type="credential",
        object_id=locked.public_id,
        data={"replacement": replacement.public_id, "reason": reason.strip()},
        at=now,
    )
    return replacement


def _current(draft: CredentialDraft, name: str) -> object:
    if name in ("name", "id_number", "sex", "birth_month"):
        return getattr(draft.person, name)
    return getattr(draft, name)
