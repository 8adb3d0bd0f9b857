"""Writes for professional titles: code tables, approval records, numbered certificates, reports.

Every write checks the actor's scope (Perm.MANAGE_TITLE over the approving body), validates with
``ecert.core.rules.titles`` and writes its audit event in the same transaction. docs/titles.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ecert.accounts.models import User
from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import bureau_above, scope_for
from ecert.core.errors import EcertError
from ecert.core.formats.claims import claim_text_check, line_text_check
from ecert.core.identity.idnumbers import IdNumber, mask_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.rules.kinds import (
    AuthorityKind,
    AuthorityLevel,
    CredentialForm,
)
from ecert.core.rules.roles import Perm
from ecert.core.rules.titles import (
    CodeTables,
    Manager,
    TitleLevel,
    data_manager,
    region_code_check,
    review_year_check,
)
from ecert.core.spreadsheets.limits import ReadLimits
from ecert.core.spreadsheets.title_sheet import read_title_sheet
from ecert.credentials.printable import unprintable
from ecert.credentials.services import holder_register
from ecert.titles.models import (
    SeriesLevel,
    TitleApproval,
    TitleScheme,
)

# What the title services refuse with: ``refusal`` and the title rules of core.rules.titles. A view
# shows these; anything else a title service raises is not its refusal and goes up as it is.
REFUSALS = frozenset(
    {"title_refused", "bad_title_number", "bad_region_code", "bad_review_year", "bad_code_tables"}
)


def refusal(message_zh: str, message_en: str, field: str = "") -> EcertError:
    """A record or an action the title rules refuse; ``field`` names the form field at fault."""
    return EcertError("title_refused", message_zh, message_en, field=field)


def holds_over(actor: User, perm: Perm, authority: Authority) -> bool:
    """Whether ``actor`` holds ``perm`` over ``authority`` (inside one of their subtrees)."""
    scope = scope_for(actor, perm)
    return scope.everything or any(authority.path.startswith(p) for p in scope.paths)


def _in_scope(actor: User, authority: Authority) -> bool:
    return holds_over(actor, Perm.MANAGE_TITLE, authority)


# ── Code tables ──────────────────────────────────────────────────────────────────────────────


@transaction.atomic
def code_tables_load(*, actor: User | None, tables: CodeTables) -> int:
    """Create or update the schemes and series-level rows of the file; returns rows changed.

    A row once used keeps its code: its series, level and names may be corrected, nothing is
    deleted (numbers already issued name it)."""
    changed = 0
    for record in tables.schemes:
        province = Authority.objects.filter(key=record.province).first()
        if province is None:
            raise refusal(
                f"titles.toml：没有机构“{record.province}”",
                f"titles.toml: no authority {record.province!r}",
                "province",
            )
        _scheme, created = TitleScheme.objects.update_or_create(
            province=province, defaults={"mark": record.mark}
        )
        changed += int(created)
    for row in tables.series_levels:
        scheme = TitleScheme.objects.get(province__key=row.province)
        values = {
            "series": row.series,
            "level": row.level.value,
            "title": row.title,
            "name": row.name,
        }
        existing = SeriesLevel.objects.filter(scheme=scheme, code=row.code).first()
        if existing is None:
            SeriesLevel.objects.create(scheme=scheme, code=row.code, **values)
        elif all(getattr(existing, k) == v for k, v in values.items()):
            continue
        else:
            SeriesLevel.objects.filter(pk=existing.pk).update(**values)
        changed += 1
    if changed:
        audit_record(
            actor=actor,
            action="titles.code_tables_loaded",
            object_type="title_code_tables",
            data={"schemes": len(tables.schemes), "series_levels": len(tables.series_levels)},
        )
    return changed


@transaction.atomic
def region_code_assign(*, actor: User, authority: Authority, code: str) -> Authority:
    """Give ``authority`` its region-department code (第五条(一)): the province gives a city its
    code, whose first two digits the city's other codes share; the city gives the last three to
    its departments and counties; the province gives the codes of provincial bodies."""
    target = rows_locked(Authority.objects.filter(pk=authority.pk)).first()
    if target is None or not holds_over(actor, Perm.VIEW_AUTHORITY, target):
        raise refusal("没有该机构", "no such authority", "authority")
    city = bureau_above(target, AuthorityLevel.CITY)
    inside_city = city is not None and city.pk != target.pk
    decides = city if inside_city else bureau_above(target, AuthorityLevel.PROVINCE)
    if decides is None or not holds_over(actor, Perm.MANAGE_TITLE_CODES, decides):
        raise refusal(
            "无权确定该机构的地区部门识别代码",
            "you may not set this authority's region-department code",
            "authority",
        )
    if inside_city and city is not None and not city.region_department_code:
        raise refusal(
            f"{city.name}还没有地区部门识别代码：请先由省人力资源社会保障厅确定",
            f"{city.key} has no region-department code yet: the province sets it first",
            "region_code",
        )
    region_code_check(
        code, city_code=city.region_department_code if inside_city and city is not None else None
    )
    taken = Authority.objects.filter(region_department_code=code).exclude(pk=target.pk).first()
    if taken is not None:
        raise refusal(
            f"地区部门识别代码 {code} 已由{taken.name}使用",
            f"region-department code {code} is already {taken.key}'s",
            "region_code",
        )
    previous = target.region_department_code
    target.region_department_code = code
    target.save(update_fields=["region_department_code"])
    audit_record(
        actor=actor,
        action="authority.region_code_set",
        authority=target,
        object_type="authority",
        object_id=target.key,
        data={"from": previous, "to": code},
    )
    return target


# ── Approval records ─────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ApprovalFacts:
    """What an approving body records for one person's title (one row of a sheet)."""

    name: str
    id_number: IdNumber
    series_code: str
    specialty: str
    work_unit: str
    review_body: str
    review_year: int
    approval_date: date
    approval_document: str
    grassroots: bool
    form: CredentialForm
    # The province mark of the code table the series code was chosen from, where a page shows
    # every province's rows; a sheet gives the code alone, read in the approver's province.
    scheme_mark: str | None = None


