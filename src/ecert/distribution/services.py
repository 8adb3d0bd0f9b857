"""Writes on paper certificates: a delivery's arrival and assignment, the holder's choice, and the
one move every later step (mail, counter) goes through. Each public function writes its audit
event in its own transaction; the timeline (``PaperEvent``) is written beside it.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import bureau_above, scope_for
from ecert.catalogue.models import ResponsibilityRule
from ecert.core.errors import EcertError
from ecert.core.formats.claims import line_text_check
from ecert.core.rules.kinds import (
    RECORD_KINDS,
    AuthorityKind,
    AuthorityLevel,
    CredentialForm,
    CredentialKind,
    CredentialStatus,
)
from ecert.core.rules.paper import (
    HANDED_OUT,
    Edition,
    Method,
    PaperState,
    TableRow,
    check_move,
    distribution_unit,
)
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.delivery_list import ListedNumber, read_delivery_numbers
from ecert.core.spreadsheets.reader import read_rows
from ecert.credentials.models import Credential
from ecert.credentials.pipeline import insert_rows
from ecert.distribution.models import PaperCertificate, PaperDelivery, PaperEvent, PaperEventKind
from ecert.issuance.importer import stored_path
from ecert.issuance.models import ImportState, PassListImport
from ecert.issuance.services import passlist_import_create, passlist_import_run

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.catalogue.models import Qualification

# The Henan e-proof whose interim period ends when the paper is handed out (seed 004 一(四)).
HENAN_EXAM_PROOF = "henan-exam-proof"
_CHUNK = 5_000


def new_reference(prefix: str, today: date) -> str:
    return f"{prefix}{today:%Y%m%d}-{secrets.token_hex(3).upper()}"


def refused_out_of_scope() -> EcertError:
    """What every write on a certificate outside the actor's scope answers: as if it were not there."""
    return EcertError("not_found", "未找到该纸质证书", "no such paper certificate")


# ── Arrival ────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DeliveryReport:
    delivery: PaperDelivery
    added: int  # certificates recorded now
    already: int  # certificates a delivery had recorded before (nothing changed for them)
    units: dict[str, int]  # unit key → certificates assigned to it now


def delivery_record(
    *,
    actor: User,
    authority: Authority,
    qualification: Qualification,
    level: str,
    approval_date: date,
    edition: Edition,
    arrived_on: date,
    numbers: Sequence[str] | None,
    source_name: str,
    now: datetime,
) -> DeliveryReport:
    """Record that the paper certificates of one sitting reached ``authority`` (an exam centre)
    and assign each to the unit that hands it out.

    The certificates are the records of the certificate database of that qualification, level and
    approval date; ``numbers`` narrows them to the management numbers of a delivery list (row 1 is
    the first number). A number that is not on record, or that is listed twice, refuses the
    whole delivery, saying which row. Recording the same certificates again changes nothing.
    """
    if authority.kind != AuthorityKind.EXAM_CENTRE or not scope_for(
        actor, Perm.RECEIVE_PAPER
    ).contains(authority.path):
        raise EcertError(
            "not_allowed",
            "只有省人事考试中心的工作人员可以登记纸质证书到达",
            "only the exam centre's staff record the arrival of paper certificates",
        )
    if arrived_on > timezone.localdate(now):
        raise EcertError(
            "future_date",
            "到达日期不能晚于今天",
            "the arrival date cannot be in the future",
            field="arrived_on",
        )
    with transaction.atomic():
        locks_take(Lock.BULK)
        candidates = _records_of_sitting(actor, qualification, level, approval_date)
        found = _chosen(candidates, numbers)
        recorded = dict(
            PaperCertificate.objects.filter(
                credential__qualification=qualification,
                credential__approval_date=approval_date,
                credential__level=level,
            ).values_list("credential_id", "delivery_id")
        )
        new = [c for c in found if c[0] not in recorded]
        if not new:
            if not found:
                raise EcertError(
                    "nothing_on_record",
                    "证书数据库中没有该考试、级别和批准日期的纸质证书记录，请先导入证书记录",
                    "the certificate database has no paper records of this exam, level and "
                    "approval date: load the records first",
                )
            earlier = PaperDelivery.objects.get(pk=next(iter(recorded.values())))
            return DeliveryReport(earlier, 0, len(found), {})
        delivery = PaperDelivery.objects.create(
            reference=new_reference("PD", now.date()),
            authority=authority,
            qualification=qualification,
            level=level,
            approval_date=approval_date,
            edition=edition,
            arrived_on=arrived_on,
            source_name=source_name[:200],
            size=len(new),
            recorded_by=actor,
            created_at=now,
        )
        units = _assign(delivery, new, recorder=authority, now=now, actor=actor)
        audit_record(
            actor=actor,
            action="paper.delivery_recorded",
            authority=authority,
            object_type="paper_delivery",
            object_id=delivery.reference,
            data={
                "qualification": qualification.key,
                "level": level,
                "approval_date": approval_date.isoformat(),
                "edition": edition.value,
                "size": len(new),
                "already": len(found) - len(new),
                "units": units,
            },
            at=now,
        )
    return DeliveryReport(delivery, len(new), len(found) - len(new), units)


