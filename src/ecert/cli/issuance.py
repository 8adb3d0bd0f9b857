"""``ecert import-passlist`` and ``ecert import-records``: a pass list becomes signed electronic
credentials; a records file becomes records of paper certificates in the certificate database.
Both show a progress bar.

They run the same services as the back office, in this process. Exit codes: 0 every row issued or
already issued; 1 rejected (nothing stored) or bad rows set aside; 2 the file or the options could
not be used (nothing stored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecert.core.errors import EcertError

if TYPE_CHECKING:
    from ecert.issuance.models import PassListImport

console = Console(stderr=True)
READ_CHUNK = 1 << 20


# The options both commands take.
Exam = Annotated[str, typer.Option(help="qualification key in the catalogue, e.g. constructor")]
Photos = Annotated[
    Path | None, typer.Option(help="zip of the photos the ZP column names (else ZJHM.jpg)")
]
Errors = Annotated[
    Path | None, typer.Option(help="where to copy the error workbook when there are bad rows")
]


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK):
            yield chunk


def import_passlist(
    file: Annotated[Path, typer.Argument(help="xlsx, xls or csv (UTF-8 or GB18030)")],
    exam: Exam,
    authority: Annotated[
        str, typer.Option(help="importing authority (the provincial exam centre), e.g. sd-pta")
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            help="document to issue when several apply: provincial_certificate, "
            "exam_proof or national_certificate"
        ),
    ] = None,
    photos: Photos = None,
    accept_valid: Annotated[
        bool,
        typer.Option("--accept-valid", help="import the valid rows and set the bad ones aside"),
    ] = False,
    errors: Errors = None,
) -> None:
    """导入考试合格名单并签发证书 / Import an exam pass list and issue the credentials."""
    _import(
        file=file,
        exam=exam,
        authority=authority,
        kind=kind,
        accept_valid=accept_valid,
        errors=errors,
        records=False,
        photos=photos,
    )


def import_records(
    file: Annotated[Path, typer.Argument(help="xlsx, xls or csv with the 11 columns of seed 001")],
    exam: Exam,
    authority: Annotated[
        str, typer.Option(help="the authority that keeps the records, e.g. sd-pta")
    ],
    photos: Photos = None,
    kind: Annotated[
        str | None,
        typer.Option(help="national_certificate (default) or provincial_certificate"),
    ] = None,
    accept_valid: Annotated[
        bool,
        typer.Option("--accept-valid", help="record the valid rows and set the bad ones aside"),
    ] = False,
    errors: Errors = None,
) -> None:
    """导入纸质证书数据库记录 / Load records of paper certificates into the certificate database."""
    _import(
        file=file,
        exam=exam,
        authority=authority,
        kind=kind,
        accept_valid=accept_valid,
        errors=errors,
        records=True,
        photos=photos,
    )


def _import(
    *,
    file: Path,
    exam: str,
    authority: str,
    kind: str | None,
    accept_valid: bool,
    errors: Path | None,
    records: bool,
    photos: Path | None,
) -> None:
    from ecert.cli.base import django_setup

    django_setup()
    from ecert.authorities.models import Authority
    from ecert.catalogue.models import Qualification
    from ecert.core.rules.kinds import CredentialForm, CredentialKind
    from ecert.issuance.importer import stored_path
    from ecert.issuance.models import ImportState
    from ecert.issuance.services import passlist_import_create, passlist_import_run

    for given in (file, photos):
        if given is not None and not given.is_file():
            console.print(f"[red]找不到文件 / no such file: {given}[/red]")
            raise typer.Exit(2)
    qualification = Qualification.objects.filter(key=exam).first()
    importer = Authority.objects.filter(key=authority).first()
    requested = None
    if kind is not None:
        if kind not in set(CredentialKind):
            console.print(f"[red]未知的证书种类 / unknown kind: {kind}[/red]")
            raise typer.Exit(2)
        requested = CredentialKind(kind)
    if qualification is None or importer is None:
        what = f"考试 / exam {exam}" if qualification is None else f"机构 / authority {authority}"
        console.print(f"[red]目录中没有{what}[/red]")
        raise typer.Exit(2)
    try:
        job = passlist_import_create(
            actor=None,
            authority=importer,
            qualification=qualification,
            file_name=file.name,
            chunks=_file_chunks(file),
            requested_kind=requested,
            accept_valid=accept_valid,
            form=CredentialForm.PAPER if records else CredentialForm.ELECTRONIC,
            photos=(photos.name, _file_chunks(photos)) if photos is not None else None,
        )
    except EcertError as refused:
        console.print(str(refused), style="red", markup=False)
        raise typer.Exit(2) from refused
    with Progress(
        TextColumn("导入 / importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("行 / rows"),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as bar:
        task = bar.add_task("rows", total=None)

        def progress(rows: int) -> None:
            bar.update(task, completed=rows)
            if not console.is_terminal:
                console.print(f"已读 / read {rows} 行 / rows", highlight=False)

        job = passlist_import_run(import_id=job.pk, progress=progress)
    _summary(job)
    if job.error_workbook:
        workbook = stored_path(job.error_workbook)
        if errors is not None:
            shutil.copyfile(workbook, errors)
            workbook = errors
        console.print(f"错误清单 / error workbook: {workbook}")
    if job.state == ImportState.FAILED:
        raise typer.Exit(2)
    if job.state != ImportState.COMPLETED:
        raise typer.Exit(1)


def _summary(job: PassListImport) -> None:
    from ecert.issuance.models import ImportState

    lines = [
        f"导入 / import {job.reference}: {ImportState(job.state).label}",
        f"数据行 / rows: {job.rows_read}",
        f"新签发 / issued: {job.issued}",
        f"此前已签发 / already issued: {job.already_issued}",
        f"有错误的行 / rows with errors: {job.rows_invalid}",
    ]
    for batch in job.batches.all():
        root = bytes(batch.merkle_root or b"").hex()
        lines.append(f"批次 / batch {batch.reference}: {batch.size}, Merkle root {root}")
    if job.message:
        lines.append(job.message)
    for line in lines:
        typer.echo(line)
