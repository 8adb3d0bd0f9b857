"""``ecert credential``: change a credential's status or correct it from the command line, as the
operator of the server (no scope) or on behalf of a user (``--as``, within their scope)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ecert.cli.base import console, django_setup

credential_app = typer.Typer(
    no_args_is_help=True, help="证书状态与更正 / credential status and corrections"
)

STATUS_WORDS = {"suspend": "suspended", "reinstate": "valid", "revoke": "revoked"}


def _actor(username: str | None):  # type: ignore[no-untyped-def]
    from ecert.accounts.models import User

    if username is None:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        console.print(f"没有该用户 / no such active user: {username}", style="red", markup=False)
        raise typer.Exit(2)
    return user


@credential_app.command("status")
def status(
    public_id: Annotated[str, typer.Argument(help="the credential's public id")],
    change: Annotated[str, typer.Argument(help="suspend, reinstate or revoke")],
    reason: Annotated[str, typer.Option(help="why; kept in the audit log")],
    as_user: Annotated[
        str | None, typer.Option("--as", help="act as this user, in their scope")
    ] = None,
) -> None:
    """暂停、恢复或撤销证书 / Suspend, reinstate or revoke a credential; exit 0 done, 1 refused,
    2 unusable arguments."""
    django_setup()
    from ecert.core.errors import EcertError
    from ecert.core.rules.kinds import CredentialStatus
    from ecert.credentials.models import Credential
    from ecert.credentials.services import credential_set_status

    if change not in STATUS_WORDS:
        console.print(
            f"请用 suspend、reinstate 或 revoke / use suspend, reinstate or revoke: {change}"
        )
        raise typer.Exit(2)
    actor = _actor(as_user)
    credential = Credential.objects.filter(public_id=public_id.strip().upper()).first()
    try:
        if credential is None:
            raise EcertError(
                "not_found", f"没有该证书 {public_id}", f"no such credential {public_id}"
            )
        changed = credential_set_status(
            actor=actor,
            credential=credential,
            status=CredentialStatus(STATUS_WORDS[change]),
            reason=reason,
        )
    except EcertError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from error
    console.print(f"{changed.public_id}: {credential.status} → {changed.status}", highlight=False)


@credential_app.command("correct")
def correct(
    public_id: Annotated[str, typer.Argument(help="the credential's public id")],
    reason: Annotated[str, typer.Option(help="why; kept with the correction")],
    name: Annotated[str | None, typer.Option(help="the corrected name")] = None,
    id_number: Annotated[str | None, typer.Option(help="the corrected ID number")] = None,
    id_type: Annotated[str, typer.Option(help="its type: resident_id, passport …")] = "resident_id",
    sex: Annotated[str | None, typer.Option(help="male or female")] = None,
    birth_month: Annotated[str | None, typer.Option(help="YYYY-MM")] = None,
    level: Annotated[str | None, typer.Option()] = None,
    specialty: Annotated[str | None, typer.Option()] = None,
    approval_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    number: Annotated[str | None, typer.Option(help="the corrected management number")] = None,
    evidence: Annotated[
        Path | None, typer.Option(help="scan of the evidence (PDF, JPEG, PNG)")
    ] = None,
    as_user: Annotated[str, typer.Option("--as", help="the managing authority's clerk")] = "",
) -> None:
    """更正证书信息 / Correct a credential: a new credential supersedes it; prints the new public
    id. Exit 0 done, 1 refused, 2 unusable arguments."""
    django_setup()
    from ecert.core.errors import EcertError
    from ecert.core.identity.idnumbers import IdType, Sex, parse_id_number
    from ecert.credentials.models import Credential
    from ecert.credentials.services import Correction, credential_correct

    actor = _actor(as_user or None)
    if actor is None:
        console.print("更正须以管理该证书的经办人名义进行：--as 用户名 / give --as USERNAME")
        raise typer.Exit(2)
    try:
        month = None
        if birth_month:
            year, _, month_text = birth_month.partition("-")
            month = (int(year), int(month_text))
        correction = Correction(
            name=name,
            id_number=parse_id_number(id_number, IdType(id_type)) if id_number else None,
            sex=Sex(sex) if sex else None,
            birth_month=month,
            level=level,
            specialty=specialty,
            approval_date=date.fromisoformat(approval_date) if approval_date else None,
            number=number,
        )
    except (ValueError, EcertError) as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(2) from error
    credential = Credential.objects.filter(public_id=public_id.strip().upper()).first()
    try:
        if credential is None:
            raise EcertError(
                "not_found", f"没有该证书 {public_id}", f"no such credential {public_id}"
            )
        replacement = credential_correct(
            actor=actor,
            credential=credential,
            correction=correction,
            reason=reason,
            evidence=evidence.read_bytes() if evidence else None,
            evidence_name=evidence.name if evidence else "",
        )
    except EcertError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from error
    console.print(
        f"{credential.public_id} → {replacement.public_id} ({replacement.printed_number()})",
        highlight=False,
    )