def _records_of_sitting(
    actor: User, qualification: Qualification, level: str, approval_date: date
) -> list[tuple[int, str, int | None]]:
    """(credential id, management number, registration authority id) of the sitting's records
    that an authority in the actor's scope keeps (signed them or imported them). One query on
    the index of (qualification, kind, number), scoped in Python: the OR over joined paths that
    `visible_to` builds makes SQLite scan a national table once per row. No index of its own: a
    sitting arrives once, every import would pay for one on each row."""
    in_scope = set(
        Authority.objects.filter(scope_for(actor, Perm.RECEIVE_PAPER).q("path")).values_list(
            "pk", flat=True
        )
    )
    rows = (
        Credential.objects.filter(
            qualification=qualification,
            approval_date=approval_date,
            level=level,
            form=CredentialForm.PAPER,
            kind__in=RECORD_KINDS,
        )
        .exclude(status=CredentialStatus.SUPERSEDED)
        .order_by("id")
        .values_list(
            "id",
            "management_number",
            "registration_authority_id",
            "issuing_authority_id",
            "batch__source__authority_id",
        )
    )
    return [
        (pk, number, city)
        for pk, number, city, issuer, importer in rows.iterator(chunk_size=_CHUNK)
        if issuer in in_scope or importer in in_scope
    ]


def _chosen(
    candidates: list[tuple[int, str, int | None]], numbers: Sequence[str] | None
) -> list[tuple[int, str, int | None]]:
    if numbers is None:
        return candidates
    by_number = {c[1]: c for c in candidates}
    seen: dict[str, int] = {}
    chosen = []
    for row, raw in enumerate(numbers, start=1):
        number = raw.strip()
        if number in seen:
            raise EcertError(
                "repeated_number",
                f"管理号 {number} 重复（又见第 {seen[number]} 行）",
                f"management number {number} is listed twice (also row {seen[number]})",
                row=row,
                label=("管理号", "management number"),
            )
        seen[number] = row
        if number not in by_number:
            raise EcertError(
                "not_on_record",
                f"管理号 {number} 不在证书数据库中该考试、级别和批准日期的记录里",
                f"management number {number} is not on record for this exam, level and "
                "approval date",
                row=row,
                label=("管理号", "management number"),
            )
        chosen.append(by_number[number])
    return chosen


