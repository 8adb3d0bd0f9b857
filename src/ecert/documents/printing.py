"""Print files: one PDF of many certificates for printing on paper, made by a background task.

A print file is asked for at an authority, for an issuance batch or a list of public ids. It
holds only credentials in that authority's subtree that the asking user may see (谁核准公布、谁负责
管理), signed and valid. Its state moves queued → running → completed or failed; the PDF appears
under ECERT_DATA_DIR/print/ only when whole, and a failed run leaves no file behind.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ecert.accounts.models import User
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import Scope
from ecert.core.documents.print_file import DEFAULT_CHUNK, write_print_file
from ecert.core.documents.render import Page, Picture
from ecert.core.errors import EcertError
from ecert.core.formats.qr import qr_text
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential, CredentialQuerySet, IssuanceBatch
from ecert.documents.faces import page_for
from ecert.documents.models import PrintFile, PrintFileState
from ecert.documents.seals import seal_picture
from ecert.documents.services import renderer
from ecert.titles.selectors import title_document_round
from ecert.titles.services import refusal

PRINT_DIR = "print"
MAX_PAGES = 10_000
SHOWN = 5  # public ids named in an error message
ID_SLICE = 500  # credentials fetched at a time when printing a list of ids
FINISHED = {PrintFileState.COMPLETED, PrintFileState.FAILED}
# The credential's authorities that place it in a subtree, as Credential.objects.visible_to has them.
CREDENTIAL_PLACES = (
    "issuing_authority__path",
    "registration_authority__path",
    "batch__source__authority__path",
)
RELATED = ("holder", "qualification", "issuing_authority", "registration_authority")
# What print_file_create refuses with, by code.
PRINT_REFUSALS = frozenset(
    {"bad_selection", "not_allowed", "empty", "too_many", "not_found", "unsigned", "not_valid"}
)


def printable_credentials(*, actor: User | None, authority: Authority) -> CredentialQuerySet:
    """Credentials placed in ``authority``'s subtree and, for a person, visible to them; not the
    records of paper certificates printed elsewhere (the certificate database), which have no
    face of ours to print."""
    credentials = (
        Credential.objects.visible_to(actor, Perm.VIEW_CREDENTIAL)
        if actor is not None
        else Credential.objects.all()
    )
    return credentials.filter(Scope(paths=(authority.path,)).q(*CREDENTIAL_PLACES)).printable()


def print_file_create(
    *,
    actor: User | None,
    authority: Authority,
    batch: IssuanceBatch | None = None,
    public_ids: Sequence[str] | None = None,
    now: datetime,
) -> PrintFile:
    """Queue a print file of ``batch`` (its valid credentials) or of ``public_ids`` (in that order).

    Raises EcertError for an empty or too large selection, for credentials not found (or not
    the actor's to print: the two look the same), unsigned, or, when named one by one, not valid.
    """
    if (batch is None) == (public_ids is None):
        raise EcertError(
            "bad_selection",
            "请选择一个签发批次，或给出证书公开编号",
            "choose either an issuance batch or a list of public ids",
        )
    if (
        actor is not None
        and not Authority.objects.visible_to(actor, Perm.VIEW_CREDENTIAL)
        .filter(pk=authority.pk)
        .exists()
    ):
        raise EcertError(
            "not_allowed",
            "您无权以该机构名义制作打印文件",
            "you may not make print files at this authority",
        )
    chosen = printable_credentials(actor=actor, authority=authority)
    ids: list[str] = []
    if batch is not None:
        chosen = chosen.filter(batch=batch, status=CredentialStatus.VALID)
    else:
        assert public_ids is not None
        ids = _clean_ids(public_ids)
        chosen = chosen.filter(public_id__in=ids)
        _check_found(ids, chosen)
        _check_valid(chosen)
    count = chosen.count()
    if count == 0:
        raise EcertError(
            "empty",
            "没有可打印的证书（批次中没有您可查看的有效证书）",
            "nothing to print: the batch has no valid credentials you may see",
        )
    if count > MAX_PAGES:
        raise EcertError(
            "too_many",
            f"一个打印文件最多 {MAX_PAGES:,} 页，本次选择了 {count:,} 张证书，请分批打印",
            f"a print file holds at most {MAX_PAGES:,} pages; {count:,} credentials were "
            "chosen: print them in parts",
        )
    _check_signed(chosen)
    with transaction.atomic():
        job = PrintFile.objects.create(
            reference=secrets.token_hex(6).upper(),
            batch=batch,
            credential_ids=ids,
            authority=authority,
            actor=actor if actor is not None and actor.pk else None,
            pages=count,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="print_file.created",
            authority=authority,
            object_type="print_file",
            object_id=job.reference,
            data={"batch": batch.reference if batch else None, "credentials": count},
            at=now,
        )
    return job


def _clean_ids(public_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(i.strip().upper() for i in public_ids if i.strip()))
    if not ids:
        raise EcertError("empty", "没有给出证书公开编号", "no public ids were given")
    if len(ids) > MAX_PAGES:
        raise EcertError(
            "too_many",
            f"一个打印文件最多 {MAX_PAGES:,} 页，本次给出了 {len(ids):,} 个编号，请分批打印",
            f"a print file holds at most {MAX_PAGES:,} pages; {len(ids):,} ids were given: "
            "print them in parts",
        )
    return ids


def _named(public_ids: Sequence[str]) -> str:
    shown = "、".join(public_ids[:SHOWN])
    return shown + (f" 等 {len(public_ids)} 张" if len(public_ids) > SHOWN else "")


def _named_en(public_ids: Sequence[str]) -> str:
    shown = ", ".join(public_ids[:SHOWN])
    return shown + (f" and {len(public_ids) - SHOWN} more" if len(public_ids) > SHOWN else "")


def _check_found(ids: list[str], chosen: CredentialQuerySet) -> None:
    found = set(chosen.values_list("public_id", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise EcertError(
            "not_found",
            f"找不到证书 {_named(missing)}，请核对公开编号",
            f"no credential {_named_en(missing)}: check the public ids",
        )


def _check_valid(chosen: CredentialQuerySet) -> None:
    invalid = list(
        chosen.exclude(status=CredentialStatus.VALID).values_list("public_id", flat=True)[:100]
    )
    if invalid:
        raise EcertError(
            "not_valid",
            f"证书 {_named(invalid)} 不是有效状态（已撤销、暂停或被替代），不能打印",
            f"{_named_en(invalid)} not valid (revoked, suspended or superseded): not printed",
        )


def _check_signed(chosen: CredentialQuerySet) -> None:
    unsigned = list(chosen.filter(signed__isnull=True).values_list("public_id", flat=True)[:100])
    if unsigned:
        raise EcertError(
            "unsigned",
            f"证书 {_named(unsigned)} 尚未签发（没有签名），不能打印",
            f"{_named_en(unsigned)} not signed yet: cannot be printed",
        )


def progress_key(print_file_id: int) -> str:
    return f"ecert:print-file:{print_file_id}"


def print_file_progress(job: PrintFile) -> int:
    """Pages compiled so far by a running print file (all of them once it has completed)."""
    if job.state == PrintFileState.COMPLETED:
        return job.pages
    if job.state != PrintFileState.RUNNING:
        return 0
    value = cache.get(progress_key(job.pk))
    return value if isinstance(value, int) else 0


def print_file_path(job: PrintFile) -> Path | None:
    """The finished PDF of a print file, if it has one."""
    if job.state != PrintFileState.COMPLETED or not job.path:
        return None
    path = Path(settings.ECERT_DATA_DIR) / job.path
    return path if path.is_file() else None


def print_file_run(
    print_file_id: int,
    *,
    with_seal: bool = False,
    chunk: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> PrintFile:
    """Make the PDF of a queued print file; one already taken by another run is returned as it is.

    ``with_seal`` draws the authority's seal picture on every page (an e-proof printed by its
    holder); paper for the official stamp leaves it out.
    """
    now = now or timezone.now()
    claimed = PrintFile.objects.filter(pk=print_file_id, state=PrintFileState.QUEUED).update(
        state=PrintFileState.RUNNING
    )
    job = PrintFile.objects.select_related("authority", "batch", "actor").get(pk=print_file_id)
    if not claimed:
        return job
    relative = Path(PRINT_DIR) / f"{job.reference}.pdf"
    target = Path(settings.ECERT_DATA_DIR) / relative
    target.parent.mkdir(parents=True, exist_ok=True)

    def report(pages: int) -> None:
        cache.set(progress_key(job.pk), pages, timeout=24 * 3600)
        if progress is not None:
            progress(pages)

    try:
        count = write_print_file(
            _pages(job, with_seal=with_seal),
            renderer(),
            target,
            created=now,
            chunk=chunk,
            with_seal=with_seal,
            progress=report,
        )
        _complete(job, relative=relative, pages=count, with_seal=with_seal, now=now)
    except EcertError as error:
        target.unlink(missing_ok=True)
        _fail(job, _message(error), now)
    except Exception:
        # A fault of ours, or of the database: no file is kept; say so and keep the traceback.
        target.unlink(missing_ok=True)
        _fail(job, "打印文件制作出错，未生成文件 / the print file failed; no file was made", now)
        raise
    finally:
        cache.delete(progress_key(job.pk))
    job.refresh_from_db()
    return job


def _message(error: EcertError) -> str:
    return f"{error.zh} / {error.en}"


def _credentials(job: PrintFile) -> Iterator[Credential]:
    """The print file's credentials, in print order, read a slice at a time."""
    chosen = printable_credentials(actor=job.actor, authority=job.authority).select_related(
        *RELATED
    )
    if job.batch is not None:
        ordered = chosen.filter(batch=job.batch, status=CredentialStatus.VALID).order_by(
            "batch_position", "id"
        )
        yield from ordered.iterator(chunk_size=ID_SLICE)
        return
    ids: list[str] = list(job.credential_ids)
    for start in range(0, len(ids), ID_SLICE):
        part = ids[start : start + ID_SLICE]
        found = chosen.in_bulk(part, field_name="public_id")
        for public_id in part:
            credential = found.get(public_id)
            if credential is None:
                raise EcertError(
                    "not_found",
                    f"找不到证书 {public_id}（或已无权打印）",
                    f"credential {public_id} is gone or no longer yours to print",
                )
            yield credential


