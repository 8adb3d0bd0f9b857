"""``ecert api-token``: bearer tokens for systems that push pass lists through the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

api_token_app = typer.Typer(no_args_is_help=True, help="API 令牌 / API tokens")
console = Console(stderr=True)


def _setup() -> None:
    from ecert.cli.base import django_setup

    django_setup()


@api_token_app.command("create")
def api_token_create_command(
    username: Annotated[str, typer.Argument(help="the user the token acts as")],
    name: Annotated[str, typer.Option(help="what the token is for, e.g. the calling system")],
) -> None:
    """创建 API 令牌（只显示一次）/ Create an API token (shown once)."""
    _setup()
    from ecert.accounts.models import User
    from ecert.accounts.services import api_token_create

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        console.print(f"没有该用户 / no such active user: {username}", style="red", markup=False)
        raise typer.Exit(2)
    if not name.strip():
        console.print("[red]请用 --name 说明令牌的用途 / give the token a --name[/red]")
        raise typer.Exit(2)
    api_token, token = api_token_create(actor=None, user=user, name=name)
    console.print(
        f"令牌 {api_token.key_prefix}… 已创建，只显示这一次，请妥善保存 / "
        f"token {api_token.key_prefix}… created; it is shown only this once, keep it safe:",
        highlight=False,
    )
    typer.echo(token)


@api_token_app.command("list")
def api_token_list_command(
    username: Annotated[str | None, typer.Argument(help="only this user's tokens")] = None,
) -> None:
    """列出 API 令牌 / List API tokens."""
    _setup()
    from ecert.accounts.models import ApiToken

    tokens = ApiToken.objects.select_related("user")
    if username is not None:
        tokens = tokens.filter(user__username=username)
    for api_token in tokens:
        state = "revoked" if api_token.revoked_at else "active"
        used = f"{api_token.last_used_at:%Y-%m-%d %H:%M}" if api_token.last_used_at else "-"
        typer.echo(
            f"{api_token.key_prefix}\t{api_token.user.username}\t{state}\t{used}\t{api_token.name}"
        )


@api_token_app.command("revoke")
def api_token_revoke_command(
    prefix: Annotated[str, typer.Argument(help="the token's prefix, as `list` shows it")],
) -> None:
    """吊销 API 令牌 / Revoke an API token."""
    _setup()
    from ecert.accounts.models import ApiToken
    from ecert.accounts.services import api_token_revoke

    found = list(ApiToken.objects.filter(key_prefix=prefix, revoked_at__isnull=True)[:2])
    if len(found) != 1:
        console.print(
            f"没有唯一匹配的有效令牌 / no single active token {prefix}", style="red", markup=False
        )
        raise typer.Exit(2)
    api_token_revoke(actor=None, api_token=found[0])
    console.print(f"已吊销 / revoked {prefix}", highlight=False)


def holder_code(
    public_id: Annotated[str, typer.Argument(help="a credential of the holder (its public id)")],
    portal_url: Annotated[
        str | None,
        typer.Option(help="the portal's activation address printed on the notice"),
    ] = None,
) -> None:
    """签发持证人账户激活码（只显示一次）/ Issue a holder's portal activation code (shown once)."""
    _setup()
    from django.conf import settings
    from django.utils import timezone

    from ecert.accounts.services import ACTIVATION_LIFETIME, activation_code_issue
    from ecert.credentials.models import Credential

    credential = (
        Credential.objects.select_related("holder", "issuing_authority", "registration_authority")
        .filter(public_id=public_id.strip().upper())
        .first()
    )
    if credential is None:
        console.print(f"没有该证书 / no such credential: {public_id}", style="red", markup=False)
        raise typer.Exit(2)
    now = timezone.now()
    code = activation_code_issue(
        actor=None,
        holder=credential.holder,
        now=now,
        authority=credential.registration_authority or credential.issuing_authority,
    )
    address = portal_url or (
        f"{settings.ECERT_VERIFY_SCHEME}://{settings.ECERT_VERIFY_HOST}/my/activate/"
    )
    expires = timezone.localtime(now + ACTIVATION_LIFETIME)
    typer.echo(
        "持证人账户激活通知\n"
        f"持证人：{credential.holder.name}（{credential.holder.id_number_masked}）\n"
        f"激活码：{code}\n"
        f"有效期至：{expires:%Y-%m-%d %H:%M}\n"
        f"网址：{address}\n"
        "请用手机或电脑打开上述网址，输入身份证件号码和激活码并设置密码（至少 10 位）。"
        "激活码只能使用一次，输错 5 次即作废，请勿告诉他人。"
    )
