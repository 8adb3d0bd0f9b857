"""The registration form of an old-version certificate (seed 001 一(二)): recorded with its key
fields, checked complete before the certificate is handed out, and printed.

The fields the certificate database has (name, sex, birth month, qualification, level, specialty,
approval date, management number) come from the record and win over anything typed; the clerk
fills in the rest from the paper form and ticks the photo and the seals as present. The ID number
is never stored in the form: it is the holder's (encrypted) and is printed from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.selectors import scope_for
from ecert.core.documents.faces import cn_date, cn_month, document_page, sex_label
from ecert.core.errors import EcertError
from ecert.core.formats.claims import line_text_check
from ecert.core.identity.names import normalise_name
from ecert.core.rules.paper import (
    FORM_TYPE_LABELS,
    KEY_FIELDS,
    TICKED_FIELDS,
    Edition,
    PaperState,
    RegistrationFormType,
    missing_key_fields,
)
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.services import holder_id_number
from ecert.distribution.models import (
    PaperCertificate,
    PaperEvent,
    PaperEventKind,
    RegistrationForm,
)
from ecert.distribution.services import refused_out_of_scope
from ecert.documents.services import renderer

if TYPE_CHECKING:
    from ecert.accounts.models import User

FACE = "registration-form"
# The form's own fields besides the key fields: what the paper form asks that no rule depends on.
OTHER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("education", "学历", "education"),
    ("job_title", "现专业技术职务", "present professional post"),
    ("phone", "联系电话", "phone"),
    ("note", "备注", "note"),
)
# Typed by the clerk (or taken from the record): neither the ticks nor the ID number, which is the
# holder's and never stored in the form.
TYPED_FIELDS = tuple(
    key
    for key, _zh, _en in KEY_FIELDS + OTHER_FIELDS
    if key not in TICKED_FIELDS and key != "id_number"
)
TEXT_LIMIT = 100
TICKED = "1"


def record_values(credential: Credential) -> dict[str, str]:
    """What the certificate database says of the form's fields (blank where it has nothing)."""
    qualification = credential.qualification
    return {
        "name": credential.holder_name,
        "sex": sex_label(credential.holder_sex),
        "birth_month": cn_month(credential.holder_birth_month)
        if credential.holder_birth_month
        else "",
        "qualification": qualification.name if qualification is not None else "",
        "level": credential.level,
        "specialty": credential.specialty,
        "approval_date": cn_date(credential.approval_date),
        "management_number": credential.management_number,
    }


def registration_form_initial(certificate: PaperCertificate) -> tuple[str, dict[str, str]]:
    """The form type and fields to show: the recorded form, else the record's values (and the
    approval year as the exam year, as the signed claims take it)."""
    credential = certificate.credential
    recorded = RegistrationForm.objects.filter(credential=credential).first()
    values = record_values(credential)
    if recorded is not None:
        return recorded.form_type, {**recorded.fields, **_non_blank(values)}
    values["exam_year"] = str(credential.approval_date.year)
    return RegistrationFormType.PROFESSIONAL.value, values


