"""The user pages of the back office: a security administrator manages the staff accounts of their
subtree; others are refused, and an account beyond the scope answers like one that does not exist
(which pages open for whom: tests/backoffice/test_permissions.py)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from ecert.accounts.models import RoleAssignment, User
from ecert.audit.models import AuditEvent
from ecert.core.rules.roles import Role
from tests.conftest import PASSWORD, World


def _as(client: Client, world: World, who: str) -> Client:
    client.force_login(world.users[who])
    return client


def _new_clerk(client: Client, **fields: str) -> str:
    answer = client.post(
        reverse("backoffice:user_new"),
        {
            "username": "jinan_new",
            "display_name": "新经办人",
            "role": Role.CITY_CLERK.value,
            "authority": "sd-jinan",
            **fields,
        },
    )
    return answer.content.decode()


def test_a_clerk_is_refused_every_user_page(world: World, client: Client) -> None:
    _as(client, world, "province_admin")

    created = client.post(reverse("backoffice:user_new"), {"username": "x", "role": "city_clerk"})
    disabled = client.post(reverse("backoffice:user_disable", args=["jinan_clerk"]))

    assert (created.status_code, disabled.status_code) == (403, 403)
    assert world.user("jinan_clerk").is_active
    assert not User.objects.filter(username="x").exists()


def test_the_administrator_creates_a_clerk_and_sees_the_password_once(
    world: World, client: Client
) -> None:
    page = _new_clerk(_as(client, world, "sd_security"))

    account = User.objects.get(username="jinan_new")
    assert "账户已创建" in page
    assert "只显示这一次" in page
    shown = page.split('data-testid="temporary-password">')[1].split("<")[0]
    assert authenticate(None, username="jinan_new", password=shown) == account
    assert account.roles() == {Role.CITY_CLERK}
    assert client.get(reverse("backoffice:user_detail", args=["jinan_new"])).status_code == 200
    assert (
        shown
        not in client.get(reverse("backoffice:user_detail", args=["jinan_new"])).content.decode()
    )


def test_no_account_is_created_beyond_the_scope(world: World, client: Client) -> None:
    page = _new_clerk(_as(client, world, "sd_security"), authority="ha-zhengzhou")

    assert "选择一个有效的选项" in page  # the authority is not among those offered
    assert not User.objects.filter(username="jinan_new").exists()


def test_an_account_of_another_province_answers_not_found(world: World, client: Client) -> None:
    _as(client, world, "sd_security")
    henan = world.users["department_clerk"]
    held = RoleAssignment.objects.get(user=henan)

    answers = [
        client.post(reverse("backoffice:user_disable", args=["department_clerk"])),
        client.post(reverse("backoffice:user_enable", args=["department_clerk"])),
        client.post(reverse("backoffice:user_password_reset", args=["department_clerk"])),
        client.post(
            reverse("backoffice:user_role_revoke", args=["department_clerk", held.pk]),
        ),
        client.post(
            reverse("backoffice:user_role_assign", args=["department_clerk"]),
            {"role": "city_clerk", "authority": "sd-jinan"},
        ),
        client.get(reverse("backoffice:user_detail", args=["nobody-at-all"])),
    ]

    assert [a.status_code for a in answers] == [404] * 6
    assert world.user("department_clerk").is_active
    assert world.user("department_clerk").roles() == {Role.DEPARTMENT_CLERK}


def test_disabling_asks_for_confirmation_then_disables(world: World, client: Client) -> None:
    _as(client, world, "sd_security")
    url = reverse("backoffice:user_disable", args=["jinan_clerk"])

    confirm = client.get(url).content.decode()
    assert world.user("jinan_clerk").is_active  # not before confirming
    assert "API 令牌停止使用" in confirm
    done = client.post(url, follow=True).content.decode()

    assert not world.user("jinan_clerk").is_active
    assert "账户已停用。" in done
    client.post(reverse("backoffice:user_enable", args=["jinan_clerk"]))
    assert world.user("jinan_clerk").is_active
    actions = AuditEvent.objects.filter(object_id=str(world.users["jinan_clerk"].pk))
    assert {"user.disabled", "user.enabled"} <= set(actions.values_list("action", flat=True))


def test_changes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["sd_security"])

    answer = client.post(reverse("backoffice:user_disable", args=["jinan_clerk"]))

    assert answer.status_code == 403
    assert world.user("jinan_clerk").is_active


def test_the_administrator_cannot_disable_themselves(world: World, client: Client) -> None:
    _as(client, world, "sd_security")

    page = client.post(
        reverse("backoffice:user_disable", args=["sd_security"]), follow=True
    ).content.decode()

    assert "不能更改自己账户的角色或状态" in page
    assert world.user("sd_security").is_active


def test_separation_of_duties_is_said_in_chinese(world: World, client: Client) -> None:
    _as(client, world, "sd_security")

    page = client.post(
        reverse("backoffice:user_role_assign", args=["jinan_clerk"]),
        {"role": Role.AUDITOR.value, "authority": "sd-hrss"},
        follow=True,
    ).content.decode()

    assert "三员分立：安全审计员与市级经办人不能由同一人担任" in page
    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}


def test_a_role_is_assigned_and_revoked(world: World, client: Client) -> None:
    _as(client, world, "sd_security")
    client.post(
        reverse("backoffice:user_role_assign", args=["jinan_clerk"]),
        {"role": Role.CITY_CLERK.value, "authority": "sd-zibo"},
    )
    added = RoleAssignment.objects.get(user=world.users["jinan_clerk"], authority__key="sd-zibo")

    client.post(reverse("backoffice:user_role_revoke", args=["jinan_clerk", added.pk]))

    assert RoleAssignment.objects.get(pk=added.pk).revoked_at is not None
    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}


def test_a_password_reset_shows_the_temporary_password_once(world: World, client: Client) -> None:
    _as(client, world, "sd_security")

    page = client.post(
        reverse("backoffice:user_password_reset", args=["jinan_clerk"]), {"password": ""}
    )

    assert "no-store" in page["Cache-Control"]
    shown = page.content.decode().split('data-testid="temporary-password">')[1].split("<")[0]
    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is None
    assert authenticate(None, username="jinan_clerk", password=shown) is not None
    assert world.user("jinan_clerk").must_change_password


def test_the_list_marks_accounts_with_roles_beyond_the_scope(world: World, client: Client) -> None:
    _as(client, world, "security_admin")
    client.post(
        reverse("backoffice:user_role_assign", args=["jinan_clerk"]),
        {"role": Role.CITY_CLERK.value, "authority": "ha-zhengzhou"},
    )
    _as(client, world, "sd_security")

    page = client.get(reverse("backoffice:user_list")).content.decode()

    row = page.split('data-username="jinan_clerk"')[1].split("</tr>")[0]
    assert "另有角色在您的管理范围之外" in row
    assert reverse("backoffice:user_detail", args=["jinan_clerk"]) not in row
    assert client.get(reverse("backoffice:user_detail", args=["jinan_clerk"])).status_code == 404


def test_a_weak_typed_password_is_refused_beside_its_field(world: World, client: Client) -> None:
    page = _new_clerk(_as(client, world, "sd_security"), password="12345678")

    reasons = page.split('id="id_password_error"><li>')[1].split("</li>")[0]
    assert reasons == "密码太短，至少需要 10 个字符。；这个密码太常见了。；密码只包含数字。"
    assert not User.objects.filter(username="jinan_new").exists()
