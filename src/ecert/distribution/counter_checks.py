"""Counter verification for organisations (现场查询验证, seed 001 三(二)).

An organisation that uses a certificate (用证单位) presents the original paper certificate; a clerk
reads its particulars off it, ecert compares them with the certificate database (the record wins;
the ID number is compared by keyed hash) and the clerk's unit gives the organisation a sealed
result notice. Each check is kept, audited and written to the verification log (channel
``counter``). A unit checks the certificates in its own subtree: those it hands out, those of its
city (BMS) and those it issued or imported (decision 133); any other is "not found here".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ecert.audit.locks import rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.selectors import Scope, scope_for
from ecert.core.documents.faces import cn_date, document_page
from ecert.core.documents.pades import pdf_seal
from ecert.core.documents.render import Picture
from ecert.core.errors import EcertError
from ecert.core.formats.claims import line_text_check
from ecert.core.identity.idnumbers import IdType, mask_id_number, parse_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.rules.authorities import credit_code_is_valid
from ecert.core.rules.kinds import RECORD_KINDS, CredentialForm, CredentialStatus
from ecert.core.rules.paper import COUNTER_FIELDS, CounterResult, counter_differences
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.personal_data import id_number_lookup_hash
from ecert.credentials.selectors import holders_with_id_number
from ecert.distribution.models import CounterCheck
from ecert.distribution.services import new_reference
from ecert.documents.seals import seal_picture
from ecert.documents.services import pdf_file_write, renderer
from ecert.signing.services import notice_sealing_key
from ecert.verification.answers import Answer, answer_from_registry
from ecert.verification.models import Channel, Organisation, OrganisationState
from ecert.verification.services import Asker, verification_log

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification

FACE = "counter-check-notice"
NOTICE_DIR = "counter-checks"
# seed 001 三(二), said on every notice.
INDIVIDUALS_NOTE = (
    "现场查询验证服务面向用证单位，不对个人提供验证。个人证书可使用存档的《专业技术资格考试登记表》"
    "或《执（职）业资格考试登记表》证明其真实性。"
)
RESULT_TEXTS: dict[CounterResult, str] = {
    CounterResult.MATCH: "经核对，该证书原件所载信息与证书数据库记录相符。",
    CounterResult.MISMATCH: "经核对，该证书原件所载以下信息与证书数据库记录不符：{fields}。"
    "以证书数据库记录为准。",
    CounterResult.NOT_FOUND: "经核对，本单位证书数据库中没有与该证书相符的记录。如该证书由其他市发放，"
    "请向发放该证书的人事考试机构查询。",
}
STATUS_TEXTS: dict[CredentialStatus, str] = {
    CredentialStatus.VALID: "证书数据库记录状态：有效。",
    CredentialStatus.SUSPENDED: "证书数据库记录状态：已暂停使用，请与发证机构联系后再使用该证书。",
    CredentialStatus.REVOKED: "证书数据库记录状态：已撤销，该证书不再有效。",
    CredentialStatus.SUPERSEDED: "证书数据库记录状态：已被补发（更换）的证书取代，该证书原件不再有效。",
}
NOTICE_REFUSALS = frozenset({"no_seal", "no_key", "no_root", "uncovered_character"})


@dataclass(frozen=True)
class OrganisationFacts:
    """The organisation that presents the certificate."""

    name: str
    credit_code: str
    contact_name: str


@dataclass(frozen=True)
class Presented:
    """What the presented original shows, as the clerk reads it."""

    management_number: str
    name: str
    id_number: str
    qualification: Qualification
    level: str
    approval_date: date


def _refused(code: str, field: str, zh: str, en: str) -> EcertError:
    return EcertError(code, zh, en, field=field)


def _text(field: str, label: tuple[str, str], value: str, limit: int) -> str:
    try:
        text = line_text_check(field, value)
    except EcertError as error:
        raise _refused(
            error.code, field, f"{label[0]}：{error.zh}", f"{label[1]}: {error.en}"
        ) from error
    if not text or len(text) > limit:
        raise _refused(
            "bad_" + field,
            field,
            f"{label[0]}须填写，不超过 {limit} 个字",
            f"the {label[1]} is required, at most {limit} characters",
        )
    return text


def _organisation_checked(organisation: OrganisationFacts) -> OrganisationFacts:
    name = _text("organisation_name", ("单位名称", "organisation's name"), organisation.name, 100)
    code = organisation.credit_code.strip().upper()
    if not credit_code_is_valid(code):
        raise _refused(
            "bad_credit_code",
            "credit_code",
            "统一社会信用代码不正确（18 位，末位为校验码），请核对用证单位的营业执照或登记证书",
            "the unified social credit code is not valid (18 characters with a check character)",
        )
    contact = _text("contact_name", ("经办人", "contact person"), organisation.contact_name, 50)
    return OrganisationFacts(name, code, contact)


def _presented_checked(presented: Presented, today: date) -> Presented:
    number = _text(
        "management_number", ("管理号", "management number"), presented.management_number, 40
    )
    try:
        name = normalise_name(presented.name)
    except EcertError as error:
        raise _refused(error.code, "name", f"姓名：{error.zh}", f"name: {error.en}") from error
    if len(name) > 50:
        raise _refused(
            "bad_name", "name", "姓名不超过 50 个字", "the name is at most 50 characters"
        )
    id_number = "".join(presented.id_number.split()).upper()
    if not id_number or len(id_number) > 40:
        raise _refused(
            "bad_id_number",
            "id_number",
            "证件号码须填写，不超过 40 个字符",
            "the ID number is required, at most 40 characters",
        )
    level = presented.level.strip()
    if len(level) > 32:
        raise _refused("bad_level", "level", "级别不超过 32 个字", "the level is too long")
    if presented.approval_date > today:
        raise _refused(
            "future_date",
            "approval_date",
            "批准日期不能晚于今天",
            "the approval date cannot be in the future",
        )
    return Presented(
        number, name, id_number, presented.qualification, level, presented.approval_date
    )


def checkable_records(unit: Authority) -> QuerySet[Credential]:
    """The paper certificates of the certificate database ``unit`` checks: those it hands out,
    those registered in its city (BMS), those it issued or imported (decision 133)."""
    scope = Scope(paths=(unit.path,))
    return Credential.objects.filter(form=CredentialForm.PAPER, kind__in=RECORD_KINDS).filter(
        scope.q(
            "issuing_authority__path",
            "registration_authority__path",
            "batch__source__authority__path",
            "paper__unit__path",
        )
    )


def _record_found(unit: Authority, presented: Presented) -> Credential | None:
    """The record by its management number; failing that, the holder's record of the same
    qualification (so a wrong number is told as a difference, not as no record)."""
    records = checkable_records(unit).select_related("holder", "qualification")
    found = records.filter(management_number=presented.management_number).order_by("-pk").first()
    if found is not None:
        return found
    holders = holders_with_id_number(presented.id_number)
    return (
        records.filter(holder__in=holders, qualification=presented.qualification)
        .order_by("-approval_date", "-pk")
        .first()
    )


def _same_id_number(credential: Credential, raw: str) -> bool:
    """The presented ID number against the holder's keyed hash (never decrypted for this)."""
    holder = credential.holder
    try:
        number = parse_id_number(raw, IdType(holder.id_type))
    except EcertError:
        return False
    return constant_time_compare(
        id_number_lookup_hash(number.type, number.value), holder.id_number_hash
    )


