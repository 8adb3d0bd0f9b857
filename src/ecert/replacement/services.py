"""The writes of replacements and corrections (补换, 信息修改): each one checks scope and rules,
locks, saves, adds the timeline line the holder reads and writes the audit event.

Who does what follows from where the application or batch sits in the actor's scope for
``Perm.HANDLE_REPLACEMENT``: the receiving unit (``Application.unit``) accepts, returns and sends up
its month's batch; the level above (``Batch.target``) returns or forwards batches and records the
errors it finds; the province's exam centre (``Application.exam_centre``) issues what the
application ends in. A holder applies for their own certificates and may withdraw before
acceptance. docs/replacement.md.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.documents.scans import scan_type
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, mask_id_number, parse_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.rules.catalogue import CorrectionRoute, PhotoRule, ReplacementForm
from ecert.core.rules.kinds import (
    CredentialForm,
    CredentialKind,
    CredentialStatus,
    is_paper_record,
)
from ecert.core.rules.paper import AT_COUNTER, Edition, Method
from ecert.core.rules.photos import photo_check
from ecert.core.rules.replacement import (
    BATCH_EDITABLE,
    OPEN_STATES,
    Assessment,
    BatchState,
    Channel,
    Facts,
    Outcome,
    Reason,
    Route,
    State,
    assess,
    check_move,
    month_after,
    month_of,
    route_for,
)
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.personal_data import id_number_lookup_hash
from ecert.distribution.models import PaperCertificate
from ecert.distribution.services import (
    MailAddress,
    handing_out,
    mail_address_check,
    phone_check,
)
from ecert.replacement.models import (
    Application,
    ApplicationEvent,
    ApplicationEventKind,
    Batch,
    BatchError,
    Dispatch,
    FoundBy,
)

if TYPE_CHECKING:
    from ecert.accounts.models import User

PERM = Perm.HANDLE_REPLACEMENT


def new_reference(prefix: str, today: date) -> str:
    return f"{prefix}{today:%Y%m%d}-{secrets.token_hex(3).upper()}"


def refused_out_of_scope() -> EcertError:
    """What every write on an application or batch outside the actor's scope answers."""
    return EcertError("not_found", "未找到该补换申请", "no such replacement application")


def _in_scope(actor: User, authority: Authority) -> bool:
    return scope_for(actor, PERM).contains(authority.path)


def _event(
    application: Application,
    kind: ApplicationEventKind,
    *,
    actor: User | None,
    unit: Authority | None,
    now: datetime,
    note: str = "",
    **detail: Any,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        at=now,
        kind=kind,
        state=application.state,
        actor=actor if actor is not None and actor.pk else None,
        unit=unit,
        note=note,
        detail=detail,
    )


def _move(application: Application, state: State, now: datetime) -> None:
    check_move(State(application.state), state)
    application.state = state.value
    application.state_since = now


# ── Applying ───────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ApplicationInput:
    """The fields of 《个人补发（更换）证书申请》 as the applicant (or the counter) filled them."""

    reason: Reason
    name: str
    id_number: str
    id_type: IdType = IdType.RESIDENT_ID
    level: str = ""
    specialty: str = ""
    approval_date: date | None = None
    phone: str = ""
    method: Method = Method.COUNTER
    address: MailAddress | None = None
    changes: dict[str, str] = field(default_factory=dict)  # information change: field → value
    work_need: str = ""
    score_proof: bool = False
    photo: bytes | None = None
    photo_name: str = ""
    ministry_form: bytes | None = None
    ministry_form_name: str = ""


# Fields an information change may ask for, with how people read them.
CHANGEABLE: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "id_number": ("证件号码", "ID number"),
    "level": ("级别", "level"),
    "specialty": ("专业", "specialty"),
}


def electronic_exists(credential: Credential) -> bool:
    """Whether the holder has a valid electronic certificate or e-proof of the same
    qualification and level (seed 002 四, seed 000 四(三))."""
    if credential.qualification_id is None:
        return False
    return (
        Credential.objects.filter(
            holder_id=credential.holder_id,
            qualification_id=credential.qualification_id,
            level=credential.level,
            status=CredentialStatus.VALID,
            form=CredentialForm.ELECTRONIC,
            kind__in=[CredentialKind.NATIONAL_CERTIFICATE, CredentialKind.EXAM_PROOF],
        )
        .exclude(pk=credential.pk)
        .exists()
    )


