"""/api/v1/passlists: systems push pass lists (JSON rows or a file) and follow their import.

A pushed list is written as a UTF-8 CSV file and goes through ``passlist_import_create`` like an
uploaded one: the same checks, error workbook and audit. The import runs as a background task
(202 and a status URL), or, with ``?wait=true`` and at most 5,000 JSON rows, within the request
(200). A pushed file is never read in the web process (a small workbook can unpack to gigabytes):
it is always imported by the task worker, and ``?wait=true`` only makes the request wait for the
worker, ``FILE_WAIT_SECONDS`` at most, answering 200 with the outcome or 202 (decision 74).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from functools import partial
from time import monotonic, sleep
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Status, UploadedFile
from ninja.responses import codes_4xx

from ecert.api.errors import ErrorOut, not_found
from ecert.api.passlist_schemas import (
    MAX_PUSHED_ROWS,
    WAIT_MAX_ROWS,
    BatchOut,
    Cell,
    PassListAccepted,
    PassListOut,
    PassListPush,
)
from ecert.authorities.models import Authority
from ecert.authorities.selectors import user_has_perm
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.rules.issuing import IMPORTABLE
from ecert.core.rules.kinds import CredentialKind
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.passlist import Field as Column
from ecert.issuance.models import PassListImport
from ecert.issuance.selectors import (
    import_batches,
    import_error_workbook,
    passlist_import_get_for,
)
from ecert.issuance.services import (
    FINISHED,
    import_progress,
    passlist_import_create,
    passlist_import_run,
)
from ecert.issuance.tasks import passlist_import_task

if TYPE_CHECKING:
    from ecert.accounts.models import User

router = Router()

FILE_WAIT_SECONDS = 20.0  # how long ?wait=true holds a request for the worker's import of a file
FILE_WAIT_POLL = 0.25
MAX_COLUMNS = 64
CSV_FLUSH = 2**20


def _user(request: HttpRequest) -> User:
    from ecert.accounts.models import User

    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _issuer(request: HttpRequest) -> User:
    user = _user(request)
    if not user_has_perm(user, Perm.ISSUE_CREDENTIAL):
        raise EcertError("not_allowed", "您无权导入合格名单", "you may not import pass lists")
    return user


def _requested_kind(kind: str | None) -> CredentialKind | None:
    if kind is None or kind.strip() in ("", "auto"):
        return None
    names = ", ".join(sorted(k.value for k in IMPORTABLE))
    if kind not in {k.value for k in IMPORTABLE}:
        raise EcertError(
            "unknown_kind",
            f"证书种类 {kind!r} 无效，可选：auto、{names}",
            f"unknown kind {kind!r}; use auto, {names}",
        )
    return CredentialKind(kind)


def _create(
    request: HttpRequest,
    *,
    exam: str,
    authority: str,
    kind: str | None,
    accept_valid: bool,
    file_name: str,
    chunks: Iterable[bytes],
) -> PassListImport:
    user = _issuer(request)
    qualification = Qualification.objects.filter(key=exam.strip()).first()
    if qualification is None:
        raise EcertError(
            "unknown_exam", f"目录中没有考试 {exam!r}", f"no exam {exam!r} in the catalogue"
        )
    importer = Authority.objects.filter(key=authority.strip()).first()
    if importer is None:
        raise EcertError(
            "unknown_authority", f"没有机构 {authority!r}", f"no authority {authority!r}"
        )
    return passlist_import_create(  # its refusals answer with their status (api.errors.STATUS)
        actor=user,
        authority=importer,
        qualification=qualification,
        file_name=file_name,
        chunks=chunks,
        requested_kind=_requested_kind(kind),
        accept_valid=accept_valid,
    )


def _answer(request: HttpRequest, job: PassListImport, *, wait: bool) -> Status[Any]:
    if wait:
        return Status(200, _out(request, passlist_import_run(import_id=job.pk)))
    transaction.on_commit(partial(passlist_import_task.enqueue, import_id=job.pk))
    return _accepted(request, job)


def _queued_and_awaited(request: HttpRequest, job: PassListImport, *, wait: bool) -> Status[Any]:
    """Queue a pushed file for the task worker; with ``wait``, watch the import (never run it
    here) for ``FILE_WAIT_SECONDS`` at most: 200 with the outcome if it ended, else 202. The
    task is a row of the same database, written in the same transaction as the import (so no
    worker can see it first), and the request can watch the worker take it."""
    passlist_import_task.enqueue(import_id=job.pk)
    deadline = monotonic() + FILE_WAIT_SECONDS
    while wait and monotonic() < deadline:
        sleep(FILE_WAIT_POLL)
        job.refresh_from_db(fields=["state"])
        if job.state in FINISHED:
            job.refresh_from_db()
            return Status(200, _out(request, job))
    return _accepted(request, job)


def _accepted(request: HttpRequest, job: PassListImport) -> Status[Any]:
    return Status(
        202,
        PassListAccepted(
            reference=job.reference, state=job.state, status_url=_status_url(request, job)
        ),
    )


def _status_url(request: HttpRequest, job: PassListImport) -> str:
    return request.build_absolute_uri(reverse("api:passlist_detail", args=[job.reference]))


def _out(request: HttpRequest, job: PassListImport) -> PassListOut:
    errors_url = None
    if import_error_workbook(job) is not None:
        errors_url = request.build_absolute_uri(
            reverse("api:passlist_errors", args=[job.reference])
        )
    return PassListOut(
        reference=job.reference,
        state=job.state,
        finished=job.state in FINISHED,
        file_name=job.file_name,
        file_sha256=job.file_sha256,
        exam=job.qualification.key,
        authority=job.authority.key,
        kind=job.requested_kind or None,
        accept_valid=job.accept_valid,
        rows_read=import_progress(job),
        issued=job.issued,
        already_issued=job.already_issued,
        rows_invalid=job.rows_invalid,
        batches=[
            BatchOut(
                reference=batch.reference,
                issuing_authority=batch.issuing_authority.key,
                kind=batch.kind,
                size=batch.size,
                merkle_root=bytes(batch.merkle_root or b"").hex(),
            )
            for batch in import_batches(job)
        ],
        message=job.message,
        errors_url=errors_url,
        status_url=_status_url(request, job),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def _columns(rows: list[dict[str, Cell]]) -> list[str]:
    """The CSV header: the known pinyin codes in their fixed order, then any other key as met."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in seen:
                if not key.strip() or len(key) > 64 or len(seen) >= MAX_COLUMNS:
                    raise EcertError(
                        "bad_columns",
                        f"列名须为非空且不超过 64 个字符，最多 {MAX_COLUMNS} 列（如 ZSGLH、KSXM）",
                        f"column keys must be non-empty, at most 64 characters, at most "
                        f"{MAX_COLUMNS} of them (such as ZSGLH, KSXM)",
                    )
                seen[key] = None
    known = [column.value for column in Column if column.value in seen]
    return known + [key for key in seen if key not in known]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_chunks(columns: list[str], rows: list[dict[str, Cell]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(column)) for column in columns])
        if buffer.tell() >= CSV_FLUSH:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


