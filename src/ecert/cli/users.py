"""``ecert user``: staff accounts from the server's command line, for the operator (the actions are
those of the back office's user pages; the audit log names the actor ``system``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from ecert.core.errors import EcertError
from ecert.core.rules.roles import ROLE_LABELS, STAFF_ROLES, Role

if TYPE_CHECKING:
    from ecert.accounts.models import RoleAssignment, User
    from ecert.authorities.models import Authority

user_app = typer.Typer(no_args_is_help=True, help="工作人员账户 / staff accounts")
console = Console(stderr=True)

ROLE_HELP = "role: " + ", ".join(f"{role.value} ({ROLE_LABELS[role][0]})" for role in STAFF_ROLES)
RoleOption = Annotated[Role, typer.Option("--role", help=ROLE_HELP, case_sensitive=False)]
AuthorityOption = Annotated[str, typer.Option("--authority", help="the authority's key")]
UsernameArgument = Annotated[str, typer.Argument(help="the account's user name")]
AskPassword = Annotated[
    bool,
    typer.Option(
        "--ask-password", help="type the temporary password (otherwise one is made and shown)"
    ),
]


def _setup() -> None:
    from ecert.cli.base import django_setup

    django_setup()


def _fail(zh: str, en: str, code: int = 2) -> NoReturn:
    console.print(f"{zh} / {en}", style="red", markup=False, highlight=False)
    raise typer.Exit(code)


def _refused(error: EcertError) -> NoReturn:
    _fail(error.zh, error.en, code=1)


def _account(username: str) -> User:
    from ecert.accounts.models import User

    account = User.objects.filter(username=username).first()
    if account is None:
        _fail(f"没有该用户：{username}", f"no such user: {username}")
    return account


def _authority(key: str) -> Authority:
    from ecert.authorities.models import Authority

    authority = Authority.objects.filter(key=key).first()
    if authority is None:
        _fail(f"没有该机构：{key}", f"no such authority: {key}")
    return authority


def _typed_password(ask: bool) -> str | None:
    if not ask:
        return None
    typed: str = typer.prompt(
        "临时密码 / temporary password", hide_input=True, confirmation_prompt=True
    )
    return typed


def _show_temporary(username: str, made: str | None) -> None:
    if made is None:
        console.print(
            f"{username}：临时密码为刚才输入的密码，首次登录时须修改 / the temporary password is "
            "the one typed; it must be changed at the first sign-in",
            highlight=False,
        )
        return
    console.print(
        f"{username} 的临时密码如下，只显示这一次，首次登录时须修改 / {username}'s temporary "
        "password, shown only this once; it must be changed at the first sign-in:",
        highlight=False,
    )
    typer.echo(made)


def _roles(account: User) -> str:
    held = [
        f"{a.role}@{a.authority.key}" if a.authority is not None else a.role
        for a in account.active_assignments()
    ]
    return ",".join(held) or "-"


@user_app.command("list")
def user_list_command(
    authority: Annotated[
        str | None, typer.Option(help="only accounts with a role in this authority's subtree")
    ] = None,
) -> None:
    """列出工作人员账户 / List staff accounts: name, state, roles, display name."""
    _setup()
    from ecert.accounts.models import User

    accounts = User.objects.filter(role_assignments__revoked_at__isnull=True)
    if authority is not None:
        path = _authority(authority).path
        accounts = accounts.filter(role_assignments__authority__path__startswith=path)
    for account in accounts.distinct().order_by("username"):
        state = "active" if account.is_active else "disabled"
        typer.echo(f"{account.username}\t{state}\t{_roles(account)}\t{account.display_name}")


@user_app.command("create")
def user_create_command(
    username: UsernameArgument,
    role: RoleOption,
    authority: AuthorityOption,
    display_name: Annotated[str, typer.Option(help="the name shown in the back office")] = "",
    ask_password: AskPassword = False,
) -> None:
    """创建工作人员账户及其第一个角色 / Create a staff account with its first role."""
    _setup()
    from ecert.accounts.services import staff_account_create

    place = _authority(authority)
    try:
        account, made = staff_account_create(
            actor=None,
            username=username,
            display_name=display_name,
            role=role,
            authority=place,
            password=_typed_password(ask_password),
        )
    except EcertError as error:
        _refused(error)
    console.print(f"已创建 / created: {account.username} ({_roles(account)})", highlight=False)
    _show_temporary(account.username, made)


@user_app.command("disable")
def user_disable_command(username: UsernameArgument) -> None:
    """停用账户：不能登录，API 令牌失效 / Disable an account: no sign-in, its API tokens stop."""
    _setup()
    from ecert.accounts.services import staff_account_disable

    try:
        staff_account_disable(actor=None, account=_account(username))
    except EcertError as error:
        _refused(error)
    console.print(f"已停用 / disabled: {username}", highlight=False)


@user_app.command("enable")
def user_enable_command(username: UsernameArgument) -> None:
    """重新启用账户 / Enable a disabled account again."""
    _setup()
    from ecert.accounts.services import staff_account_enable

    try:
        staff_account_enable(actor=None, account=_account(username))
    except EcertError as error:
        _refused(error)
    console.print(f"已启用 / enabled: {username}", highlight=False)


@user_app.command("assign")
def user_assign_command(
    username: UsernameArgument, role: RoleOption, authority: AuthorityOption
) -> None:
    """分配角色（遵守三员分立）/ Assign a role (separation of duties applies)."""
    _setup()
    from ecert.accounts.services import staff_role_assign

    try:
        staff_role_assign(
            actor=None, account=_account(username), role=role, authority=_authority(authority)
        )
    except EcertError as error:
        _refused(error)
    console.print(f"已分配 / assigned: {username} {role.value}@{authority}", highlight=False)


@user_app.command("revoke")
def user_revoke_command(
    username: UsernameArgument, role: RoleOption, authority: AuthorityOption
) -> None:
    """撤销角色（不能撤销唯一的角色）/ Revoke a role (not an account's only one)."""
    _setup()
    from ecert.accounts.services import staff_role_revoke

    account = _account(username)
    held: RoleAssignment | None = next(
        (
            a
            for a in account.active_assignments()
            if a.role == role.value and a.authority is not None and a.authority.key == authority
        ),
        None,
    )
    if held is None:
        _fail(
            f"{username} 没有该角色：{role.value}@{authority}",
            f"{username} does not hold {role.value}@{authority}",
        )
    try:
        staff_role_revoke(actor=None, assignment=held)
    except EcertError as error:
        _refused(error)
    console.print(f"已撤销 / revoked: {username} {role.value}@{authority}", highlight=False)


@user_app.command("reset-password")
def user_reset_password_command(
    username: UsernameArgument, ask_password: AskPassword = False
) -> None:
    """重置密码为临时密码，并解除登录锁定 / Reset to a temporary password, and lift a lockout."""
    _setup()
    from ecert.accounts.services import staff_password_reset

    try:
        made = staff_password_reset(
            actor=None, account=_account(username), password=_typed_password(ask_password)
        )
    except EcertError as error:
        _refused(error)
    _show_temporary(username, made)