def _paper_waiting(credential: Credential) -> bool:
    return PaperCertificate.objects.filter(
        credential=credential, state__in=[s.value for s in AT_COUNTER]
    ).exists()


@contextmanager
def _on_field(name: str, label: tuple[str, str]) -> Iterator[None]:
    """Name the form field an error of a shared check (a name, an ID number) belongs to, so the
    page can show it beside that field."""
    try:
        yield
    except EcertError as error:
        if error.field:
            raise
        raise EcertError(error.code, error.zh, error.en, field=name, label=label) from error


def _may_apply(actor: User, credential: Credential, unit: Authority) -> Channel:
    """The holder applies for their own certificate; staff register one their unit receives."""
    if credential.holder.user_id is not None and credential.holder.user_id == actor.pk:
        return Channel.PORTAL
    if _in_scope(actor, unit):
        return Channel.COUNTER
    raise EcertError("not_found", "没有该证书", "no such certificate")


def application_submit(
    *, actor: User, credential: Credential, form: ApplicationInput, now: datetime | None = None
) -> Application:
    """Apply for the replacement or correction of a paper certificate of the certificate database
    (or, for an abolished qualification, the 职/执业资格证明 instead). The rules of
    ecert.core.rules.replacement decide what it becomes or refuse it with their reason."""
    now = now or timezone.now()
    credential = Credential.objects.select_related(
        "qualification", "holder", "registration_authority", "issuing_authority"
    ).get(pk=credential.pk)
    qualification = credential.qualification
    if not is_paper_record(credential.kind, credential.form) or qualification is None:
        raise EcertError(
            "not_paper_record",
            "只能为证书数据库中的纸质证书申请补换；电子证书可随时重新下载",
            "only a paper certificate of the certificate database can be replaced; an "
            "electronic one can be downloaded again",
        )
    if credential.status != CredentialStatus.VALID:
        raise EcertError(
            "not_valid",
            "该证书已被撤销、暂停或换发，不能申请补换",
            "the certificate is revoked, suspended or replaced: no application can be made",
        )
    place = handing_out(credential)
    channel = _may_apply(actor, credential, place.unit)
    with _on_field("name", ("姓名", "name")):
        name = normalise_name(form.name)
    with _on_field("id_number", ("证件号码", "ID number")):
        id_number = parse_id_number(form.id_number, form.id_type)
    phone = phone_check(form.phone) if form.phone.strip() else ""
    photo = None
    if form.photo is not None:
        rule = PhotoRule(qualification.photo_rule)
        photo = photo_check(form.photo, rule=rule, name=form.photo_name).data
    ministry_type = ""
    if form.ministry_form is not None:
        ministry_type = scan_type(
            form.ministry_form,
            form.ministry_form_name,
            field="ministry_form",
            label=("主管部门指定的申请表", "the ministry's form"),
        )
    changes = {k: v.strip() for k, v in form.changes.items() if v and v.strip()}
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise EcertError(
            "bad_change",
            "只能修改姓名、证件号码、级别或专业",
            "only the name, ID number, level or specialty can be changed",
            field="changes",
        )
    if "id_number" in changes:
        with _on_field("changes", ("新的证件号码", "new ID number")):
            changes["id_number"] = parse_id_number(changes["id_number"], form.id_type).value
    if "name" in changes:
        with _on_field("changes", ("新的姓名", "new name")):
            changes["name"] = normalise_name(changes["name"])
    address = None
    if form.method is Method.MAIL:
        if form.address is None:
            raise EcertError(
                "no_address",
                "选择邮寄须填写收件人、联系电话和邮寄地址",
                "mail needs the recipient, phone and address",
                field="address",
            )
        address = mail_address_check(form.address)
    assessment: Assessment = assess(
        Facts(
            reason=form.reason,
            qualification=qualification.name,
            abolished=qualification.abolished,
            replacement_form=ReplacementForm(qualification.replacement_form),
            approval_date=credential.approval_date,
            electronic_exists=electronic_exists(credential),
            paper_waiting=_paper_waiting(credential),
            work_need=form.work_need,
            photo_given=photo is not None,
            ministry_form_given=form.ministry_form is not None,
            changes=changes,
            score_proof_asked=form.score_proof,
        )
    )
    route = route_for(
        has_responsibility_table=place.table_department is not None,
        correction_route=CorrectionRoute(qualification.correction_route),
    )
    target = place.table_department if route is not Route.PROVINCE else place.exam_centre
    assert target is not None
    with transaction.atomic():
        rows_locked(Credential.objects.filter(pk=credential.pk))
        if Application.objects.filter(
            credential=credential, state__in=[s.value for s in OPEN_STATES]
        ).exists():
            raise EcertError(
                "already_applied",
                "该证书已有正在办理的补换申请，请查看其进度",
                "this certificate already has an application under way: follow it",
            )
        application = Application.objects.create(
            reference=new_reference("BH", now.date()),
            credential=credential,
            holder=credential.holder,
            reason=form.reason.value,
            outcome=assessment.outcome.value,
            route=route.value,
            channel=channel.value,
            state=State.SUBMITTED.value,
            state_since=now,
            unit=place.unit,
            target=target,
            exam_centre=place.exam_centre,
            applicant_name=name,
            applicant_id_hash=id_number_lookup_hash(id_number.type, id_number.value),
            applicant_id_masked=mask_id_number(id_number.value),
            applicant_level=form.level.strip(),
            applicant_specialty=form.specialty.strip(),
            applicant_approval_date=form.approval_date,
            phone=phone,
            changes=changes,
            work_need=form.work_need.strip() if assessment.work_need_stated else "",
            score_proof_asked=form.score_proof,
            method=form.method.value,
            mail_recipient=address.recipient if address else "",
            mail_phone=address.phone if address else "",
            mail_address=address.address if address else "",
            mail_postcode=address.postcode if address else "",
            photo_jpeg=photo,
            photo_sha256=hashlib.sha256(photo).hexdigest() if photo else "",
            ministry_form=form.ministry_form,
            ministry_form_type=ministry_type,
            ministry_form_name=form.ministry_form_name[:200],
            created_by=actor,
            created_at=now,
        )
        _event(
            application,
            ApplicationEventKind.SUBMITTED,
            actor=actor,
            unit=None if channel is Channel.PORTAL else place.unit,
            now=now,
            channel=channel.value,
        )
        audit_record(
            actor=actor,
            action="replacement.applied",
            authority=place.unit,
            object_type="replacement_application",
            object_id=application.reference,
            data={
                "credential": credential.public_id,
                "reason": form.reason.value,
                "outcome": assessment.outcome.value,
                "channel": channel.value,
                "work_need": bool(application.work_need),
                "score_proof": form.score_proof,
                "changes": sorted(changes),
            },
            at=now,
        )
    return application


