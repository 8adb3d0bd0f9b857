"""Title certificates: numbered gap-free, issued as credentials and signed; a lost paper one
replaced on the holder's pledge, the old one void at once (seed 003 第五条, 第十一条, 第十二条).
docs/titles.md."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from ecert.accounts.models import User
from ecert.audit.locks import Lock, locks_take, rows_locked
from ecert.audit.services import audit_record
from ecert.core.errors import EcertError
from ecert.core.rules.drafts import CredentialDraft, PersonDraft, TitleDraft
from ecert.core.rules.kinds import CredentialForm, CredentialKind, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.core.rules.titles import LEVEL_LABELS, SEQUENCE_MAX, TitleLevel, TitleNumber
from ecert.credentials.models import Credential
from ecert.credentials.pipeline import ISSUE_REFUSALS
from ecert.credentials.records import holder_identity
from ecert.credentials.services import credential_issue
from ecert.titles.models import (
    PLEDGE_FORMATS,
    ReissueState,
    TitleApproval,
    TitleCertificate,
    TitleNumberCounter,
    TitleReissue,
)
from ecert.titles.services import REFUSALS, holds_over, new_reference, refusal

# 验证码 (第十一条): read aloud and typed on phones, so no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def title_number_allocate(*, year: int, region_code: str, series_code: str) -> int:
    """The next sequence number of (year, region, series); must run in the transaction that
    stores the certificate, so a rollback gives the number back (no gaps).

    One statement creates the counter or increments it and returns the new value; the row it
    writes stays locked until the transaction ends, so concurrent writers take turns (the same
    SQL on PostgreSQL and SQLite, which both have upsert with RETURNING)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("title numbers are allocated inside the issuing transaction")
    locks_take(Lock.TITLE_NUMBERS)
    table = connection.ops.quote_name(TitleNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, region_code, series_code, last_sequence) "  # noqa: S608 - our table name
            "VALUES (%s, %s, %s, 1) ON CONFLICT (year, region_code, series_code) "
            f"DO UPDATE SET last_sequence = {table}.last_sequence + 1 RETURNING last_sequence",
            [year, region_code, series_code],
        )
        sequence = int(cursor.fetchone()[0])
    if sequence > SEQUENCE_MAX:
        raise refusal(
            f"{year}年度该机构该系列级别的 99999 个编号已用完",
            f"all 99,999 numbers of {year}, {region_code}, {series_code} are used",
            "sequence",
        )
    return sequence


def _verification_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not Credential.objects.filter(verification_code=code).exists():
            return code


@transaction.atomic
def title_certificate_issue(
    *,
    actor: User | None,
    approval: TitleApproval,
    now: datetime,
    supersedes: Credential | None = None,
) -> TitleCertificate:
    """Number the approval's certificate, record it as a credential and sign it.

    Paper or electronic as the approval says; an electronic one has a verification code. An
    approval has one current certificate: a second is refused unless it replaces the first.
    """
    # Locked, so that two clicks on "issue" give one certificate, not two; the certificate it
    # replaces too, before any other lock (the pipeline marks it superseded).
    approval = rows_locked(
        TitleApproval.objects.select_related("approver", "holder", "series_level__scheme"),
        of=("self",),
    ).get(pk=approval.pk)
    if supersedes is not None:
        rows_locked(Credential.objects.filter(pk=supersedes.pk)).first()
    current = (
        TitleCertificate.objects.filter(approval=approval, credential__superseded_by__isnull=True)
        .select_related("credential")
        .first()
    )
    if supersedes is None and current is not None:
        issued = current.credential.management_number
        raise refusal(
            f"该职称已有证书 {issued}", f"this title already has certificate {issued}", "approval"
        )
    approver = approval.approver
    if not approver.region_department_code:
        raise refusal(
            f"{approver.name}没有地区部门识别代码，无法编号",
            f"{approver.key} has no region-department code to number with",
            "region_code",
        )
    series_level = approval.series_level
    sequence = title_number_allocate(
        year=approval.review_year,
        region_code=approver.region_department_code,
        series_code=series_level.code,
    )
    number = TitleNumber(
        mark=series_level.scheme.mark,
        year=approval.review_year,
        region_code=approver.region_department_code,
        series_code=series_level.code,
        sequence=sequence,
        grassroots=approval.grassroots,
    )
    electronic = approval.form == CredentialForm.ELECTRONIC
    holder = approval.holder
    draft = CredentialDraft(
        person=PersonDraft(name=holder.name, id_number=holder_identity(holder)),
        kind=CredentialKind.TITLE_CERTIFICATE,
        form=CredentialForm(approval.form),
        issuer=approver.pk,
        approval_date=approval.approval_date,
        issue_date=timezone.localdate(now),
        number=number.number,  # printed with （基层） when grassroots
        level=LEVEL_LABELS[TitleLevel(series_level.level)][0],
        specialty=approval.specialty,
        title=TitleDraft(
            title=series_level.title,
            series=series_level.series,
            grassroots=approval.grassroots,
            verification_code=_verification_code() if electronic else "",
        ),
        supersedes=supersedes.pk if supersedes is not None else None,
    )
    try:
        credential = credential_issue(actor=actor, draft=draft, now=now)
    except EcertError as error:
        if error.code not in ISSUE_REFUSALS:
            raise  # a key store that fails: not a refusal
        if error.code == "no_key":
            # Raised inside the transaction: the number is given back with it.
            raise refusal(
                f"{error.zh}：请安全管理员运行 ecert keys init 为其创建密钥后再签发",
                f"{error.en}: a security administrator runs ecert keys init to make its key, "
                "then issue again",
                "approver",
            ) from error
        raise refusal(
            f"证书内容无法签发：{error.zh}",
            f"the certificate cannot be issued: {error.en}",
            "approval",
        ) from error
    certificate = TitleCertificate.objects.create(
        approval=approval,
        credential=credential,
        number=number.number,
        year=number.year,
        region_code=number.region_code,
        series_code=number.series_code,
        sequence=number.sequence,
    )
    audit_record(
        actor=actor,
        action="title.certificate_issued",
        authority=approver,
        object_type="credential",
        object_id=credential.public_id,
        data={
            "number": number.text,
            "approval": approval.reference,
            "form": approval.form,
            "replaces": supersedes.public_id if supersedes is not None else None,
        },
        at=now,
    )
    return certificate


