"""``ecert render``: the sealed PDF of a stored credential, a 加注 copy, or a face's sample layout;
``--format ofd`` writes the OFD (GB/T 33190) of the credential or sample instead, not sealed.

Exit codes: 0 written; 1 the credential cannot be sealed (unsigned, not valid, a character no font
draws, no key); 2 unknown credential, face or option.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecert.core.errors import EcertError

console = Console(stderr=True)


def render(
    public_id: Annotated[
        str | None, typer.Argument(help="public id of a stored, signed credential")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="PDF file to write")] = None,
    purpose: Annotated[
        str | None, typer.Option(help="make a 加注 copy for this purpose (≤ 20 characters)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="last valid day of the 加注 copy, YYYY-MM-DD")
    ] = None,
    sample: Annotated[
        str | None,
        typer.Option(
            help="render a face's sample layout instead (unsigned), e.g. national-style-1"
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="pdf (sealed) or ofd (GB/T 33190, not sealed)")
    ] = "pdf",
) -> None:
    """生成盖章的电子证书 PDF / Write the sealed PDF of a credential (or a face's sample)."""
    from ecert.cli.base import django_setup

    django_setup()
    if format not in ("pdf", "ofd"):
        console.print(f"格式应为 pdf 或 ofd：{format} / --format is pdf or ofd")
        raise typer.Exit(2)
    if sample is not None:
        _render_sample(sample, output or Path(f"{sample}.{format}"), ofd=format == "ofd")
        return
    if public_id is None:
        console.print("请给出证书的公开编号或 --sample / give a public id or --sample")
        raise typer.Exit(2)
    if (purpose is None) != (until is None):
        console.print("--purpose 与 --until 须同时给出 / give both --purpose and --until")
        raise typer.Exit(2)
    if format == "ofd" and purpose is not None:
        console.print("加注副本只有 PDF / a 加注 copy is made as PDF only")
        raise typer.Exit(2)

    from ecert.credentials.models import Credential
    from ecert.documents.models import Media
    from ecert.documents.services import (
        DOCUMENT_REFUSALS,
        SCOPED_COPY_REFUSALS,
        document_original,
        document_path,
        document_scoped,
        scoped_copy_create,
    )

    credential = (
        Credential.objects.select_related("holder", "qualification", "issuing_authority")
        .filter(public_id=public_id.strip().upper())
        .first()
    )
    if credential is None:
        console.print(f"没有公开编号为 {public_id} 的证书 / no credential {public_id}")
        raise typer.Exit(2)
    now = datetime.now(UTC)
    refusals = DOCUMENT_REFUSALS  # each step answers only its own refusals, as before
    try:
        if purpose is not None and until is not None:
            refusals = SCOPED_COPY_REFUSALS
            copy = scoped_copy_create(
                actor=None,
                credential=credential,
                purpose=purpose,
                valid_until=_day(until),
                now=now,
            )
            refusals = DOCUMENT_REFUSALS
            document = document_scoped(actor=None, scoped_copy=copy, now=now)
        else:
            media = Media.OFD if format == "ofd" else Media.PDF
            document = document_original(actor=None, credential=credential, now=now, media=media)
    except EcertError as error:
        if error.code not in refusals:
            raise
        console.print(f"[red]{error.zh}[/red] / {error.en}")
        raise typer.Exit(1) from error
    target = output or Path(f"{credential.public_id}.{document.media}")
    shutil.copyfile(document_path(document), target)
    console.print(f"{target}  sha256 {document.sha256}  {document.size:,} bytes")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        console.print(f"日期格式应为 YYYY-MM-DD：{text} / not a YYYY-MM-DD date: {text}")
        raise typer.Exit(2) from error


def _render_sample(face_name: str, target: Path, *, ofd: bool = False) -> None:
    from ecert.core.documents.faces import Face, sample_page
    from ecert.core.documents.ofd import OFD_REFUSALS, ofd_from_pdf
    from ecert.documents.services import RENDER_REFUSALS, renderer

    try:
        face = Face(face_name)
    except ValueError as error:
        names = ", ".join(f.value for f in Face)
        console.print(f"没有这种版式：{face_name}（可选 {names}）/ no such face")
        raise typer.Exit(2) from error
    try:
        pdf = renderer().document([sample_page(face)], created=datetime.now(UTC))
    except EcertError as error:
        if error.code not in RENDER_REFUSALS:
            raise  # the sample's QR code, say: as before
        console.print(f"[red]{error.zh}[/red] / {error.en}")
        raise typer.Exit(1) from error
    if ofd:
        doc_id = hashlib.sha256(pdf).hexdigest()[:32]
        created = datetime.now(UTC)
        try:
            pdf = ofd_from_pdf(pdf, title=face.value, created=created, doc_id=doc_id).to_zip()
        except EcertError as error:
            if error.code not in OFD_REFUSALS:
                raise
            console.print(f"[red]{error.zh}[/red] / {error.en}")
            raise typer.Exit(1) from error
    target.write_bytes(pdf)
    console.print(f"{target}  (样张，未签章 / sample, not signed)")