@router.post(
    "",
    response={200: PassListOut, 202: PassListAccepted, codes_4xx: ErrorOut},
    url_name="passlist_push",
    summary="Push a pass list as JSON rows",
)
def passlist_push(
    request: HttpRequest, payload: PassListPush, wait: Query[bool] = False
) -> Status[Any]:
    """推送合格名单（JSON 行）/ Push a pass list as JSON rows.

    Rows are numbered as in a file whose first row is the header: ``rows[0]`` is row 2.
    With ``wait=true`` and at most 5,000 rows the import runs within the request (200);
    otherwise it is queued (202) and ``status_url`` tells how it went.
    """
    _issuer(request)
    if len(payload.rows) > MAX_PUSHED_ROWS:
        raise EcertError(
            "too_many_rows",
            f"一次最多推送 {MAX_PUSHED_ROWS} 行，请分批推送",
            f"at most {MAX_PUSHED_ROWS} rows per push; push the list in parts",
        )
    if not payload.rows:
        raise EcertError("no_rows", "名单没有数据行", "the list has no rows")
    columns = _columns(payload.rows)
    stem = (payload.file_name or f"passlist-{payload.exam}").strip()
    job = _create(
        request,
        exam=payload.exam,
        authority=payload.authority,
        kind=payload.kind,
        accept_valid=payload.accept_valid,
        file_name=stem if stem.lower().endswith(".csv") else f"{stem}.csv",
        chunks=_csv_chunks(columns, payload.rows),
    )
    return _answer(request, job, wait=wait and len(payload.rows) <= WAIT_MAX_ROWS)


@router.post(
    "/file",
    response={200: PassListOut, 202: PassListAccepted, codes_4xx: ErrorOut},
    url_name="passlist_upload",
    summary="Push a pass list as a file",
)
def passlist_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    exam: Form[str],
    authority: Form[str],
    kind: Form[str | None] = None,
    accept_valid: Form[bool] = False,
    file_name: Form[str | None] = None,
    wait: Query[bool] = False,
) -> Status[Any]:
    """上传合格名单文件（xlsx、xls 或 csv）/ Push a pass-list file (xlsx, xls or csv).

    The file is always imported by the background worker. With ``wait=true`` the request waits
    for that import up to 20 seconds: 200 with the outcome if it ended, otherwise 202 (follow
    ``status_url``).
    """
    job = _create(
        request,
        exam=exam,
        authority=authority,
        kind=kind,
        accept_valid=accept_valid,
        file_name=(file_name or file.name or "passlist").strip()[:200],
        chunks=file.chunks(),
    )
    return _queued_and_awaited(request, job, wait=wait)


@router.get(
    "/{reference}",
    response={200: PassListOut, codes_4xx: ErrorOut},
    url_name="passlist_detail",
    summary="How an import went",
)
def passlist_detail(request: HttpRequest, reference: str) -> PassListOut:
    """导入状态与结果 / The state and outcome of an import."""
    job = passlist_import_get_for(user=_issuer(request), reference=reference)
    if job is None:
        raise not_found()
    return _out(request, job)


@router.get(
    "/{reference}/errors.xlsx",
    response={codes_4xx: ErrorOut},
    url_name="passlist_errors",
    summary="The error workbook of an import",
)
def passlist_errors(request: HttpRequest, reference: str) -> FileResponse:
    """错误清单（每个有错误的行及原因）/ The error workbook: each bad row and why."""
    job = passlist_import_get_for(user=_issuer(request), reference=reference)
    workbook = import_error_workbook(job) if job is not None else None
    if workbook is None:
        raise not_found()
    path, name = workbook
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