def _assign(
    delivery: PaperDelivery,
    records: list[tuple[int, str, int | None]],
    *,
    recorder: Authority,
    now: datetime,
    actor: User,
) -> dict[str, int]:
    """Insert the certificates' rows and their first timeline line, assigned unit by unit."""
    row = _table_row(recorder, delivery.qualification, delivery.level)
    cities = {c[2] for c in records if c[2] is not None}
    city_keys = dict(Authority.objects.filter(pk__in=cities).values_list("pk", "key"))
    departments = _city_departments(row, list(city_keys.values()))
    unit_of_city = {
        city: distribution_unit(
            table_row=row,
            registration_city=city_keys.get(city) if city is not None else None,
            recorder=recorder.key,
            city_department=lambda c, d: departments.get((c, d)),
        )
        for city in cities | {None}
    }
    unit_ids = dict(
        Authority.objects.filter(key__in={u.key for u in unit_of_city.values()}).values_list(
            "key", "pk"
        )
    )
    insert_rows(
        PaperCertificate,
        (
            "credential",
            "delivery",
            "unit",
            "state",
            "state_since",
            "method",
            "mail_recipient",
            "mail_phone",
            "mail_address",
            "mail_postcode",
        ),
        [
            (
                c[0],
                delivery.pk,
                unit_ids[unit_of_city[c[2]].key],
                PaperState.AWAITING_CHOICE.value,
                now,
                "",
                "",
                "",
                "",
                "",
            )
            for c in records
        ],
    )
    created = dict(
        PaperCertificate.objects.filter(delivery=delivery).values_list("credential_id", "pk")
    )
    insert_rows(
        PaperEvent,
        ("certificate", "at", "kind", "state", "actor", "actor_label", "detail"),
        [
            (
                created[c[0]],
                now,
                PaperEventKind.ARRIVED.value,
                PaperState.AWAITING_CHOICE.value,
                actor.pk,
                actor.username,
                _detail_json(unit_of_city[c[2]].key, unit_of_city[c[2]].rule, delivery.reference),
            )
            for c in records
        ],
    )
    return dict(Counter(unit_of_city[c[2]].key for c in records))


def _detail_json(unit: str, rule: tuple[str, str], reference: str) -> str:
    import json

    return json.dumps({"unit": unit, "rule": rule[0], "delivery": reference}, ensure_ascii=False)


@dataclass(frozen=True)
class HandingOut:
    """Who hands out (or would hand out) a record's paper certificate, and above it."""

    unit: Authority  # the unit that hands it out; it also takes its replacements
    table_department: Authority | None  # the province department of the table's row, if any
    exam_centre: Authority  # the province's exam centre


def handing_out(credential: Credential) -> HandingOut:
    """The unit of ``credential``'s paper certificate: the one it was assigned to on arrival, or
    the one the same rule (distribution_unit) names when its paper has not arrived here (an
    older certificate, handed out before this system). EcertError when the province has no exam
    centre or the exam has no paper certificate."""
    place = credential.registration_authority or credential.issuing_authority
    province = bureau_above(place, AuthorityLevel.PROVINCE)
    centre = (
        Authority.objects.filter(
            parent=province, kind=AuthorityKind.EXAM_CENTRE, level=AuthorityLevel.PROVINCE
        ).first()
        if province is not None
        else None
    )
    if centre is None or credential.qualification is None:
        raise EcertError(
            "no_exam_centre",
            "该证书所属省份没有省人事考试中心，无法办理",
            "the certificate's province has no exam centre to handle it",
        )
    row = _table_row(centre, credential.qualification, credential.level)
    department = (
        Authority.objects.get(key=row.department) if row and row.department is not None else None
    )
    assigned = PaperCertificate.objects.filter(credential=credential).select_related("unit").first()
    if assigned is not None:
        return HandingOut(assigned.unit, department, centre)
    city = credential.registration_authority
    city_key = city.key if city is not None and city.level == AuthorityLevel.CITY else None
    departments = _city_departments(row, [city_key] if city_key else [])
    unit = distribution_unit(
        table_row=row,
        registration_city=city_key,
        recorder=centre.key,
        city_department=lambda c, d: departments.get((c, d)),
    )
    return HandingOut(Authority.objects.get(key=unit.key), department, centre)


def _table_row(recorder: Authority, qualification: Qualification, level: str) -> TableRow | None:
    """The province's responsibility-table row for the exam (seed 004 附件), if it has a table."""
    province = bureau_above(recorder, AuthorityLevel.PROVINCE)
    if province is None:
        return None
    for rule in ResponsibilityRule.objects.filter(
        province=province, qualification=qualification
    ).select_related("distribution_authority", "electronic_by"):
        if rule.levels and level not in rule.levels:
            continue
        return TableRow(
            label=rule.label,
            department=rule.distribution_authority.key if rule.distribution_authority else None,
            city_level=AuthorityLevel.CITY.value in rule.distribution_levels,
            electronic_by=rule.electronic_by.key if rule.electronic_by else None,
        )
    return None


