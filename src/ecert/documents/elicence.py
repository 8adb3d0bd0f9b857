"""The e-licence platform exchange (docs/formats/elicence.md): an authority's credentials as one
zip for 山东省电子证照系统 / 河南省政务服务网 to ingest, each as its GB/T 36903 metadata record and
its sealed document, with a manifest of SM3 and SHA-256 digests.

The zip is written to a temporary file beside the target and renamed into place in the same
transaction as its audit event, so a reader never sees half a batch and no export goes
unrecorded. Who may export what follows the one scoping rule (``Credential.objects.visible_to``),
within the subtree of the authority the export is made at.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.db import transaction

from ecert.accounts.models import User
from ecert.audit.services import audit_record
from ecert.authorities.models import Authority
from ecert.authorities.selectors import Scope
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import sm3_digest
from ecert.core.formats.elicence import LicenceFacts, LicenceFile, LicenceStatus, record_xml
from ecert.core.formats.elicence_batch import BatchItem, BatchSelection, batch_zip_write
from ecert.core.rules.issuing import KIND_LABELS
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential, CredentialQuerySet, IssuanceBatch
from ecert.credentials.w3c_vc import credential_claims
from ecert.documents.services import exchange_document

MAX_CREDENTIALS = 20_000  # one zip; a province's sitting is exported in parts by batch or date
# Where a credential's data is managed (谁核准公布、谁负责管理): its issuer, or the exam centre
# that imported it although a department signed it. Not the city it is registered at.
MANAGED_AT = ("issuing_authority__path", "batch__source__authority__path")


@dataclass(frozen=True)
class ElicenceSelection:
    """Which credentials go into one export: an authority's, narrowed by kind, by issue date
    (both ends included) or to one issuance batch."""

    authority: Authority
    kind: CredentialKind | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    batch: IssuanceBatch | None = None

    def for_manifest(self) -> BatchSelection:
        return BatchSelection(
            authority_key=self.authority.key,
            authority_name=self.authority.name,
            kind=self.kind.value if self.kind is not None else None,
            issued_from=self.issued_from,
            issued_to=self.issued_to,
            batch=self.batch.reference if self.batch is not None else None,
        )


@dataclass(frozen=True)
class ElicenceExport:
    """The written zip: where, how many credentials and documents, its SHA-256."""

    path: Path
    credentials: int
    documents: int
    sha256: str
    by_status: dict[str, int]


def elicence_credentials(*, actor: User | None, selection: ElicenceSelection) -> CredentialQuerySet:
    """The signed credentials of the selection that ``actor`` may see (all, for the command line
    acting for the deployment), electronic ones only, in identifier order."""
    credentials = (
        Credential.objects.visible_to(actor, Perm.VIEW_CREDENTIAL)
        if actor is not None
        else Credential.objects.all()
    )
    chosen = (
        credentials.filter(Scope(paths=(selection.authority.path,)).q(*MANAGED_AT))
        .printable()
        .filter(signed__isnull=False, licence_identifier__isnull=False)
    )
    if selection.kind is not None:
        chosen = chosen.filter(kind=selection.kind)
    if selection.issued_from is not None:
        chosen = chosen.filter(issue_date__gte=selection.issued_from)
    if selection.issued_to is not None:
        chosen = chosen.filter(issue_date__lte=selection.issued_to)
    if selection.batch is not None:
        chosen = chosen.filter(batch=selection.batch)
    return chosen.order_by("licence_identifier")


def elicence_record(credential: Credential, *, file: LicenceFile | None = None) -> bytes:
    """The GB/T 36903 metadata record of ``credential``: its signed claims, its identifier and
    status, its issuer's and qualification's names, and the document that goes with it."""
    claims = credential_claims(credential)
    assert credential.licence_identifier is not None  # signed credentials carry one
    issuer = Authority.objects.get(pk=claims.issuer)  # the trust list's number is the pk
    replacement = (
        Credential.objects.filter(supersedes=credential)
        .values_list("licence_identifier", flat=True)
        .first()
    )
    facts = LicenceFacts(
        identifier=credential.licence_identifier,
        issuer_name=issuer.name,
        qualification_name=(
            credential.qualification.name if credential.qualification is not None else None
        ),
        status=LicenceStatus.of(credential.status),
        replaced_by=replacement,
        file=file,
    )
    return record_xml(claims, facts)


def _allowed(actor: User | None, selection: ElicenceSelection) -> None:
    if actor is None:
        return
    if (
        not Authority.objects.visible_to(actor, Perm.VIEW_CREDENTIAL)
        .filter(pk=selection.authority.pk)
        .exists()
    ):
        raise EcertError(
            "not_allowed",
            f"您无权导出{selection.authority.name}的电子证照",
            f"you may not export the e-licences of {selection.authority.key}",
        )
    batch = selection.batch
    if batch is not None and not (
        IssuanceBatch.objects.filter(pk=batch.pk)
        .filter(
            Scope(paths=(selection.authority.path,)).q(
                "issuing_authority__path", "source__authority__path"
            )
        )
        .exists()
        and Credential.objects.visible_to(actor, Perm.VIEW_CREDENTIAL).filter(batch=batch).exists()
    ):
        # Not yours and not there answer alike.
        raise EcertError(
            "no_batch",
            f"没有签发批次 {batch.reference}",
            f"there is no issuance batch {batch.reference}",
        )


def _check_selection(selection: ElicenceSelection, output: Path) -> None:
    if (
        selection.issued_from is not None
        and selection.issued_to is not None
        and selection.issued_from > selection.issued_to
    ):
        raise EcertError(
            "bad_range",
            f"起始日期 {selection.issued_from} 晚于截止日期 {selection.issued_to}",
            f"the start date {selection.issued_from} is after the end date {selection.issued_to}",
            field="issued_from",
        )
    if output.suffix.lower() != ".zip":
        raise EcertError(
            "bad_output",
            "导出文件名应以 .zip 结尾",
            "the export file name must end in .zip",
            file=str(output),
        )
    if output.is_dir():
        raise EcertError(
            "bad_output",
            f"{output} 是一个目录，请给出 .zip 文件名",
            f"{output} is a folder: give a .zip file name",
            file=str(output),
        )
    if not output.parent.is_dir():
        raise EcertError(
            "bad_output",
            f"目录 {output.parent} 不存在",
            f"the folder {output.parent} does not exist",
            file=str(output),
        )


def _items(credentials: list[Credential], actor: User | None, now: datetime) -> Iterator[BatchItem]:
    for credential in credentials:
        document: bytes | None = None
        media_type = extension = ""
        file = None
        if credential.status == CredentialStatus.VALID:
            try:
                document, media_type, extension = exchange_document(
                    credential, actor=actor, now=now
                )
            except EcertError as refused:
                raise EcertError(
                    refused.code,
                    f"证书 {credential.public_id}：{refused.zh}",
                    f"credential {credential.public_id}: {refused.en}",
                    field=credential.public_id,
                ) from refused
            file = LicenceFile(
                name=f"{credential.licence_identifier}.{extension}",
                media_type=media_type,
                size=len(document),
                sm3=sm3_digest(document).hex(),
                sha256=hashlib.sha256(document).hexdigest(),
            )
        assert credential.licence_identifier is not None
        yield BatchItem(
            identifier=credential.licence_identifier,
            status=str(credential.status),
            record=elicence_record(credential, file=file),
            document=document,
            document_media_type=media_type,
            document_extension=extension,
        )


def elicence_export(
    *, actor: User | None, selection: ElicenceSelection, output: Path, now: datetime
) -> ElicenceExport:
    """Write the selection's zip to ``output`` (replacing a file there, atomically) and audit it.

    A valid credential's entry has its record and sealed document; a suspended, revoked or
    superseded one only its record, whose status tells the platform. EcertError for a selection
    the actor may not make, an empty or too large one, or a credential whose document cannot be
    made (named by its public id); then nothing is written.
    """
    _allowed(actor, selection)
    _check_selection(selection, output)
    chosen = elicence_credentials(actor=actor, selection=selection)
    count = chosen.count()
    if count == 0:
        what = KIND_LABELS[selection.kind][0] if selection.kind is not None else "电子证照"
        raise EcertError(
            "empty",
            f"所选范围内没有可导出的{what}（{selection.authority.name}）",
            f"nothing to export: the selection at {selection.authority.key} has no signed "
            "electronic credentials you may see",
        )
    if count > MAX_CREDENTIALS:
        raise EcertError(
            "too_many",
            f"一次最多导出 {MAX_CREDENTIALS:,} 张证照，本次选择了 {count:,} 张，请按批次或日期分批导出",
            f"one export holds at most {MAX_CREDENTIALS:,} credentials; {count:,} were chosen: "
            "export them in parts by batch or date",
        )
    credentials = list(chosen.select_related("qualification", "issuing_authority", "batch"))
    handle, temporary = tempfile.mkstemp(
        prefix=f".{output.name}.", suffix=".part", dir=output.parent
    )
    try:
        with os.fdopen(handle, "w+b") as file:
            summary = batch_zip_write(
                file, selection.for_manifest(), _items(credentials, actor, now)
            )
            file.flush()
            os.fsync(file.fileno())
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="elicence.exported",
                authority=selection.authority,
                object_type="elicence_export",
                object_id=digest[:16],
                data={
                    "sha256": digest,
                    "credentials": summary.credentials,
                    "documents": summary.documents,
                    "selection": selection.for_manifest().as_json(),
                },
                at=now,
            )
            os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return ElicenceExport(
        path=output,
        credentials=summary.credentials,
        documents=summary.documents,
        sha256=digest,
        by_status=dict(summary.statuses),
    )
