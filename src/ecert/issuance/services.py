"""Writes of issuance: receiving a pass list, running its import, issuing proofs on request.

Every write records its audit event in the same transaction. The import itself runs in one
transaction (``importer``): committed whole, or, when bad rows are found and the operator did not
choose to set them aside, rolled back whole.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from ecert.audit.locks import Lock, locks_take
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.rules.issuing import IMPORTABLE, KIND_LABELS
from ecert.core.rules.kinds import (
    RECORD_KINDS,
    AuthorityKind,
    AuthorityLevel,
    CredentialForm,
    CredentialKind,
    CredentialStatus,
)
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.error_workbook import write_error_workbook
from ecert.core.spreadsheets.passlist import FILE_REFUSALS
from ecert.core.spreadsheets.spreadsheet_errors import SPREADSHEET_CODES
from ecert.credentials.models import Credential, IssuanceBatch
from ecert.credentials.services import (
    credential_draft_of,
    credential_issue,
    not_found,
)
from ecert.issuance.importer import ImportResult, run_import, stored_path
from ecert.issuance.models import ImportState, PassListImport

if TYPE_CHECKING:
    from ecert.accounts.models import User

IMPORT_DIR = "imports"
SQLITE_IMPORT_CACHE_KIB = 64 * 1024
MAX_FILE_BYTES = 512 * 2**20
FINISHED = {ImportState.COMPLETED, ImportState.PARTIAL, ImportState.REJECTED, ImportState.FAILED}
# What a failed import says as it is, by code: the reader's, the pass list's as a whole, and the
# importer's own (an empty file, an authority in no province), and no key to sign with.
IMPORT_FAILURES = (
    SPREADSHEET_CODES
    | FILE_REFUSALS
    | {"empty", "no_province", "no_key", "no_batch_key", "photos_not_zip", "no_photo_archive"}
)


# What passlist_import_create refuses with, by code.
IMPORT_REFUSALS = frozenset({"not_allowed", "kind_not_importable", "too_big", "busy"})


class _Rejected(Exception):
    """Raised inside the import transaction to roll it back; carries what was found."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("rejected")
        self.result = result


def _safe_name(file_name: str) -> str:
    name = Path(file_name.replace("\\", "/")).name
    name = re.sub(r"[\x00-\x1f/]", "_", name).strip(". ") or "passlist"
    return name[-120:]


# A records file keeps certificates of these kinds (the ministry's national certificates, a
# province's own certificates); a pass list issues the kinds of issuing.IMPORTABLE.
def passlist_import_create(
    *,
    actor: User | None,
    authority: Authority,
    qualification: Qualification,
    file_name: str,
    chunks: Iterable[bytes],
    requested_kind: CredentialKind | None = None,
    accept_valid: bool = False,
    form: CredentialForm = CredentialForm.ELECTRONIC,
    photos: tuple[str, Iterable[bytes]] | None = None,
) -> PassListImport:
    """Keep the received file (and the zip of photos its ZP column names) and queue its import
    (run it with ``passlist_import_run``). ``form`` paper: the rows are records of paper
    certificates for the certificate database, kept by ``authority``."""
    if (
        actor is not None
        and not Authority.objects.visible_to(actor, Perm.ISSUE_CREDENTIAL)
        .filter(pk=authority.pk)
        .exists()
    ):
        raise EcertError(
            "not_allowed", "您无权以该机构名义导入合格名单", "you may not import pass lists here"
        )
    records = form is CredentialForm.PAPER
    if requested_kind is not None and requested_kind not in (
        RECORD_KINDS if records else IMPORTABLE
    ):
        zh, en = KIND_LABELS[requested_kind]
        raise EcertError(
            "kind_not_importable",
            f"{zh}不由{'证书数据库记录' if records else '合格名单'}导入",
            f"a {en} is not {'recorded from a records file' if records else 'issued from a pass list'}",
        )
    reference = secrets.token_hex(6).upper()
    relative = Path(IMPORT_DIR) / reference / _safe_name(file_name)
    size, digest = _receive(chunks, relative)
    photos_relative = None
    if photos is not None:
        photos_name, photo_chunks = photos
        photos_relative = Path(IMPORT_DIR) / reference / "photos" / _safe_name(photos_name)
        try:
            _receive(photo_chunks, photos_relative)
        except EcertError:
            stored_path(str(relative)).unlink(missing_ok=True)
            raise
    try:
        job = _job_create(
            actor=actor,
            authority=authority,
            qualification=qualification,
            reference=reference,
            file_name=file_name,
            sha256=digest,
            relative=relative,
            size=size,
            requested_kind=requested_kind,
            accept_valid=accept_valid,
            form=form,
            photos=photos_relative,
        )
    except OperationalError as error:
        for kept in (relative, photos_relative):
            if kept is not None:
                stored_path(str(kept)).unlink(missing_ok=True)
        if "locked" not in str(error):
            raise
        raise EcertError(
            "busy",
            "另一个导入正在写入数据库，请稍后再试",
            "another import is writing to the database; try again shortly",
        ) from error
    return job


