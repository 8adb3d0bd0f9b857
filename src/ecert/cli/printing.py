"""``ecert print-file``: one PDF of many certificates for printing on paper, with a progress bar.

Runs the same services as the back office, in this process. Exit codes: 0 written; 1 the print
file failed (nothing written); 2 the selection or the options could not be used.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecert.core.errors import EcertError

console = Console(stderr=True)


def print_file(
    authority: Annotated[
        str, typer.Option(help="authority the file is made at; only what it manages is printed")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF file to write")],
    batch: Annotated[
        str | None, typer.Option(help="issuance batch reference: its valid certificates")
    ] = None,
    ids: Annotated[
        str | None, typer.Option(help="public ids separated by commas, printed in that order")
    ] = None,
    with_seal: Annotated[
        bool,
        typer.Option(
            "--with-seal", help="draw the seal picture too (paper normally gets a real stamp)"
        ),
    ] = False,
) -> None:
    """制作证书打印文件（PDF）/ Make a print file (PDF) of many certificates."""
    from ecert.cli.base import django_setup

    django_setup()
    from ecert.authorities.models import Authority
    from ecert.credentials.models import IssuanceBatch
    from ecert.documents.models import PrintFileState
    from ecert.documents.printing import (
        print_file_create,
        print_file_path,
        print_file_run,
    )

    if (batch is None) == (ids is None):
        console.print("请给出 --batch 或 --ids 之一 / give either --batch or --ids")
        raise typer.Exit(2)
    at = Authority.objects.filter(key=authority).first()
    if at is None:
        console.print(f"[red]没有机构 / no authority {authority}[/red]")
        raise typer.Exit(2)
    chosen_batch = None
    if batch is not None:
        chosen_batch = IssuanceBatch.objects.filter(reference=batch.strip()).first()
        if chosen_batch is None:
            console.print(f"[red]没有签发批次 / no issuance batch {batch}[/red]")
            raise typer.Exit(2)
    public_ids = ids.split(",") if ids is not None else None
    try:
        job = print_file_create(
            actor=None,
            authority=at,
            batch=chosen_batch,
            public_ids=public_ids,
            now=datetime.now(UTC),
        )
    except EcertError as refused:
        console.print(f"[red]{refused.zh}[/red] / {refused.en}")
        raise typer.Exit(2) from refused
    with Progress(
        TextColumn("排版 / composing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("页 / pages"),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
    ) as bar:
        task = bar.add_task("pages", total=job.pages)
        job = print_file_run(
            job.pk,
            with_seal=with_seal,
            progress=lambda pages: bar.update(task, completed=pages),
        )
    path = print_file_path(job)
    if job.state != PrintFileState.COMPLETED or path is None:
        console.print(f"[red]打印文件 {job.reference} 未生成 / print file failed[/red]")
        console.print(job.message, markup=False)
        raise typer.Exit(1)
    shutil.copyfile(path, output)
    typer.echo(f"{output}  {job.pages} 页 / pages  sha256 {job.sha256}  ({job.reference})")