def _pages(job: PrintFile, *, with_seal: bool) -> Iterator[Page]:
    seals: dict[int, Picture | None] = {}
    for credential in _credentials(job):
        if credential.signed is None:
            raise EcertError(
                "unsigned",
                f"证书 {credential.public_id} 尚未签发，不能打印",
                f"{credential.public_id} is not signed",
            )
        if credential.status != CredentialStatus.VALID:
            raise EcertError(
                "not_valid",
                f"证书 {credential.public_id} 已不是有效状态，不能打印",
                f"{credential.public_id} is no longer valid",
            )
        seal = None
        if with_seal:
            issuer = credential.issuing_authority
            if issuer.pk not in seals:
                seals[issuer.pk] = seal_picture(issuer)
            seal = seals[issuer.pk]
        text = qr_text(
            settings.ECERT_VERIFY_HOST,
            bytes(credential.signed),
            scheme=settings.ECERT_VERIFY_SCHEME,
        )
        yield page_for(credential, qr_text=text, seal=seal)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@transaction.atomic
def _complete(
    job: PrintFile, *, relative: Path, pages: int, with_seal: bool, now: datetime
) -> None:
    job.state = PrintFileState.COMPLETED
    job.pages, job.path = pages, str(relative)
    job.sha256 = _sha256(Path(settings.ECERT_DATA_DIR) / relative)
    job.message, job.finished_at = "", timezone.now()
    job.save(update_fields=["state", "pages", "path", "sha256", "message", "finished_at"])
    audit_record(
        actor=job.actor,
        action="print_file.completed",
        authority=job.authority,
        object_type="print_file",
        object_id=job.reference,
        data={"pages": pages, "sha256": job.sha256, "with_seal": with_seal},
        at=now,
    )


@transaction.atomic
def _fail(job: PrintFile, message: str, now: datetime) -> None:
    job.state, job.message, job.finished_at = PrintFileState.FAILED, message, timezone.now()
    job.path = job.sha256 = ""
    job.save(update_fields=["state", "message", "finished_at", "path", "sha256"])
    audit_record(
        actor=job.actor,
        action="print_file.failed",
        authority=job.authority,
        object_type="print_file",
        object_id=job.reference,
        data={"reason": message[:500]},
        at=now,
    )


@transaction.atomic
def title_round_print(*, actor: User, approval_document: str, now: datetime) -> list[PrintFile]:
    """Queue the valid paper certificates of a title review round (one approval document) that the
    actor manages for printing: one print file per approving body, whose printer they go to, each
    in the order issued. All are made or none; EcertError says why not."""
    paper = title_document_round(user=actor, document=approval_document.strip()).paper
    if not paper:
        raise refusal(
            "本批次没有可打印的有效纸质证书",
            "this round has no valid paper certificate to print",
            "approval_document",
        )
    return [
        print_file_create(actor=actor, authority=body, public_ids=ids, now=now)
        for body, ids in paper.items()
    ]