def _series_level(approver: Authority, code: str, mark: str | None = None) -> SeriesLevel:
    province = bureau_above(approver, AuthorityLevel.PROVINCE)
    scheme = TitleScheme.objects.filter(province=province).first() if province else None
    if scheme is None:
        raise refusal(
            f"{approver.name}所在省份没有职称证书编号规则",
            f"{approver.key}'s province has no title numbering scheme",
            "series_code",
        )
    if mark is not None and mark != scheme.mark:
        raise refusal(
            f"所选系列级别属于“{mark}”的代码表，{approver.name}应选“{scheme.mark}”的系列级别",
            f"the series and level chosen is from the {mark} code table; {approver.key} numbers "
            f"with the {scheme.mark} one",
            "series_level",
        )
    row = SeriesLevel.objects.filter(scheme=scheme, code=code).first()
    if row is None:
        raise refusal(
            f"系列级别识别代码“{code}”不在{province.name if province else ''}的代码表中",
            f"series-level code {code!r} is not in the province's code table",
            "series_code",
        )
    return row


def _check_facts(facts: ApprovalFacts, today: date) -> None:
    review_year_check(facts.review_year, facts.approval_date)
    if facts.approval_date > today:
        raise refusal(
            "核准日期不能晚于今天", "the approval date cannot be in the future", "approval_date"
        )
    if not facts.approval_document.strip():
        raise refusal(
            "缺少批准文号", "the approval document number is missing", "approval_document"
        )
    try:
        name = normalise_name(facts.name)
    except EcertError as error:
        raise refusal(f"姓名无效：{error}", f"the name is not valid: {error}", "name") from error
    for field, claim, label, text in (
        ("name", "holder_name", "姓名 / name", name),
        ("specialty", "specialty", "专业 / specialty", facts.specialty.strip()),
    ):
        if not text:
            continue
        try:
            claim_text_check(claim, text)
        except EcertError as error:
            zh, en = label.split(" / ")
            raise refusal(
                f"{zh}{error.zh}，无法写入证书",
                f"the {en} cannot go into the certificate: {error.en}",
                field,
            ) from error
    for field, label, text in (
        ("work_unit", "工作单位 / work unit", facts.work_unit),
        ("review_body", "评审组织 / review body", facts.review_body),
        ("approval_document", "批准文号 / approval document", facts.approval_document),
    ):
        try:
            line_text_check(field, text)
        except EcertError as error:
            zh, en = label.split(" / ")
            raise refusal(f"{zh}{error.zh}", f"the {en} {error.en}", field) from error
    for field, label, text in (
        ("name", "姓名 / name", facts.name),
        ("specialty", "专业 / specialty", facts.specialty),
        ("work_unit", "工作单位 / work unit", facts.work_unit),
        ("review_body", "评审组织 / review body", facts.review_body),
    ):
        missing = unprintable(text)
        if missing:
            zh, en = label.split(" / ")
            raise refusal(
                f"{zh}中的字“{missing[0]}”（U+{ord(missing[0]):04X}）没有可用字体，无法打印",
                f"{en} has a character no certificate font draws (U+{ord(missing[0]):04X})",
                field,
            )