def _city_departments(row: TableRow | None, cities: list[str]) -> dict[tuple[str, str], str]:
    """(city key, province department key) → the city's department of the same sector."""
    if row is None or row.department is None or not row.city_level:
        return {}
    department = Authority.objects.get(key=row.department)
    if not department.sector:
        return {}
    return {
        (parent, row.department): key
        for key, parent in Authority.objects.filter(
            parent__key__in=cities,
            kind=AuthorityKind.DEPARTMENT,
            level=AuthorityLevel.CITY,
            sector=department.sector,
        ).values_list("key", "parent__key")
    }


# ── The holder's choice ────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class MailAddress:
    recipient: str
    phone: str
    address: str
    postcode: str = ""


def phone_check(phone: str) -> str:
    """A phone number as it is kept (spaces and dashes dropped): 11-digit mobile or a landline
    with its area code; EcertError on the field ``phone`` otherwise."""
    digits = phone.strip().replace(" ", "").replace("-", "")
    if not (
        digits.isdigit()
        and ((len(digits) == 11 and digits.startswith("1")) or 7 <= len(digits) <= 12)
    ):
        raise EcertError(
            "bad_phone",
            "联系电话须为 11 位手机号码或带区号的固定电话",
            "the phone must be an 11-digit mobile number or a landline with its area code",
            field="phone",
            label=("联系电话", "phone"),
        )
    return digits


def mail_address_check(address: MailAddress) -> MailAddress:
    """The address as it will be printed on a parcel; EcertError names the field at fault."""
    recipient = line_text_check("holder_name", address.recipient)
    if not recipient or len(recipient) > 50:
        raise EcertError(
            "bad_recipient",
            "收件人须填写，不超过 50 个字",
            "the recipient is required (≤ 50)",
            field="recipient",
            label=("收件人", "recipient"),
        )
    phone = phone_check(address.phone)
    text = line_text_check("address", address.address)
    if len(text) < 6 or len(text) > 200:
        raise EcertError(
            "bad_address",
            "邮寄地址须写到门牌号，6 至 200 个字",
            "the mail address must be complete, 6 to 200 characters",
            field="address",
            label=("邮寄地址", "address"),
        )
    postcode = address.postcode.strip()
    if postcode and not (len(postcode) == 6 and postcode.isdigit()):
        raise EcertError(
            "bad_postcode",
            "邮政编码须为 6 位数字",
            "the postcode is 6 digits",
            field="postcode",
            label=("邮政编码", "postcode"),
        )
    return MailAddress(recipient, phone, text, postcode)


def _may_act(actor: User, certificate: PaperCertificate) -> bool:
    """The holder on their own certificate, or staff who hand out paper in the unit's scope."""
    holder_user = certificate.credential.holder.user_id
    if holder_user is not None and holder_user == actor.pk:
        return True
    return scope_for(actor, Perm.DISTRIBUTE_PAPER).contains(certificate.unit.path)


def paper_choose(
    *,
    actor: User,
    certificate: PaperCertificate,
    method: Method,
    address: MailAddress | None,
    now: datetime,
) -> PaperCertificate:
    """The holder (in the portal) or a clerk (at the counter, for the holder) chooses mail, with
    the address, or collection at the counter. Choosing again before the parcel leaves replaces
    the choice."""
    if method is Method.MAIL:
        if address is None:
            raise EcertError(
                "no_address",
                "选择邮寄须填写收件人、联系电话和邮寄地址",
                "mail needs the recipient, phone and address",
                field="address",
            )
        address = mail_address_check(address)
    with transaction.atomic():
        locked = rows_locked(
            PaperCertificate.objects.select_related("credential__holder", "unit").filter(
                pk=certificate.pk
            )
        )
        if not locked or not _may_act(actor, locked[0]):
            raise refused_out_of_scope()
        paper = locked[0]
        state = PaperState.TO_MAIL if method is Method.MAIL else PaperState.TO_COLLECT
        by_holder = paper.credential.holder.user_id == actor.pk
        detail: dict[str, Any] = {"method": method.value, "by": "holder" if by_holder else "clerk"}
        if address is not None:
            paper.mail_recipient, paper.mail_phone = address.recipient, address.phone
            paper.mail_address, paper.mail_postcode = address.address, address.postcode
            detail["recipient"] = address.recipient
        else:
            paper.mail_recipient = paper.mail_phone = paper.mail_address = ""
            paper.mail_postcode = ""
        paper.method = method.value
        paper_move(paper, state, kind=PaperEventKind.CHOSEN, actor=actor, detail=detail, now=now)
        audit_record(
            actor=actor,
            action="paper.chosen",
            authority=paper.unit,
            object_type="credential",
            object_id=paper.credential.public_id,
            data={"method": method.value, "by": detail["by"]},
            at=now,
        )
    return paper


