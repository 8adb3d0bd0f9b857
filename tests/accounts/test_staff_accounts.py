"""What a security administrator may do to staff accounts: within their scope and the 三员分立 rules,
each change audited, and what a disabled account or a reset password then means."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate

from ecert.accounts.models import RoleAssignment, User
from ecert.accounts.services import (
    api_token_authenticate,
    api_token_create,
    role_assign,
    staff_account_create,
    staff_account_disable,
    staff_account_enable,
    staff_password_change,
    staff_password_reset,
    staff_role_assign,
    staff_role_revoke,
    user_create,
)
from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Role
from tests.conftest import PASSWORD, World

NEW_PASSWORD = "a-password-of-my-own-2026"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(EcertError) as refused:
        call()
    return refused.value.code


def test_a_province_security_administrator_creates_a_clerk_in_their_province(
    world: World,
) -> None:
    actor = world.user("sd_security")
    account, made = staff_account_create(
        actor=actor,
        username="jinan_new",
        display_name="济南新经办人",
        role=Role.CITY_CLERK,
        authority=world.authorities["sd-jinan"],
    )

    assert made is not None
    assert len(made) == 12
    assert authenticate(None, username="jinan_new", password=made) == account
    assert account.must_change_password
    assert account.roles() == {Role.CITY_CLERK}
    created, assigned = _events("user.created")[-1], _events("role.assigned")[-1]
    assert (created.actor, created.authority) == (actor, world.authorities["sd-jinan"])
    assert (assigned.actor, assigned.object_id) == (actor, str(account.pk))
    everything = json.dumps(list(AuditEvent.objects.values("data")), ensure_ascii=False)
    assert made not in everything


def test_an_account_in_another_province_is_not_created(world: World) -> None:
    code = _refusal(
        lambda: staff_account_create(
            actor=world.user("sd_security"),
            username="zhengzhou_new",
            display_name="",
            role=Role.CITY_CLERK,
            authority=world.authorities["ha-zhengzhou"],
        )
    )

    assert code == "authority_not_in_scope"
    assert not User.objects.filter(username="zhengzhou_new").exists()


def test_a_taken_user_name_and_a_holder_role_are_refused(world: World) -> None:
    def create(username: str, role: Role) -> object:
        return staff_account_create(
            actor=world.user("sd_security"),
            username=username,
            display_name="",
            role=role,
            authority=world.authorities["sd-jinan"],
        )

    assert _refusal(lambda: create("JINAN_CLERK", Role.CITY_CLERK)) == "username_taken"
    assert _refusal(lambda: create("bad name!", Role.CITY_CLERK)) == "username_invalid"
    assert _refusal(lambda: create("new_holder", Role.HOLDER)) == "not_staff_role"


def test_separation_of_duties_keeps_a_clerk_from_becoming_auditor(world: World) -> None:
    clerk = world.user("jinan_clerk")
    code = _refusal(
        lambda: staff_role_assign(
            actor=world.user("sd_security"),
            account=clerk,
            role=Role.AUDITOR,
            authority=world.authorities["sd-hrss"],
        )
    )

    assert code == "separation_of_duties"
    assert clerk.roles() == {Role.CITY_CLERK}


def test_a_role_is_not_given_beyond_the_administrators_scope(world: World) -> None:
    code = _refusal(
        lambda: staff_role_assign(
            actor=world.user("sd_security"),
            account=world.user("jinan_clerk"),
            role=Role.CITY_CLERK,
            authority=world.authorities["ha-zhengzhou"],
        )
    )

    assert code == "authority_not_in_scope"


def test_a_role_assigned_and_revoked_is_audited(world: World) -> None:
    actor, clerk = world.user("sd_security"), world.user("jinan_clerk")
    assignment = staff_role_assign(
        actor=actor, account=clerk, role=Role.CITY_CLERK, authority=world.authorities["sd-zibo"]
    )
    staff_role_revoke(actor=actor, assignment=assignment)

    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}
    assert _events("role.assigned")[-1].authority == world.authorities["sd-zibo"]
    assert (_events("role.revoked")[-1].actor, _events("role.revoked")[-1].object_id) == (
        actor,
        str(clerk.pk),
    )


def test_the_last_role_of_an_account_stays(world: World) -> None:
    only = RoleAssignment.objects.get(user=world.users["jinan_clerk"], revoked_at__isnull=True)

    assert _refusal(
        lambda: staff_role_revoke(actor=world.user("sd_security"), assignment=only)
    ) == ("last_role")
    assert world.user("jinan_clerk").roles() == {Role.CITY_CLERK}


def test_a_disabled_account_cannot_sign_in_nor_use_its_api_token(world: World) -> None:
    clerk = world.user("jinan_clerk")
    _, token = api_token_create(actor=None, user=clerk, name="报名系统")

    staff_account_disable(actor=world.user("sd_security"), account=clerk)

    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is None
    assert api_token_authenticate(token=token) is None
    disabled = _events("user.disabled")[-1]
    assert (disabled.actor_label, disabled.authority) == (
        "sd_security",
        world.authorities["sd-jinan"],
    )

    staff_account_enable(actor=world.user("sd_security"), account=world.user("jinan_clerk"))

    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is not None
    assert api_token_authenticate(token=token) == clerk
    assert _events("user.enabled")[-1].object_id == str(clerk.pk)


def test_a_security_administrator_cannot_disable_themselves(world: World) -> None:
    actor = world.user("sd_security")

    assert _refusal(lambda: staff_account_disable(actor=actor, account=actor)) == "own_account"
    assert world.user("sd_security").is_active


def test_an_account_of_another_province_is_not_touched(world: World) -> None:
    actor, henan = world.user("sd_security"), world.user("department_clerk")

    assert _refusal(lambda: staff_account_disable(actor=actor, account=henan)) == "not_in_scope"
    assert _refusal(lambda: staff_password_reset(actor=actor, account=henan)) == "not_in_scope"
    assert world.user("department_clerk").is_active
    assert not AuditEvent.objects.filter(action__in=["user.disabled", "user.password_reset"])


def test_an_account_with_roles_in_two_provinces_is_managed_nationally(world: World) -> None:
    both = user_create(actor=None, username="two_provinces", password=PASSWORD)
    for key in ("sd-jinan", "ha-zhengzhou"):
        role_assign(actor=None, user=both, role=Role.CITY_CLERK, authority=world.authorities[key])

    assert _refusal(
        lambda: staff_account_disable(actor=world.user("sd_security"), account=both)
    ) == ("not_in_scope")
    staff_account_disable(actor=world.user("security_admin"), account=both)
    assert not User.objects.get(pk=both.pk).is_active


def test_a_superuser_is_left_to_the_command_line(world: World) -> None:
    root = user_create(actor=None, username="root", password=PASSWORD, superuser=True)

    code = _refusal(lambda: staff_account_disable(actor=world.user("security_admin"), account=root))

    assert code == "superuser"
    assert staff_account_disable(actor=None, account=root).is_active is False


def test_a_reset_password_is_temporary_and_the_user_chooses_their_own(world: World) -> None:
    made = staff_password_reset(actor=world.user("sd_security"), account=world.user("jinan_clerk"))

    assert made is not None
    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is None
    clerk = authenticate(None, username="jinan_clerk", password=made)
    assert isinstance(clerk, User)
    assert clerk.must_change_password
    reset = _events("user.password_reset")[-1]
    assert reset.data == {"username": "jinan_clerk", "typed": False}

    assert _refusal(lambda: staff_password_change(user=clerk, current=made, new=made)) == (
        "password_unchanged"
    )
    staff_password_change(user=clerk, current=made, new=NEW_PASSWORD)

    assert not world.user("jinan_clerk").must_change_password
    assert authenticate(None, username="jinan_clerk", password=NEW_PASSWORD) == clerk
    assert _events("user.password_changed")[-1].actor == clerk


def test_a_weak_typed_temporary_password_is_refused(world: World) -> None:
    code = _refusal(
        lambda: staff_password_reset(
            actor=world.user("sd_security"), account=world.user("jinan_clerk"), password="12345678"
        )
    )

    assert code == "weak_password"
    assert authenticate(None, username="jinan_clerk", password=PASSWORD) is not None