def _manager(approver: Authority, level: TitleLevel) -> Authority:
    if data_manager(AuthorityKind(approver.kind), AuthorityLevel(approver.level), level) is (
        Manager.CITY_BUREAU
    ):
        city = bureau_above(approver, AuthorityLevel.CITY)
        if city is not None:
            return city
    return approver


@transaction.atomic
def title_approval_record(
    *, actor: User, approver: Authority, facts: ApprovalFacts, now: datetime
) -> TitleApproval:
    """Record one approved title; the same person, title and approval document again is the
    record already there (an import run twice adds nothing)."""
    if not _in_scope(actor, approver):
        raise refusal("没有该机构", "no such authority", "approver")
    today = timezone.localdate(now)
    _check_facts(facts, today)
    series_level = _series_level(approver, facts.series_code, facts.scheme_mark)
    holder = holder_register(actor=actor, name=facts.name, id_number=facts.id_number)
    same = TitleApproval.objects.filter(
        holder=holder, series_level=series_level, approval_document=facts.approval_document.strip()
    )
    existing = same.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():  # a savepoint: the same record made at this moment by another
            approval = TitleApproval.objects.create(
                reference=new_reference(),
                holder=holder,
                series_level=series_level,
                specialty=facts.specialty.strip(),
                work_unit=facts.work_unit.strip(),
                review_body=facts.review_body.strip(),
                review_year=facts.review_year,
                approval_date=facts.approval_date,
                approval_document=facts.approval_document.strip(),
                grassroots=facts.grassroots,
                form=facts.form,
                approver=approver,
                manager=_manager(approver, TitleLevel(series_level.level)),
                formed_on=today,
                created_by=actor,
            )
    except IntegrityError:
        # Recorded by a concurrent request that committed first: it is the record already there.
        existing = same.first()
        if existing is None:
            raise
        return existing
    audit_record(
        actor=actor,
        action="title.recorded",
        authority=approver,
        object_type="title_approval",
        object_id=approval.reference,
        data={
            "holder": mask_id_number(facts.id_number.value),
            "series_level": series_level.code,
            "approval_document": approval.approval_document,
        },
        at=now,
    )
    return approval


def new_reference() -> str:
    from ecert.core.identity.public_ids import new_public_id

    return new_public_id()


# ── Reporting by self-governed evaluation (第十五条) ───────────────────────────────────────────


@transaction.atomic
def titles_report(*, actor: User, institution: Authority, now: datetime) -> int:
    """An institution with self-governed evaluation reports the data it has formed to its HR
    bureau; returns how many records the report carried (0: nothing was due)."""
    if institution.kind != AuthorityKind.INSTITUTION or not _in_scope(actor, institution):
        raise refusal("没有该单位", "no such institution", "institution")
    due = rows_locked(TitleApproval.objects.filter(approver=institution, reported_at__isnull=True))
    references = sorted(due.values_list("reference", flat=True))
    if not references:
        return 0
    TitleApproval.objects.filter(reference__in=references).update(reported_at=now)
    audit_record(
        actor=actor,
        action="title.reported",
        authority=institution,
        object_type="authority",
        object_id=institution.key,
        data={"records": len(references), "first": references[0], "last": references[-1]},
        at=now,
    )
    return len(references)


@transaction.atomic
def title_approvals_import(
    *, actor: User, approver: Authority, path: Path, display_name: str, now: datetime
) -> list[TitleApproval]:
    """Record every row of an approving body's sheet, or none: a row the rules refuse refuses
    the sheet, naming its row. Rows already recorded are not recorded again."""
    rows = read_title_sheet(path, display_name=display_name, limits=ReadLimits.configured(settings))
    # Each row may insert a holder after the last row's audit event: both locks are taken now,
    # in order, and held for the whole sheet (ecert.audit.locks).
    locks_take(Lock.HOLDERS, Lock.AUDIT_HEAD)
    recorded = []
    for row in rows:
        facts = ApprovalFacts(
            name=row.name,
            id_number=row.id_number,
            series_code=row.series_code,
            specialty=row.specialty,
            work_unit=row.work_unit,
            review_body=row.review_body,
            review_year=row.review_year,
            approval_date=row.approval_date,
            approval_document=row.approval_document,
            grassroots=row.grassroots,
            form=row.form,
        )
        try:
            recorded.append(
                title_approval_record(actor=actor, approver=approver, facts=facts, now=now)
            )
        except EcertError as error:
            if error.code not in {*REFUSALS, "holder_name_mismatch"}:
                raise
            # The sheet's file and row say where; the form field does not apply to a sheet.
            raise EcertError(
                error.code, error.zh, error.en, file=display_name, row=row.row
            ) from error
    return recorded