# ── The one move ───────────────────────────────────────────────────────────────────────────────


def paper_choice_carry(
    *,
    actor: User,
    credential: Credential,
    method: Method,
    address: MailAddress | None,
    application: str,
    now: datetime,
) -> PaperCertificate:
    """Carry the way of handing out that a replacement application asked for over to its new
    certificate, just recorded as arrived: the holder is not asked twice. The caller (the
    replacement's completion) has checked its scope and runs in its transaction."""
    paper = rows_locked(
        PaperCertificate.objects.select_related("unit").filter(credential=credential)
    )[0]
    paper.method = method.value
    detail: dict[str, Any] = {
        "method": method.value,
        "by": "application",
        "application": application,
    }
    if address is not None:
        paper.mail_recipient, paper.mail_phone = address.recipient, address.phone
        paper.mail_address, paper.mail_postcode = address.address, address.postcode
        detail["recipient"] = address.recipient
    state = PaperState.TO_MAIL if method is Method.MAIL else PaperState.TO_COLLECT
    paper_move(paper, state, kind=PaperEventKind.CHOSEN, actor=actor, detail=detail, now=now)
    return paper


def paper_move(
    paper: PaperCertificate,
    state: PaperState,
    *,
    kind: PaperEventKind,
    actor: User | None,
    detail: dict[str, Any],
    now: datetime,
    actor_label: str = "",
) -> PaperEvent:
    """Move a locked certificate to ``state`` and add the line to its timeline; a certificate
    handed out ends its Henan e-proof's interim period. The caller holds the row lock, runs in a
    transaction and writes the audit event."""
    check_move(PaperState(paper.state), state)
    paper.state = state.value
    paper.state_since = now
    fields = [
        "state",
        "state_since",
        "method",
        "mail_recipient",
        "mail_phone",
        "mail_address",
        "mail_postcode",
    ]
    if state in HANDED_OUT:
        paper.handed_out_at = now
        fields.append("handed_out_at")
        _interim_end(paper.credential_id, timezone.localdate(now))
    paper.save(update_fields=fields)
    return PaperEvent.objects.create(
        certificate=paper,
        at=now,
        kind=kind,
        state=state.value,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor_label or (actor.username if actor is not None else "system"),
        detail=detail,
    )


def _interim_end(credential_id: int, day: date) -> None:
    """The holder's Henan e-proof of the same exam stood for this paper until today."""
    paper = Credential.objects.values("holder_id", "qualification_id", "level").get(
        pk=credential_id
    )
    Credential.objects.filter(
        holder_id=paper["holder_id"],
        qualification_id=paper["qualification_id"],
        level=paper["level"],
        kind=CredentialKind.EXAM_PROOF,
        template=HENAN_EXAM_PROOF,
        interim_ended_on__isnull=True,
    ).update(interim_ended_on=day)


# ── Arrival from a file ────────────────────────────────────────────────────────────────────────

MAX_LIST_BYTES = 64 * 2**20
_MAX_LISTED_PROBLEMS = 50


@dataclass(frozen=True)
class Sitting:
    """What a delivery is of: one exam, level and approval date, in one edition."""

    authority: Authority
    qualification: Qualification
    level: str
    approval_date: date
    edition: Edition
    arrived_on: date


def _received(file_name: str, chunks: Iterable[bytes], directory: Path) -> Path:
    """The upload written to ``directory`` (at most MAX_LIST_BYTES)."""
    target = directory / "upload"
    size = 0
    with target.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_LIST_BYTES:
                raise EcertError(
                    "too_big",
                    f"文件超过 {MAX_LIST_BYTES // 2**20} MB",
                    f"the file is larger than {MAX_LIST_BYTES // 2**20} MB",
                    file=file_name,
                )
            out.write(chunk)
    return target