def _receive(chunks: Iterable[bytes], relative: Path) -> tuple[int, str]:
    """Write an uploaded file under the data directory; its size and SHA-256. A file larger than
    MAX_FILE_BYTES is refused and nothing of it is kept."""
    target = stored_path(str(relative))
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_FILE_BYTES:
                out.close()
                target.unlink()
                raise EcertError(
                    "too_big",
                    f"文件超过 {MAX_FILE_BYTES // 2**20} MB",
                    f"the file is larger than {MAX_FILE_BYTES // 2**20} MB",
                )
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


@transaction.atomic
def _job_create(
    *,
    actor: User | None,
    authority: Authority,
    qualification: Qualification,
    reference: str,
    file_name: str,
    sha256: str,
    relative: Path,
    size: int,
    requested_kind: CredentialKind | None,
    accept_valid: bool,
    form: CredentialForm,
    photos: Path | None,
) -> PassListImport:
    job = PassListImport.objects.create(
        reference=reference,
        file_name=file_name[-255:],
        file_sha256=sha256,
        stored_file=str(relative),
        qualification=qualification,
        requested_kind=requested_kind.value if requested_kind else "",
        accept_valid=accept_valid,
        form=form.value,
        photos_file=str(photos) if photos is not None else "",
        authority=authority,
        actor=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        actor=actor,
        action="passlist.received",
        authority=authority,
        object_type="passlist_import",
        object_id=reference,
        data={"file": job.file_name, "sha256": job.file_sha256, "bytes": size},
    )
    return job


def progress_key(job_id: int) -> str:
    return f"ecert:passlist-import:{job_id}"


def import_progress(job: PassListImport) -> int:
    """Rows read so far by a running import (kept outside its transaction, which hides them)."""
    if job.state != ImportState.RUNNING:
        return job.rows_read
    value = cache.get(progress_key(job.pk))
    return value if isinstance(value, int) else 0