def _comparable(
    presented: Presented, credential: Credential
) -> tuple[dict[str, str], dict[str, str]]:
    same_id = _same_id_number(credential, presented.id_number)
    record = {
        "management_number": credential.management_number,
        "name": credential.holder_name,
        "id_number": "same",
        "qualification": credential.qualification.key if credential.qualification else "",
        "level": credential.level,
        "approval_date": credential.approval_date.isoformat(),
    }
    shown = {
        "management_number": presented.management_number,
        "name": presented.name,
        "id_number": "same" if same_id else "different",
        "qualification": presented.qualification.key,
        "level": presented.level,
        "approval_date": presented.approval_date.isoformat(),
    }
    return shown, record


def _sealable(unit: Authority, now: datetime) -> Picture:
    """The unit's seal picture, after making sure it has a key too: refused before anything is
    recorded, as documents are."""
    seal = seal_picture(unit)
    if seal is None:
        raise EcertError(
            "no_seal",
            f"“{unit.name}”尚未设置印章图片，无法出具盖章的查询验证结果告知书，请机构管理员先上传印章图片",
            f"{unit.key} has no seal picture, so no sealed notice can be given: its administrator "
            "uploads one first",
        )
    notice_sealing_key(unit, now)
    return seal


def counter_check_record(
    *,
    actor: User,
    unit: Authority,
    organisation: OrganisationFacts,
    presented: Presented,
    now: datetime,
) -> CounterCheck:
    """Check a presented original against the certificate database for an organisation: record
    the check (ID number masked), audit it and log it as a verification. Refused, with nothing
    written, when the actor may not check at ``unit`` or the unit cannot seal the notice."""
    if not scope_for(actor, Perm.COUNTER_VERIFY).contains(unit.path):
        raise EcertError(
            "not_allowed",
            "您不能以该单位的名义进行现场查询验证",
            "you may not check certificates for this unit",
        )
    organisation = _organisation_checked(organisation)
    presented = _presented_checked(presented, timezone.localdate(now))
    _sealable(unit, now)
    credential = _record_found(unit, presented)
    if credential is None:
        result, differences = CounterResult.NOT_FOUND, []
    else:
        differences = counter_differences(*_comparable(presented, credential))
        result = CounterResult.MISMATCH if differences else CounterResult.MATCH
    masked = mask_id_number(presented.id_number)
    with transaction.atomic():
        check = CounterCheck.objects.create(
            reference=new_reference("CC", timezone.localdate(now)),
            unit=unit,
            clerk=actor,
            at=now,
            organisation_name=organisation.name,
            organisation_credit_code=organisation.credit_code,
            contact_name=organisation.contact_name,
            presented={
                "management_number": presented.management_number,
                "name": presented.name,
                "id_number": masked,
                "qualification": presented.qualification.key,
                "qualification_name": presented.qualification.name,
                "level": presented.level,
                "approval_date": presented.approval_date.isoformat(),
            },
            credential=credential,
            result=result.value,
            differences=differences,
        )
        audit_record(
            actor=actor,
            action="paper.counter_checked",
            authority=unit,
            object_type="counter_check",
            object_id=check.reference,
            data={
                "result": result.value,
                "differences": differences,
                "credential": credential.public_id if credential is not None else None,
                "organisation": organisation.credit_code,
                "id_number": masked,
            },
            at=now,
        )
    # After the commit, as every verification is logged after its answer (decision 134).
    verification_log(
        asker=Asker(address=None, user=actor, organisation=_registered(organisation.credit_code)),
        channel=Channel.COUNTER,
        answer=_answer(credential, result, now),
        asked=f"{check.reference} {presented.management_number} {masked}",
        now=now,
    )
    return check


