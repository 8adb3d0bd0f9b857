"""Signing in to the back office: failures are counted per user name and per address; at the limit
even the right password is refused for a while; every sign-in and failure is audited, but a flood
of failures adds only a bounded number of events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from ecert.accounts.services import staff_account_disable, staff_password_reset, user_create
from ecert.accounts.throttle import FAILURE_LIMIT
from ecert.audit.models import AuditEvent
from tests.conftest import PASSWORD, World

LOCKED = "登录失败次数过多"
WRONG = "用户名或密码不正确"
OFFICE = "10.1.1.1"


@pytest.fixture(autouse=True)
def _own_cache(own_storage: Path) -> None:
    """Counters of this test alone."""


def _sign_in(client: Client, username: str, password: str, address: str = OFFICE) -> HttpResponse:
    response = client.post(
        reverse("backoffice:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )
    assert isinstance(response, HttpResponse)
    return response


def _signed_in(client: Client) -> bool:
    return client.get(reverse("backoffice:dashboard")).status_code == 200


def test_after_the_limit_even_the_right_password_is_refused(world: World, client: Client) -> None:
    answers = [_sign_in(client, "jinan_clerk", "wrong-guess").status_code for _ in range(52)]
    right = _sign_in(client, "jinan_clerk", PASSWORD)

    assert answers[: FAILURE_LIMIT - 1] == [200] * (FAILURE_LIMIT - 1)
    assert set(answers[FAILURE_LIMIT - 1 :]) == {429}
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED in page
    assert "15 分钟" in page
    assert 0 < int(right["Retry-After"]) <= 15 * 60
    assert 'name="password"' in page  # the form is still there
    assert not _signed_in(client)


def test_a_user_name_stays_locked_from_any_address(world: World, client: Client) -> None:
    for n in range(FAILURE_LIMIT):
        _sign_in(client, "jinan_clerk", "wrong-guess", address=f"10.2.0.{n}")

    assert _sign_in(client, "jinan_clerk", PASSWORD, address="10.3.0.1").status_code == 429
    assert not _signed_in(client)


def test_an_address_stays_locked_for_every_user_name(world: World, client: Client) -> None:
    for n in range(FAILURE_LIMIT):
        _sign_in(client, f"guess{n}", "wrong-guess")

    assert _sign_in(client, "qingdao_clerk", PASSWORD).status_code == 429
    assert _sign_in(client, "qingdao_clerk", PASSWORD, address="10.9.9.9").status_code == 302
    assert _signed_in(client)


def test_a_success_forgets_the_failures_of_the_user_name(world: World, client: Client) -> None:
    for n in range(FAILURE_LIMIT - 1):
        _sign_in(client, "jinan_clerk", "wrong-guess", address=f"10.4.0.{n}")
    assert _sign_in(client, "jinan_clerk", PASSWORD, address="10.4.1.1").status_code == 302
    client.logout()
    for n in range(FAILURE_LIMIT - 1):
        _sign_in(client, "jinan_clerk", "wrong-guess", address=f"10.5.0.{n}")

    assert _sign_in(client, "jinan_clerk", PASSWORD, address="10.5.1.1").status_code == 302


def test_failures_are_audited_until_the_lockout_then_once(world: World, client: Client) -> None:
    for _ in range(40):
        _sign_in(client, "jinan_clerk", "my-secret-guess")
    _sign_in(client, "jinan_clerk", PASSWORD)

    failed = AuditEvent.objects.filter(action="user.sign_in_failed")
    locked = AuditEvent.objects.filter(action="user.sign_in_locked")
    assert failed.count() == FAILURE_LIMIT
    assert locked.count() == 1
    assert not AuditEvent.objects.filter(action="user.signed_in").exists()
    event = locked.get()
    assert event.actor_label == "system"
    assert event.authority == world.authorities["sd-jinan"]  # the province's auditors read it
    assert (event.object_type, event.object_id) == ("user", str(world.users["jinan_clerk"].pk))
    assert event.data == {
        "address": OFFICE,
        "username": "jinan_clerk",
        "reason": "wrong_password",
        "limit": FAILURE_LIMIT,
        "minutes": 15,
    }
    recorded = json.dumps(list(AuditEvent.objects.values("data")))
    assert "my-secret-guess" not in recorded


def test_an_unknown_user_name_is_recorded_short(world: World, client: Client) -> None:
    typed = "Tr0ub4dor&3-typed-in-the-wrong-box"

    answer = _sign_in(client, typed, "anything")

    assert answer.status_code == 200
    assert WRONG in answer.content.decode()
    event = AuditEvent.objects.get(action="user.sign_in_failed")
    assert (event.actor, event.authority, event.object_id) == (None, None, "")
    assert event.data["typed"] == "Tr0…"
    assert event.data["reason"] == "unknown_user"
    assert len(event.data["typed_digest"]) == 12
    assert typed not in json.dumps(event.data)


def test_a_sign_in_is_audited(world: World, client: Client) -> None:
    assert _sign_in(client, "jinan_clerk", PASSWORD).status_code == 302

    event = AuditEvent.objects.get(action="user.signed_in")
    assert (event.actor, event.data) == (world.users["jinan_clerk"], {"address": OFFICE})
    assert _signed_in(client)


def test_a_disabled_account_cannot_sign_in(world: World, client: Client) -> None:
    staff_account_disable(actor=None, account=world.user("jinan_clerk"))

    answer = _sign_in(client, "jinan_clerk", PASSWORD)

    assert answer.status_code == 200
    assert WRONG in answer.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.get(action="user.sign_in_failed").data["reason"] == "disabled"


def test_a_disabled_account_is_signed_out_at_its_next_request(world: World, client: Client) -> None:
    _sign_in(client, "jinan_clerk", PASSWORD)
    assert _signed_in(client)

    staff_account_disable(actor=None, account=world.user("jinan_clerk"))

    assert not _signed_in(client)


def test_a_holder_does_not_sign_in_to_the_back_office(world: World, client: Client) -> None:
    answer = _sign_in(client, "holder", PASSWORD)

    assert answer.status_code == 200
    assert WRONG in answer.content.decode()
    failed = AuditEvent.objects.get(action="user.sign_in_failed")
    assert failed.data["reason"] == "no_backoffice_role"


def test_a_reset_lifts_the_lockout_and_the_new_password_comes_first(
    world: World, client: Client
) -> None:
    for n in range(FAILURE_LIMIT):
        _sign_in(client, "jinan_clerk", "wrong-guess", address=f"10.6.0.{n}")
    made = staff_password_reset(actor=world.user("sd_security"), account=world.user("jinan_clerk"))
    assert made is not None

    answer = _sign_in(client, "jinan_clerk", made, address="10.6.1.1")

    change = reverse("backoffice:password_change")
    assert answer.status_code == 302
    assert answer["Location"].startswith(change)
    assert client.get(reverse("backoffice:credential_list"))["Location"].startswith(change)
    assert "由安全管理员设置" in client.get(change).content.decode()
    changed = client.post(
        change,
        {"current": made, "password1": "my-own-password-2026", "password2": "my-own-password-2026"},
    )
    assert changed.status_code == 302
    assert client.get(reverse("backoffice:credential_list")).status_code == 200  # still signed in


def test_the_django_admin_signs_in_through_the_throttled_form(world: World, client: Client) -> None:
    user_create(actor=None, username="root", password=PASSWORD, superuser=True)

    tried = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD})

    assert tried.status_code == 302
    assert tried["Location"] == reverse("backoffice:login") + "?next=/admin/"
    assert client.get("/admin/").status_code == 302  # not signed in by that form
    signed_in = _sign_in(client, "root", PASSWORD)
    assert signed_in.status_code == 302
    assert client.get("/admin/").status_code == 200