def passlist_import_run(
    *,
    import_id: int,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> PassListImport:
    """Run a queued import to its end; an import that already ended is returned as it is."""
    now = now or timezone.now()
    job = PassListImport.objects.select_related("qualification", "authority", "actor").get(
        pk=import_id
    )
    if job.state in FINISHED:
        return job
    job.state, job.started_at = ImportState.RUNNING, now
    job.save(update_fields=["state", "started_at"])

    def report(rows: int) -> None:
        cache.set(progress_key(job.pk), rows, timeout=24 * 3600)
        if progress is not None:
            progress(rows)

    try:
        with transaction.atomic():
            locks_take(Lock.BULK)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    # Page cache for this connection (KiB when negative): the indexes of an
                    # import's rows (random public ids, hashes) then stay in memory.
                    cursor.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
            _interrupted_mark(job)
            result = run_import(job, now=now, progress=report)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA cache_size=-2000")  # SQLite's default again
            if result.invalid and not job.accept_valid:
                raise _Rejected(result)
            _finish(job, result, now)
    except _Rejected as rejected:
        _reject(job, rejected.result, now)
    except Exception as error:
        if not _said_on_import(error):
            # A fault of ours, or the database: nothing was stored; say so, keep the traceback.
            _fail(job, "导入出错，未保存任何数据 / the import failed and stored nothing", now)
            raise
        _fail(job, str(error), now)
    finally:
        cache.delete(progress_key(job.pk))
    job.refresh_from_db()
    return job


def _said_on_import(error: Exception) -> bool:
    """Whether the import's message is the error itself: a file that cannot be read or used, or
    no key to sign with. Claims that cannot be signed share codes such as "empty" with these but
    always name their claim (``field``); they are a fault like any other."""
    return isinstance(error, EcertError) and error.code in IMPORT_FAILURES and not error.field


def _interrupted_mark(job: PassListImport) -> None:
    """Imports left 'running' by a process that died: none can really be running while this one
    holds the bulk lock (PostgreSQL) or the write lock (SQLite)."""
    PassListImport.objects.filter(state=ImportState.RUNNING).exclude(pk=job.pk).update(
        state=ImportState.FAILED,
        message="导入进程中断，未保存任何数据；请重新导入 / the import was interrupted and "
        "stored nothing; import the file again",
    )


def _counts(job: PassListImport, result: ImportResult) -> None:
    job.rows_read = result.rows_read
    job.rows_invalid = result.invalid
    job.issued = result.issued
    job.already_issued = result.already_issued


def _finish(job: PassListImport, result: ImportResult, now: datetime) -> None:
    _counts(job, result)
    job.state = ImportState.PARTIAL if result.invalid else ImportState.COMPLETED
    job.finished_at = timezone.now()
    if result.invalid:
        job.error_workbook = _write_errors(job, result)
    job.save()
    batches = IssuanceBatch.objects.filter(reference__in=result.batches)
    audit_record(
        actor=job.actor,
        action="passlist.imported",
        authority=job.authority,
        object_type="passlist_import",
        object_id=job.reference,
        data={
            "rows": result.rows_read,
            "issued": result.issued,
            "already_issued": result.already_issued,
            "set_aside": result.invalid,
            "batches": [
                {"batch": b.reference, "size": b.size, "root": bytes(b.merkle_root or b"").hex()}
                for b in batches
            ],
        },
        at=now,
    )


@transaction.atomic
def _reject(job: PassListImport, result: ImportResult, now: datetime) -> None:
    _counts(job, result)
    job.issued = job.already_issued = 0
    job.state = ImportState.REJECTED
    job.finished_at = timezone.now()
    job.error_workbook = _write_errors(job, result)
    job.message = (
        f"{result.invalid} 行有错误，未保存任何数据；请下载错误清单，改正后重新导入 / "
        f"{result.invalid} {'row has' if result.invalid == 1 else 'rows have'} errors and "
        "nothing was stored; download the error "
        "workbook, correct the file and import it again"
    )
    job.save()
    audit_record(
        actor=job.actor,
        action="passlist.rejected",
        authority=job.authority,
        object_type="passlist_import",
        object_id=job.reference,
        data={"rows": result.rows_read, "bad_rows": result.invalid},
        at=now,
    )


@transaction.atomic
def _fail(job: PassListImport, message: str, now: datetime) -> None:
    job.state = ImportState.FAILED
    job.finished_at = timezone.now()
    job.message = message
    job.save(update_fields=["state", "finished_at", "message"])
    audit_record(
        actor=job.actor,
        action="passlist.failed",
        authority=job.authority,
        object_type="passlist_import",
        object_id=job.reference,
        data={"reason": message[:500]},
        at=now,
    )


def _write_errors(job: PassListImport, result: ImportResult) -> str:
    relative = str(Path(job.stored_file).parent / "errors.xlsx")
    summary = [
        ("文件", "file", job.file_name),
        ("SHA-256", "SHA-256", job.file_sha256),
        ("考试", "exam", job.qualification.name),
        ("数据行", "rows", str(result.rows_read)),
        ("有错误的行", "rows with errors", str(result.invalid)),
        (
            "结果",
            "outcome",
            "已导入正确的行，错误行未导入 / valid rows imported, bad rows set aside"
            if job.accept_valid
            else "未保存任何数据 / nothing was stored",
        ),
    ]
    if result.invalid > len(result.error_rows):
        summary.append(
            ("未列出的错误行", "bad rows not listed", str(result.invalid - len(result.error_rows)))
        )
    write_error_workbook(
        stored_path(relative),
        headers=result.headers,
        rows=sorted(result.error_rows, key=lambda r: r.row),
        summary=summary,
    )
    return relative


PROOF_KINDS = (CredentialKind.SCORE_PROOF, CredentialKind.QUALIFICATION_PROOF)
# What proof_issue refuses with, by code (besides not_found, for a source the actor may not see,
# and what credential_sign refuses with). A credential rule it breaks is not among them.
PROOF_REFUSALS = frozenset(
    {
        "not_a_proof",
        "no_application",
        "not_exam_centre",
        "not_allowed",
        "not_a_qualification",
        "source_not_valid",
        "abolished",
        "not_abolished",
    }
)


@transaction.atomic
def proof_issue(
    *,
    actor: User | None,
    source: Credential,
    kind: CredentialKind,
    authority: Authority,
    application: str,
    now: datetime | None = None,
) -> Credential:
    """Issue, on request, the 成绩合格证明 or the 职/执业资格证明 attesting ``source`` (seed 001
    §二(二)); asking again for the same proof returns the one already issued.

    A score proof is for a holder whose replacement (补换) is under way and whose qualification
    still exists; a qualification proof only for the 15 abolished qualifications. Both are issued
    by a provincial exam centre, signed with its key.
    """
    now = now or timezone.now()
    if kind not in PROOF_KINDS:
        raise EcertError("not_a_proof", "只能开具成绩合格证明或职/执业资格证明", "not a proof kind")
    if not application.strip():
        raise EcertError(
            "no_application",
            "请填写申请（补换申请编号或事由）",
            "give the application (replacement reference or reason)",
        )
    if authority.kind != AuthorityKind.EXAM_CENTRE or authority.level != AuthorityLevel.PROVINCE:
        raise EcertError(
            "not_exam_centre",
            "证明由省人事考试中心开具",
            "proofs are issued by a provincial exam centre",
        )
    if actor is not None:
        visible = Credential.objects.visible_to(actor, Perm.ISSUE_CREDENTIAL)
        allowed = Authority.objects.visible_to(actor, Perm.ISSUE_CREDENTIAL)
        if not visible.filter(pk=source.pk).exists():
            raise not_found(source.public_id)
        if not allowed.filter(pk=authority.pk).exists():
            raise EcertError("not_allowed", "您无权以该机构名义开具证明", "you may not issue here")
    source = Credential.objects.select_related("qualification", "holder").get(pk=source.pk)
    _proof_check(source, kind)
    existing = (
        Credential.objects.filter(attests=source, kind=kind.value)
        .exclude(status=CredentialStatus.SUPERSEDED)
        .first()
    )
    if existing is not None:
        return existing
    draft = replace(
        credential_draft_of(source, issue_date=timezone.localdate(now)),
        kind=kind,
        form=CredentialForm.ELECTRONIC,
        issuer=authority.pk,
        template="abolished-qualification-proof"
        if kind is CredentialKind.QUALIFICATION_PROOF
        else "score-proof",
        attests=source.pk,
        supersedes=None,
    )
    proof = credential_issue(actor=actor, draft=draft, now=now)
    audit_record(
        actor=actor,
        action=f"credential.{kind.value}_issued",
        authority=authority,
        object_type="credential",
        object_id=proof.public_id,
        data={"attests": source.public_id, "application": application.strip()[:200]},
        at=now,
    )
    return proof


def _proof_check(source: Credential, kind: CredentialKind) -> None:
    qualification = source.qualification
    if qualification is None or source.kind in {k.value for k in PROOF_KINDS}:
        raise EcertError(
            "not_a_qualification",
            "只能为职业资格证书开具证明",
            "proofs attest professional-qualification certificates only",
        )
    if source.status in (CredentialStatus.REVOKED, CredentialStatus.SUSPENDED):
        raise EcertError(
            "source_not_valid",
            "该证书已被撤销或暂停，不能开具证明",
            "the certificate is revoked or suspended; no proof can be issued",
        )
    if kind is CredentialKind.SCORE_PROOF and qualification.abolished:
        raise EcertError(
            "abolished",
            f"“{qualification.name}”已被国家取消，请开具职/执业资格证明",
            f"{qualification.name} was abolished: issue a qualification proof instead",
        )
    if kind is CredentialKind.QUALIFICATION_PROOF and not qualification.abolished:
        raise EcertError(
            "not_abolished",
            f"职/执业资格证明只开给国家已取消的 15 项资格，“{qualification.name}”未取消",
            f"qualification proofs are only for the 15 abolished qualifications; "
            f"{qualification.name} is not one",
        )