def _registered(credit_code: str) -> Organisation | None:
    """The organisation's verifier account, when it has an approved one: its own log shows the
    check too."""
    return Organisation.objects.filter(
        credit_code=credit_code, state=OrganisationState.APPROVED
    ).first()


def _answer(credential: Credential | None, result: CounterResult, now: datetime) -> Answer | None:
    """A match is logged as the record's answer (valid, revoked …); a mismatch and a miss as "not
    found", as the online query logs details that do not match."""
    if credential is None or result is not CounterResult.MATCH:
        return None
    return answer_from_registry(credential, timezone.localdate(now))


def counter_checks_for(user: User) -> QuerySet[CounterCheck]:
    """The checks made at units in the user's scope, newest first."""
    scope = scope_for(user, Perm.COUNTER_VERIFY)
    return CounterCheck.objects.filter(scope.q("unit__path")).select_related(
        "unit", "clerk", "credential"
    )


def counter_check_units(user: User) -> QuerySet[Authority]:
    """The units the user may check at: those of their assignments that hold the permission."""
    from ecert.authorities.models import Authority

    paths = scope_for(user, Perm.COUNTER_VERIFY).paths
    return Authority.objects.filter(path__in=paths).order_by("path")


# ── The notice ─────────────────────────────────────────────────────────────────────────────────


