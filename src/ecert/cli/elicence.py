"""``ecert elicence export``: one zip of an authority's e-licences (GB/T 36903 metadata records and
sealed documents, with a manifest of digests) for the provincial e-licence platform to ingest.

Exit codes: 0 written; 2 the selection or the options could not be used (nothing written).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ecert.core.errors import EcertError

elicence_app = typer.Typer(
    no_args_is_help=True, help="电子证照平台交换 / e-licence platform exchange"
)
console = Console(stderr=True)


def _refuse(zh: str, en: str) -> typer.Exit:
    console.print(f"{zh} / {en}", style="red", markup=False)
    return typer.Exit(2)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise _refuse(
            f"{option} 应为 YYYY-MM-DD 格式的日期，实为 {text!r}",
            f"{option} must be a YYYY-MM-DD date, not {text!r}",
        ) from None


@elicence_app.command("export")
def export(
    authority: Annotated[
        str, typer.Option(help="authority exported at; only what it manages goes in")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="zip file to write")],
    kind: Annotated[
        str | None, typer.Option(help="only this kind, e.g. exam_proof, title_certificate")
    ] = None,
    issued_from: Annotated[
        str | None, typer.Option("--from", help="first issue date, YYYY-MM-DD")
    ] = None,
    issued_to: Annotated[
        str | None, typer.Option("--to", help="last issue date, YYYY-MM-DD")
    ] = None,
    batch: Annotated[str | None, typer.Option(help="only this issuance batch (reference)")] = None,
    as_user: Annotated[
        str | None, typer.Option("--as", help="act as this user, in their scope")
    ] = None,
) -> None:
    """导出电子证照交换包 / Export an e-licence exchange batch (zip)."""
    from ecert.cli.base import django_setup

    django_setup()
    from ecert.accounts.models import User
    from ecert.authorities.models import Authority
    from ecert.core.rules.kinds import CredentialKind
    from ecert.credentials.models import IssuanceBatch
    from ecert.documents.elicence import ElicenceSelection, elicence_export

    actor = None
    if as_user is not None:
        actor = User.objects.filter(username=as_user, is_active=True).first()
        if actor is None:
            raise _refuse(f"没有该用户：{as_user}", f"no such active user: {as_user}")
    at = Authority.objects.filter(key=authority.strip()).first()
    if at is None:
        raise _refuse(f"没有机构 {authority}", f"no authority {authority}")
    chosen_kind = None
    if kind is not None:
        try:
            chosen_kind = CredentialKind(kind.strip())
        except ValueError:
            kinds = ", ".join(k.value for k in CredentialKind)
            raise _refuse(
                f"--kind 应为以下之一：{kinds}", f"--kind must be one of: {kinds}"
            ) from None
    chosen_batch = None
    if batch is not None:
        chosen_batch = IssuanceBatch.objects.filter(reference=batch.strip()).first()
        if chosen_batch is None:
            raise _refuse(f"没有签发批次 {batch}", f"there is no issuance batch {batch}")
    selection = ElicenceSelection(
        authority=at,
        kind=chosen_kind,
        issued_from=_day(issued_from, "--from"),
        issued_to=_day(issued_to, "--to"),
        batch=chosen_batch,
    )
    try:
        done = elicence_export(
            actor=actor, selection=selection, output=output, now=datetime.now(UTC)
        )
    except EcertError as refused:
        where = f"{refused.file}: " if refused.file else ""
        raise _refuse(f"{where}{refused.zh}", f"{where}{refused.en}") from refused
    statuses = ", ".join(f"{name} {count}" for name, count in sorted(done.by_status.items()))
    typer.echo(
        f"{done.path}  {done.credentials} 张证照 / licences ({statuses}), "
        f"{done.documents} 份文件 / documents  sha256 {done.sha256}"
    )