def _non_blank(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def registration_form_missing(
    credential: Credential, fields: dict[str, str]
) -> list[tuple[str, str, str]]:
    """The key fields still missing: the ID number counts as filled (it is the holder's), level
    and specialty count only where the record has them."""
    not_recorded = frozenset(
        key for key in ("level", "specialty") if not getattr(credential, key).strip()
    )
    return missing_key_fields(
        {**fields, "id_number": credential.holder.id_number_masked}, not_recorded=not_recorded
    )


def _may_record(actor: User, certificate: PaperCertificate) -> bool:
    """Staff who hand out paper in the unit's scope, or of the exam centre that received it (the
    scoping of ``PaperCertificate.objects.visible_to``, without the holder)."""
    scope = scope_for(actor, Perm.DISTRIBUTE_PAPER)
    return scope.contains(certificate.unit.path) or scope.contains(
        certificate.delivery.authority.path
    )


def _old_edition(certificate: PaperCertificate) -> None:
    if certificate.delivery.edition != Edition.OLD:
        raise EcertError(
            "not_old_edition",
            "这是新版证书，发放时无需审核登记表",
            "this is a new-version certificate: no registration form is needed",
        )


def _checked(record: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """The form's fields as stored: the record's values where it has them (a different typed value
    is refused, naming the field), the clerk's text elsewhere, ticks as ``"1"`` or blank."""
    labels = {key: (zh, en) for key, zh, en in KEY_FIELDS + OTHER_FIELDS}
    fields: dict[str, str] = {}
    for key in TYPED_FIELDS:
        zh, en = labels[key]
        raw = str(given.get(key, ""))
        try:
            text = line_text_check(key, raw)
        except EcertError as error:
            raise EcertError(
                error.code, f"{zh}：{error.zh}", f"{en}: {error.en}", field=key, label=(zh, en)
            ) from error
        if len(text) > TEXT_LIMIT:
            raise EcertError(
                "too_long",
                f"{zh}不能超过 {TEXT_LIMIT} 个字",
                f"the {en} is at most {TEXT_LIMIT} characters",
                field=key,
                label=(zh, en),
            )
        on_record = record.get(key, "")
        if on_record:
            if text and (normalise_name(text) if key == "name" else text) != on_record:
                raise EcertError(
                    "differs_from_record",
                    f"{zh}“{text}”与证书数据库不一致（证书数据库：{on_record}），以证书数据库为准",
                    f"the {en} {text!r} differs from the certificate database ({on_record}); "
                    "the database is right",
                    field=key,
                    label=(zh, en),
                )
            text = on_record
        fields[key] = text
    for key in TICKED_FIELDS:
        fields[key] = TICKED if given.get(key) in (True, TICKED, "on", "true") else ""
    return fields


@dataclass(frozen=True)
class FormReport:
    form: RegistrationForm
    missing: list[tuple[str, str, str]]


def registration_form_record(
    *,
    actor: User,
    certificate: PaperCertificate,
    form_type: RegistrationFormType,
    fields: dict[str, str],
    now: datetime,
) -> FormReport:
    """Record (or record again) the registration form of an old-version certificate and say which
    key fields are still missing; a form is complete when none is. The timeline says so."""
    with transaction.atomic():
        locked = rows_locked(
            PaperCertificate.objects.select_related(
                "credential__holder", "credential__qualification", "unit", "delivery__authority"
            ).filter(pk=certificate.pk),
            of=("self",),
        )
        if not locked or not _may_record(actor, locked[0]):
            raise refused_out_of_scope()
        paper = locked[0]
        _old_edition(paper)
        credential = paper.credential
        stored = _checked(record_values(credential), fields)
        missing = registration_form_missing(credential, stored)
        form, created = RegistrationForm.objects.update_or_create(
            credential=credential,
            defaults={
                "form_type": RegistrationFormType(form_type).value,
                "fields": stored,
                "complete": not missing,
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
        PaperEvent.objects.create(
            certificate=paper,
            at=now,
            kind=PaperEventKind.FORM,
            state=PaperState(paper.state).value,
            actor=actor,
            actor_label=actor.username,
            detail={
                "form_type": form.form_type,
                "complete": form.complete,
                "missing": [key for key, _zh, _en in missing],
            },
        )
        audit_record(
            actor=actor,
            action="paper.registration_form_recorded",
            authority=paper.unit,
            object_type="credential",
            object_id=credential.public_id,
            data={
                "form_type": form.form_type,
                "complete": form.complete,
                "missing": [key for key, _zh, _en in missing],
                "again": not created,
            },
            at=now,
        )
    return FormReport(form, missing)


def registration_form_pdf(*, actor: User, certificate: PaperCertificate, now: datetime) -> bytes:
    """The registration form printed for the holder's signature and the seals: the recorded form,
    or the record's values before one is recorded; blanks are left to be filled by hand. The ID
    number is printed in full from the holder record, so the printing is audited."""
    paper = (
        PaperCertificate.objects.select_related(
            "credential__holder", "credential__qualification", "unit", "delivery__authority"
        )
        .filter(pk=certificate.pk)
        .first()
    )
    if paper is None or not _may_record(actor, paper):
        raise refused_out_of_scope()
    _old_edition(paper)
    form_type, fields = registration_form_initial(paper)
    credential = paper.credential
    printed = {key: fields.get(key, "") for key in TYPED_FIELDS}
    printed["id_number"] = holder_id_number(credential.holder)
    for key in TICKED_FIELDS:
        printed[key] = "是" if fields.get(key) == TICKED else ""
    printed["form_title"] = FORM_TYPE_LABELS[RegistrationFormType(form_type)][0]
    printed["unit"] = paper.unit.name
    printed["printed_on"] = cn_date(now.date())
    page = document_page(FACE, printed)
    pdf = renderer().document([page], created=now)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="paper.registration_form_printed",
            authority=paper.unit,
            object_type="credential",
            object_id=credential.public_id,
            data={"form_type": form_type},
            at=now,
        )
    return pdf