def notice_fields(check: CounterCheck) -> dict[str, str]:
    """The printed notice: who asked, what the certificate shows (ID number masked), what was
    compared, the result and the record's status, the unit and the day."""
    presented = check.presented
    result = CounterResult(check.result)
    labels = {key: zh for key, zh, _en in COUNTER_FIELDS}
    text = RESULT_TEXTS[result].format(fields="、".join(labels[k] for k in check.differences))
    status = ""
    if result is CounterResult.MATCH and check.credential is not None:
        status = STATUS_TEXTS[CredentialStatus(check.credential.status)]
    fields = {
        "reference": check.reference,
        "organisation": check.organisation_name,
        "credit_code": check.organisation_credit_code,
        "contact": check.contact_name,
        "management_number": presented.get("management_number", ""),
        "name": presented.get("name", ""),
        "id_number": presented.get("id_number", ""),
        "qualification": presented.get("qualification_name", ""),
        "level": presented.get("level", ""),
        "approval_date": cn_date(date.fromisoformat(presented["approval_date"])),
        "compared": "、".join(zh for _key, zh, _en in COUNTER_FIELDS),
        "result": text,
        "status": status,
        "unit": check.unit.name,
        "checked_on": cn_date(timezone.localdate(check.at)),
        "footnote": INDIVIDUALS_NOTE,
    }
    return {key: value for key, value in fields.items() if value}


def notice_path(check: CounterCheck) -> Path:
    return Path(settings.ECERT_DATA_DIR) / check.notice_path


def counter_check_notice(*, actor: User, check: CounterCheck, now: datetime) -> Path:
    """The sealed result notice of ``check``: made and sealed by the check's unit the first time
    it is asked for, then the very same file. Refused with ``no_seal`` / ``no_key`` when the unit
    cannot seal it."""
    if check.notice_path and notice_path(check).exists():
        return notice_path(check)
    unit = check.unit
    seal = _sealable(unit, now)
    page = document_page(FACE, notice_fields(check), seal=seal)
    pdf = renderer().document([page], created=check.at)
    sealed = pdf_seal(
        pdf,
        notice_sealing_key(unit, now),
        reason=f"证书现场查询验证结果告知书 {check.reference}",
        location=unit.name,
        timestamp_url=settings.ECERT_TSA_URL,
    )
    digest, relative = pdf_file_write(sealed, NOTICE_DIR)
    with transaction.atomic():
        locked = rows_locked(CounterCheck.objects.filter(pk=check.pk))[0]
        if locked.notice_path:  # another request sealed it first: theirs is the notice
            check.notice_path, check.notice_sha256 = locked.notice_path, locked.notice_sha256
            return notice_path(check)
        locked.notice_sha256, locked.notice_path = digest, relative
        locked.save(update_fields=["notice_sha256", "notice_path"])
        audit_record(
            actor=actor,
            action="paper.counter_check_notice_sealed",
            authority=unit,
            object_type="counter_check",
            object_id=check.reference,
            data={"sha256": digest},
            at=now,
        )
    check.notice_path, check.notice_sha256 = relative, digest
    return notice_path(check)