BULK_MAX = 500  # certificates numbered and signed in one transaction (one request)


@dataclass(frozen=True)
class IssueRun:
    issued: list[TitleCertificate]
    remaining: int  # approvals of the document still without a certificate: run again


@transaction.atomic
def title_certificates_issue_all(*, actor: User, approval_document: str, now: datetime) -> IssueRun:
    """Number and issue the certificates of the approvals under one approval document (核准文号)
    that the actor manages and that have none yet, in the order they were recorded, at most
    BULK_MAX at a time: all of those or, if one is refused, none. Approvals already issued are
    left as they are, so running it again continues where the last run stopped."""
    waiting = (
        TitleApproval.objects.visible_to(actor, Perm.MANAGE_TITLE)
        .filter(approval_document=approval_document.strip(), certificates__isnull=True)
        .select_related("holder")
        .order_by("id")
    )
    due = list(rows_locked(waiting, of=("self",))[:BULK_MAX])
    if due:
        # Each certificate takes a title number, the holders lock, a status index and the audit
        # chain head, in that order; the second one would take the number after the first's
        # audit event. Taken now, in order, they are held for the whole run (ecert.audit.locks).
        locks_take(Lock.TITLE_NUMBERS, Lock.HOLDERS, Lock.STATUS_INDEXES, Lock.AUDIT_HEAD)
    issued = []
    for approval in due:
        try:
            issued.append(title_certificate_issue(actor=actor, approval=approval, now=now))
        except EcertError as error:
            if error.code not in REFUSALS:
                raise  # not a refusal of the title services (a key store that fails): as before
            raise refusal(
                f"{approval.holder.name}（{approval.reference}）：{error.zh}；本次未签发任何证书",
                f"{approval.reference}: {error.en}; no certificate of this run was issued",
                error.field,
            ) from error
    return IssueRun(issued=issued, remaining=waiting.count())


# ── Reissue of a lost paper certificate (第十二条) ─────────────────────────────────────────────

PLEDGE_MAX_BYTES = 10 * 2**20


def _pledge_type(data: bytes, file_name: str) -> str:
    """The media type of a pledge scan, read from its first bytes."""
    if not data:
        raise refusal(f"文件 {file_name} 是空的", f"file {file_name} is empty", "pledge")
    if len(data) > PLEDGE_MAX_BYTES:
        raise refusal(
            f"文件 {file_name} 超过 10 MB", f"file {file_name} is larger than 10 MB", "pledge"
        )
    for magic, media_type, _suffix in PLEDGE_FORMATS:
        if data.startswith(magic):
            return media_type
    raise refusal(
        f"文件 {file_name} 不是 PDF、JPEG 或 PNG：请上传签字的承诺书扫描件或照片",
        f"file {file_name} is not a PDF, JPEG or PNG: upload a scan or photo of the signed pledge",
        "pledge",
    )


