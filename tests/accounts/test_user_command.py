"""`ecert user`: the operator manages staff accounts from the server, with the same rules and audit
events as the back office (the actor is recorded as ``system``)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from typer.testing import CliRunner

from ecert.accounts.models import User
from ecert.audit.models import AuditEvent
from ecert.cli import app
from ecert.core.rules.roles import Role
from tests.conftest import PASSWORD, World

TYPED = "typed-temporary-2026"


def _run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["user", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_create_prints_a_temporary_password_once_that_must_be_changed(world: World) -> None:
    code, out, err = _run(
        "create",
        "zibo_clerk",
        "--role",
        "city_clerk",
        "--authority",
        "sd-zibo",
        "--display-name",
        "淄博经办人",
    )

    assert code == 0, err
    made = out.strip().splitlines()[-1]
    account = User.objects.get(username="zibo_clerk")
    assert authenticate(None, username="zibo_clerk", password=made) == account
    assert account.must_change_password
    assert account.roles() == {Role.CITY_CLERK}
    assert "只显示这一次" in err
    created = AuditEvent.objects.get(action="user.created", object_id=str(account.pk))
    assert (created.actor_label, created.authority.key if created.authority else "") == (
        "system",
        "sd-zibo",
    )


def test_a_typed_password_is_asked_twice_and_never_printed(world: World) -> None:
    code, out, err = _run(
        "reset-password", "jinan_clerk", "--ask-password", input=f"{TYPED}\n{TYPED}\n"
    )

    assert code == 0, err
    assert TYPED not in out + err
    assert authenticate(None, username="jinan_clerk", password=TYPED) is not None
    assert world.user("jinan_clerk").must_change_password


def test_separation_of_duties_is_refused_with_its_reason(world: World) -> None:
    code, _out, err = _run(
        "assign", "jinan_clerk", "--role", "security_admin", "--authority", "sd-hrss"
    )

    assert code == 1
    assert "三员分立" in err
    assert "separation of duties" in err
    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}


def test_disable_list_enable(world: World) -> None:
    assert _run("disable", "jinan_clerk")[0] == 0
    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is None
    listed = _run("list", "--authority", "sd-jinan")[1]
    assert "jinan_clerk\tdisabled\tcity_clerk@sd-jinan" in listed
    assert "qingdao_clerk" not in listed

    assert _run("enable", "jinan_clerk")[0] == 0
    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is not None
    actions = AuditEvent.objects.filter(actor_label="system", action__startswith="user.")
    assert {"user.disabled", "user.enabled"} <= set(actions.values_list("action", flat=True))


def test_assign_then_revoke_but_never_the_last_role(world: World) -> None:
    assert _run("assign", "jinan_clerk", "--role", "city_clerk", "--authority", "sd-zibo")[0] == 0
    assert _run("revoke", "jinan_clerk", "--role", "city_clerk", "--authority", "sd-zibo")[0] == 0

    code, _out, err = _run(
        "revoke", "jinan_clerk", "--role", "city_clerk", "--authority", "sd-jinan"
    )

    assert code == 1
    assert "唯一的角色" in err
    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}


def test_an_unknown_user_or_authority_exits_2(world: World) -> None:
    assert _run("disable", "nobody")[0] == 2
    code, _out, err = _run("create", "x1", "--role", "city_clerk", "--authority", "nowhere")
    assert code == 2
    assert "没有该机构" in err
    assert not User.objects.filter(username="x1").exists()