def _at_file_row(error: EcertError, file_name: str, listed: Sequence[ListedNumber]) -> EcertError:
    """A refusal of delivery_record (whose row n is the n-th number) told at the file's row."""
    row = error.row
    file_row = listed[row - 1].row if row is not None and 0 < row <= len(listed) else None
    return EcertError(
        error.code,
        error.zh,
        error.en,
        file=file_name,
        row=file_row,
        field=error.field,
        label=error.where.label,
    )


def delivery_record_from_list(
    *,
    actor: User,
    sitting: Sitting,
    file_name: str,
    chunks: Iterable[bytes],
    now: datetime,
) -> DeliveryReport:
    """Record a delivery of the certificates whose management numbers a list file gives (.xlsx,
    .xls or .csv; the column headed ZSGLH or 管理号). Every mistake in the file, and a number not
    on record, refuses the whole list, saying which row; nothing is recorded from it."""
    with tempfile.TemporaryDirectory(prefix="ecert-delivery-") as directory:
        path = _received(file_name, chunks, Path(directory))
        listed = read_delivery_numbers(path, display_name=file_name)
    return _delivery_of_listed(
        actor=actor, sitting=sitting, file_name=file_name, listed=listed, now=now
    )


def _delivery_of_listed(
    *,
    actor: User,
    sitting: Sitting,
    file_name: str,
    listed: Sequence[ListedNumber],
    now: datetime,
) -> DeliveryReport:
    try:
        return delivery_record(
            actor=actor,
            authority=sitting.authority,
            qualification=sitting.qualification,
            level=sitting.level,
            approval_date=sitting.approval_date,
            edition=sitting.edition,
            arrived_on=sitting.arrived_on,
            numbers=[entry.number for entry in listed],
            source_name=file_name,
            now=now,
        )
    except EcertError as refused:
        raise _at_file_row(refused, file_name, listed) from refused


def delivery_record_from_records(
    *,
    actor: User,
    sitting: Sitting,
    file_name: str,
    chunks: Iterable[bytes],
    now: datetime,
) -> tuple[DeliveryReport, str]:
    """Load the 11-column records file of seed 001 (附件 二 2) into the certificate database
    through the records import, then record the delivery of its certificates; the report and
    the import's reference. The import and the delivery are one transaction: a bad row in the
    file, or a record that is not of this exam, level and approval date, stores nothing."""
    with tempfile.TemporaryDirectory(prefix="ecert-delivery-") as directory:
        path = _received(file_name, chunks, Path(directory))
        listed = read_delivery_numbers(path, display_name=file_name)
        data = path.read_bytes()
    job = None
    try:
        with transaction.atomic():
            # The import's own steps take locks after its first audit event: all up front here.
            locks_take(*Lock)
            job = passlist_import_create(
                actor=actor,
                authority=sitting.authority,
                qualification=sitting.qualification,
                file_name=file_name,
                chunks=[data],
                form=CredentialForm.PAPER,
            )
            job = passlist_import_run(import_id=job.pk, now=now)
            if job.state != ImportState.COMPLETED:
                raise _import_refusal(job, file_name)
            report = _delivery_of_listed(
                actor=actor, sitting=sitting, file_name=file_name, listed=listed, now=now
            )
    except BaseException:
        if job is not None:
            shutil.rmtree(stored_path(job.stored_file).parent, ignore_errors=True)
        raise
    return report, job.reference


def _import_refusal(job: PassListImport, file_name: str) -> EcertError:
    """What the records import found wrong, row by row (from its error workbook), or its message."""
    if job.error_workbook:
        lines: list[tuple[str, str]] = []
        total = 0
        rows = read_rows(stored_path(job.error_workbook), display_name=file_name)
        next(rows, None)  # the header
        for _line, cells in rows:
            total += 1
            if len(lines) < _MAX_LISTED_PROBLEMS and len(cells) >= 3:
                lines.append((f"第 {cells[0]} 行：{cells[-2]}", f"row {cells[0]}: {cells[-1]}"))
        if total > len(lines):
            lines.append((f"另有 {total - len(lines)} 行有错误", f"{total - len(lines)} more rows"))
        if lines:
            return EcertError(
                "records_mistakes",
                "\n".join(zh for zh, _ in lines),
                "\n".join(en for _, en in lines),
                file=file_name,
            )
    zh, _sep, en = (job.message or "导入失败 / the import failed").partition(" / ")
    return EcertError("records_failed", zh, en or zh, file=file_name)