def _locked(application: Application) -> Application:
    # Only the application's row: PostgreSQL locks no row on the nullable side of an outer join
    # (the batch); a batch is locked by its own writes (batch_for, batch_submit, batch_return).
    found = rows_locked(
        Application.objects.select_related("unit", "target", "exam_centre", "batch").filter(
            pk=application.pk
        ),
        of=("self",),
    )
    if not found:
        raise refused_out_of_scope()
    return found[0]


def application_withdraw(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """The holder withdraws an application not yet accepted."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(application)
        if locked.holder.user_id != actor.pk:
            raise refused_out_of_scope()
        _move(locked, State.WITHDRAWN, now)
        locked.save(update_fields=["state", "state_since"])
        _event(locked, ApplicationEventKind.WITHDRAWN, actor=actor, unit=None, now=now)
        audit_record(
            actor=actor,
            action="replacement.withdrawn",
            authority=locked.unit,
            object_type="replacement_application",
            object_id=locked.reference,
            at=now,
        )
    return locked


# ── At the receiving unit ──────────────────────────────────────────────────────────────────────


def batch_for(unit: Authority, target: Authority, today: date, now: datetime) -> Batch:
    """The unit's batch that takes applications accepted ``today``: this month's, or, once this
    month's has been submitted, the next month's. Locked."""
    month = month_of(today)
    while True:
        batch, _ = Batch.objects.get_or_create(
            unit=unit,
            month=month,
            defaults={
                "reference": new_reference("PC", today),
                "target": target,
                "state": BatchState.OPEN.value,
                "state_since": now,
                "created_at": now,
            },
        )
        batch = rows_locked(Batch.objects.filter(pk=batch.pk))[0]
        if BatchState(batch.state) in BATCH_EDITABLE:
            return batch
        month = month_after(month)


def application_accept(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """The receiving unit has checked the application against the certificate database (seed 001
    二(一)2) and accepts it: it joins the unit's batch of the month."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(application)
        if not _in_scope(actor, locked.unit):
            raise refused_out_of_scope()
        _move(locked, State.ACCEPTED, now)
        batch = batch_for(locked.unit, locked.target, timezone.localdate(now), now)
        locked.batch = batch
        locked.save(update_fields=["state", "state_since", "batch"])
        _event(
            locked,
            ApplicationEventKind.ACCEPTED,
            actor=actor,
            unit=locked.unit,
            now=now,
            batch=batch.reference,
            month=batch.month,
        )
        audit_record(
            actor=actor,
            action="replacement.accepted",
            authority=locked.unit,
            object_type="replacement_application",
            object_id=locked.reference,
            data={"batch": batch.reference, "month": batch.month},
            at=now,
        )
    return locked


def application_return(
    *, actor: User, application: Application, reason: str, now: datetime | None = None
) -> Application:
    """The receiving unit returns an application, with the reason the holder reads: before it is
    accepted, or while its batch is still open (taking it out of the batch)."""
    now = now or timezone.now()
    if not reason.strip():
        raise EcertError(
            "no_reason", "须填写退回原因", "give the reason for the return", field="reason"
        )
    with transaction.atomic():
        locked = _locked(application)
        if not _in_scope(actor, locked.unit):
            raise refused_out_of_scope()
        if locked.batch is not None and BatchState(locked.batch.state) not in BATCH_EDITABLE:
            raise EcertError(
                "batch_frozen",
                "该申请所在批次已报送，不能再退回",
                "the application's batch has been submitted: it can no longer be returned",
            )
        _move(locked, State.RETURNED, now)
        locked.batch = None
        locked.return_reason = reason.strip()
        locked.save(update_fields=["state", "state_since", "batch", "return_reason"])
        _event(
            locked,
            ApplicationEventKind.RETURNED,
            actor=actor,
            unit=locked.unit,
            now=now,
            note=reason.strip(),
        )
        audit_record(
            actor=actor,
            action="replacement.returned",
            authority=locked.unit,
            object_type="replacement_application",
            object_id=locked.reference,
            data={"reason": reason.strip()},
            at=now,
        )
    return locked


def _locked_batch(batch: Batch) -> Batch:
    found = rows_locked(Batch.objects.select_related("unit", "target").filter(pk=batch.pk))
    if not found:
        raise EcertError("not_found", "未找到该批次", "no such batch")
    return found[0]


def batch_submit(*, actor: User, batch: Batch, now: datetime | None = None) -> Batch:
    """The unit submits its month's batch to the level above (seed 001 二(一)1: 每月末报送);
    from now on it is frozen."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_batch(batch)
        if not _in_scope(actor, locked.unit):
            raise EcertError("not_found", "未找到该批次", "no such batch")
        if BatchState(locked.state) not in BATCH_EDITABLE:
            raise EcertError("batch_frozen", "该批次已报送", "the batch has already been submitted")
        applications = list(rows_locked(locked.applications.order_by("pk")))
        if not applications:
            raise EcertError(
                "batch_empty",
                "该批次没有已受理的申请，无需报送",
                "the batch holds no accepted application: nothing to submit",
            )
        check_packable(locked, applications)
        locked.state = BatchState.SUBMITTED.value
        locked.state_since = locked.submitted_at = now
        locked.submitted_by = actor
        locked.return_reason = ""
        locked.save(
            update_fields=["state", "state_since", "submitted_at", "submitted_by", "return_reason"]
        )
        for application in applications:
            _move(application, State.FORWARDED, now)
            application.save(update_fields=["state", "state_since"])
            _event(
                application,
                ApplicationEventKind.FORWARDED,
                actor=actor,
                unit=locked.unit,
                now=now,
                batch=locked.reference,
                to=locked.target.name,
            )
        audit_record(
            actor=actor,
            action="replacement.batch_submitted",
            authority=locked.unit,
            object_type="replacement_batch",
            object_id=locked.reference,
            data={"month": locked.month, "applications": len(applications)},
            at=now,
        )
    return locked


def check_packable(batch: Batch, applications: list[Application]) -> None:
    """Refuse a batch whose exchange package could not be made: its rows are built from the
    certificate database and checked as the province will take them (an exam without a code, a
    record missing what a row needs), and the refusal names the application."""
    from ecert.replacement.packages import packages_of, unit_label

    packages_of(applications, unit_name=unit_label(batch.unit), month=batch.month)


# ── At the level above ─────────────────────────────────────────────────────────────────────────


def batch_return(*, actor: User, batch: Batch, reason: str, now: datetime | None = None) -> Batch:
    """The level above returns a submitted batch with its reasons; the unit may change it and
    submit it again."""
    now = now or timezone.now()
    if not reason.strip():
        raise EcertError(
            "no_reason", "须填写退回原因", "give the reason for the return", field="reason"
        )
    with transaction.atomic():
        locked = _locked_batch(batch)
        if not _in_scope(actor, locked.target):
            raise EcertError("not_found", "未找到该批次", "no such batch")
        if locked.state != BatchState.SUBMITTED:
            raise EcertError(
                "batch_not_submitted",
                "只能退回已报送、尚未上报的批次",
                "only a submitted batch that has not been sent on can be returned",
            )
        locked.state = BatchState.RETURNED.value
        locked.state_since = now
        locked.return_reason = reason.strip()
        locked.save(update_fields=["state", "state_since", "return_reason"])
        for application in rows_locked(locked.applications.order_by("pk")):
            _move(application, State.ACCEPTED, now)
            application.save(update_fields=["state", "state_since"])
            _event(
                application,
                ApplicationEventKind.BATCH_RETURNED,
                actor=actor,
                unit=locked.target,
                now=now,
                batch=locked.reference,
            )
        audit_record(
            actor=actor,
            action="replacement.batch_returned",
            authority=locked.target,
            object_type="replacement_batch",
            object_id=locked.reference,
            data={"reason": reason.strip(), "unit": locked.unit.key},
            at=now,
        )
    return locked


def batch_error_record(
    *,
    actor: User,
    batch: Batch,
    description: str,
    found_by: FoundBy,
    application: Application | None = None,
    now: datetime | None = None,
) -> BatchError:
    """Record an error the level above or the ministry found in a unit's submitted data; it
    counts against the unit in its year (seed 001 二(一)3)."""
    now = now or timezone.now()
    if not description.strip():
        raise EcertError(
            "no_description", "须说明错误内容", "describe the error", field="description"
        )
    with transaction.atomic():
        locked = _locked_batch(batch)
        if not _in_scope(actor, locked.target):
            raise EcertError("not_found", "未找到该批次", "no such batch")
        if locked.state == BatchState.OPEN:
            raise EcertError(
                "batch_not_submitted",
                "该批次尚未报送",
                "the batch has not been submitted",
            )
        if application is not None and application.batch_id != locked.pk:
            raise refused_out_of_scope()
        error = BatchError.objects.create(
            batch=locked,
            application=application,
            unit=locked.unit,
            year=timezone.localdate(now).year,
            found_by=found_by,
            description=description.strip(),
            recorded_by=actor,
            recorded_at=now,
        )
        audit_record(
            actor=actor,
            action="replacement.error_recorded",
            authority=locked.target,
            object_type="replacement_batch",
            object_id=locked.reference,
            data={
                "unit": locked.unit.key,
                "found_by": str(found_by),
                "application": application.reference if application else None,
            },
            at=now,
        )
    return error


DESTINATIONS: dict[Route, tuple[str, str]] = {
    Route.PROVINCE: ("人力资源社会保障部人事考试中心", "the ministry's exam centre"),
    Route.INDUSTRY_PROVINCE: ("省人事考试中心", "the provincial exam centre"),
    Route.INDUSTRY_MINISTRY: ("国家行业行政管理部门", "the national ministry of the industry"),
}


@dataclass(frozen=True)
class DispatchInput:
    month: str
    batches: list[Batch]
    paper_mailed_on: date | None
    data_uploaded_on: date | None
    note: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)  # [{"name", "sha256", "rows"}]


def dispatch_record(
    *, actor: User, authority: Authority, form: DispatchInput, now: datetime | None = None
) -> Dispatch:
    """The level above records what it sent on and how (paper forms mailed, data uploaded);
    the batches and their applications are then sent on."""
    now = now or timezone.now()
    if not form.batches:
        raise EcertError("no_batches", "请选择要上报的批次", "choose the batches sent on")
    if form.paper_mailed_on is None and form.data_uploaded_on is None:
        raise EcertError(
            "no_dispatch_date",
            "须填写纸质材料寄送日期或电子数据上传日期",
            "give the day the paper forms were mailed or the data uploaded",
            field="paper_mailed_on",
        )
    today = timezone.localdate(now)
    for day in (form.paper_mailed_on, form.data_uploaded_on):
        if day is not None and day > today:
            raise EcertError("future_date", "日期不能晚于今天", "the date cannot be in the future")
    if not _in_scope(actor, authority):
        raise EcertError("not_found", "未找到该批次", "no such batch")
    with transaction.atomic():
        batches = list(
            rows_locked(
                Batch.objects.select_related("unit")
                .filter(pk__in=[b.pk for b in form.batches])
                .order_by("pk")
            )
        )
        if len(batches) != len(form.batches) or any(b.target_id != authority.pk for b in batches):
            raise EcertError("not_found", "未找到该批次", "no such batch")
        if any(b.state != BatchState.SUBMITTED for b in batches):
            raise EcertError(
                "batch_not_submitted",
                "只能上报已报送、尚未上报的批次",
                "only submitted batches not yet sent on can be sent on",
            )
        routes = set(Application.objects.filter(batch__in=batches).values_list("route", flat=True))
        destination = "、".join(sorted(DESTINATIONS[Route(r)][0] for r in routes))
        dispatch = Dispatch.objects.create(
            reference=new_reference("SB", today),
            authority=authority,
            month=form.month,
            destination=destination[:128],
            paper_mailed_on=form.paper_mailed_on,
            data_uploaded_on=form.data_uploaded_on,
            note=form.note.strip(),
            files=form.files,
            created_by=actor,
            created_at=now,
        )
        for batch in batches:
            batch.state = BatchState.DISPATCHED.value
            batch.state_since = now
            batch.dispatch = dispatch
            batch.save(update_fields=["state", "state_since", "dispatch"])
        applications = rows_locked(Application.objects.filter(batch__in=batches).order_by("pk"))
        for application in applications:
            _move(application, State.DISPATCHED, now)
            application.save(update_fields=["state", "state_since"])
            _event(
                application,
                ApplicationEventKind.DISPATCHED,
                actor=actor,
                unit=authority,
                now=now,
                dispatch=dispatch.reference,
                to=DESTINATIONS[Route(application.route)][0],
            )
        audit_record(
            actor=actor,
            action="replacement.dispatched",
            authority=authority,
            object_type="replacement_dispatch",
            object_id=dispatch.reference,
            data={
                "month": form.month,
                "batches": [b.reference for b in batches],
                "files": [f.get("name", "") for f in form.files],
            },
            at=now,
        )
    return dispatch


# ── At the province's exam centre: what the application ends in ────────────────────────────────


def _at_exam_centre(actor: User, application: Application) -> Application:
    locked = _locked(application)
    if not _in_scope(actor, locked.exam_centre):
        raise refused_out_of_scope()
    return locked


def score_proof_issue(
    *, actor: User, application: Application, now: datetime | None = None
) -> Application:
    """The exam centre issues the 成绩合格证明 the application asked for (seed 001 二(二)1), once
    the unit has accepted it and so forwarded the request."""
    from ecert.issuance.services import proof_issue

    now = now or timezone.now()
    with transaction.atomic():
        locked = _at_exam_centre(actor, application)
        if not locked.score_proof_asked:
            raise EcertError(
                "score_proof_not_asked",
                "该申请未申请成绩合格证明",
                "the application did not ask for a score proof",
            )
        if State(locked.state) not in (State.ACCEPTED, State.FORWARDED, State.DISPATCHED):
            raise EcertError(
                "not_accepted",
                "申请受理后方可开具成绩合格证明",
                "a score proof is issued once the application is accepted",
            )
        proof = proof_issue(
            actor=actor,
            source=locked.credential,
            kind=CredentialKind.SCORE_PROOF,
            authority=locked.exam_centre,
            application=locked.reference,
            now=now,
        )
        locked.score_proof = proof
        locked.save(update_fields=["score_proof"])
        _event(
            locked,
            ApplicationEventKind.SCORE_PROOF,
            actor=actor,
            unit=locked.exam_centre,
            now=now,
            note=proof.public_id,
            proof=proof.public_id,
        )
    return locked


def application_complete(
    *,
    actor: User,
    application: Application,
    number: str = "",
    arrived_on: date | None = None,
    now: datetime | None = None,
) -> Application:
    """The application's end, recorded by the province's exam centre: the new certificate has
    arrived (a replacement: a new record supersedes the old; an information change: the
    correction, made through credential_correct), and paper distribution takes it over with the
    way of handing out the holder chose; or the 职/执业资格证明 is issued (an abolished
    qualification). Verification of the old certificate then says 已换发 and names the new one."""
    from ecert.credentials.services import Correction, credential_correct, credential_reissue
    from ecert.distribution.services import delivery_record, paper_choice_carry
    from ecert.issuance.services import proof_issue

    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # Recording the new certificate's arrival (delivery_record) takes the bulk lock, first
        # of all locks: taken here before the application's row.
        locks_take(Lock.BULK)
        locked = _at_exam_centre(actor, application)
        if locked.state == State.COMPLETED:
            raise EcertError(
                "already_completed",
                "该申请已办结，不能再次办结",
                "the application is already completed",
            )
        if State(locked.state) not in (State.FORWARDED, State.DISPATCHED):
            raise EcertError(
                "not_dispatched",
                "申请须经报送后方可办结",
                "an application is completed once it has been submitted up",
            )
        old = Credential.objects.select_related("qualification").get(pk=locked.credential_id)
        outcome = Outcome(locked.outcome)
        reason = f"补换申请 {locked.reference}"
        if outcome is Outcome.QUALIFICATION_PROOF:
            result = proof_issue(
                actor=actor,
                source=old,
                kind=CredentialKind.QUALIFICATION_PROOF,
                authority=locked.exam_centre,
                application=locked.reference,
                now=now,
            )
        else:
            if arrived_on is None or arrived_on > today:
                raise EcertError(
                    "bad_arrival",
                    "须填写新证书到达日期，且不能晚于今天",
                    "give the day the new certificate arrived (not in the future)",
                    field="arrived_on",
                )
            if outcome is Outcome.CORRECTION:
                changes = locked.changes
                id_number = (
                    parse_id_number(changes["id_number"], IdType(old.holder.id_type))
                    if "id_number" in changes
                    else None
                )
                result = credential_correct(
                    actor=actor,
                    credential=old,
                    correction=Correction(
                        name=changes.get("name"),
                        id_number=id_number,
                        level=changes.get("level"),
                        specialty=changes.get("specialty"),
                        number=number.strip() or None,
                    ),
                    reason=reason,
                    now=now,
                )
            else:
                result = credential_reissue(
                    actor=actor, credential=old, reason=reason, number=number, now=now
                )
            assert old.qualification is not None
            delivery_record(
                actor=actor,
                authority=locked.exam_centre,
                qualification=old.qualification,
                level=result.level,
                approval_date=result.approval_date,
                edition=Edition.NEW,
                arrived_on=arrived_on,
                numbers=[result.management_number],
                source_name=reason,
                now=now,
            )
            address = None
            if locked.method == Method.MAIL:
                address = MailAddress(
                    locked.mail_recipient,
                    locked.mail_phone,
                    locked.mail_address,
                    locked.mail_postcode,
                )
            paper_choice_carry(
                actor=actor,
                credential=result,
                method=Method(locked.method),
                address=address,
                application=locked.reference,
                now=now,
            )
        _move(locked, State.COMPLETED, now)
        locked.result = result
        locked.save(update_fields=["state", "state_since", "result"])
        _event(
            locked,
            ApplicationEventKind.COMPLETED,
            actor=actor,
            unit=locked.exam_centre,
            now=now,
            note=result.management_number or result.public_id,
            result=result.public_id,
            number=result.management_number,
        )
        audit_record(
            actor=actor,
            action="replacement.completed",
            authority=locked.exam_centre,
            object_type="replacement_application",
            object_id=locked.reference,
            data={"result": result.public_id, "outcome": outcome.value},
            at=now,
        )
    return locked