@transaction.atomic
def title_reissue_submit(
    *,
    actor: User,
    certificate: TitleCertificate,
    pledge_name: str,
    pledge: bytes,
    reviewing_unit: str,
    reviewed_on: date,
    now: datetime,
) -> TitleReissue:
    """Take an application to replace a lost paper certificate, with the holder's signed pledge
    and the unit that reviewed it. An electronic certificate is simply downloaded again."""
    found = rows_locked(  # of two clicks at once, the second finds the first's open application
        TitleCertificate.objects.filter(
            pk=certificate.pk,
            approval__in=TitleApproval.objects.visible_to(actor, Perm.MANAGE_TITLE),
        ).select_related("credential", "approval"),
        of=("self",),
    ).first()
    if found is None:
        raise refusal("没有该证书", "no such certificate", "certificate")
    credential = found.credential
    if credential.form == CredentialForm.ELECTRONIC:
        raise refusal(
            "电子证书无需补办：持证人可随时重新下载打印",
            "an electronic certificate needs no reissue: the holder downloads and prints it again",
            "certificate",
        )
    if credential.status != CredentialStatus.VALID:
        raise refusal(
            f"证书 {credential.management_number} 已不是有效状态，不能补办",
            f"certificate {credential.management_number} is no longer valid and cannot be replaced",
            "certificate",
        )
    if TitleReissue.objects.filter(certificate=found, state=ReissueState.SUBMITTED).exists():
        raise refusal(
            "该证书已有待处理的补办申请",
            "this certificate already has an open reissue application",
            "certificate",
        )
    if not reviewing_unit.strip():
        raise refusal("缺少审核单位", "the reviewing unit is missing", "reviewing_unit")
    if reviewed_on > timezone.localdate(now):
        raise refusal(
            "审核日期不能晚于今天", "the review date cannot be in the future", "reviewed_on"
        )
    pledge_type = _pledge_type(pledge, pledge_name)
    reference = new_reference()
    reissue = TitleReissue.objects.create(
        reference=reference,
        certificate=found,
        pledge=pledge,
        pledge_type=pledge_type,
        pledge_sha256=hashlib.sha256(pledge).hexdigest(),
        reviewing_unit=reviewing_unit.strip(),
        reviewed_on=reviewed_on,
        submitted_by=actor,
        submitted_at=now,
    )
    audit_record(
        actor=actor,
        action="title.reissue_submitted",
        authority=found.approval.approver,
        object_type="title_reissue",
        object_id=reference,
        data={"certificate": credential.management_number, "pledge_sha256": reissue.pledge_sha256},
        at=now,
    )
    return reissue


@transaction.atomic
def title_reissue_decide(
    *, actor: User, reissue: TitleReissue, approve: bool, note: str, now: datetime
) -> TitleReissue:
    """The approving body reissues (a new paper certificate, the old one void at once) or refuses."""
    locked = rows_locked(
        TitleReissue.objects.select_related(
            "certificate__approval__approver", "certificate__credential"
        ).filter(pk=reissue.pk),
        of=("self",),
    ).first()
    if locked is None or not holds_over(
        actor, Perm.MANAGE_TITLE, locked.certificate.approval.approver
    ):
        raise refusal("没有该补办申请", "no such reissue application", "reissue")
    if locked.state != ReissueState.SUBMITTED:
        raise refusal("该申请已处理", "this application has been decided", "reissue")
    if not approve and not note.strip():
        raise refusal("不予补办须写明原因", "a refusal needs a reason", "note")
    if approve:
        old = locked.certificate
        locked.replacement = title_certificate_issue(
            actor=actor, approval=old.approval, now=now, supersedes=old.credential
        )
    locked.state = ReissueState.REISSUED if approve else ReissueState.REFUSED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, now, note.strip()
    locked.save()
    audit_record(
        actor=actor,
        action="title.reissued" if approve else "title.reissue_refused",
        authority=locked.certificate.approval.approver,
        object_type="title_reissue",
        object_id=locked.reference,
        data={
            "certificate": locked.certificate.credential.management_number,
            "replacement": locked.replacement.credential.management_number
            if locked.replacement
            else None,
            "note": locked.decision_note,
        },
        at=now,
    )
    return locked
