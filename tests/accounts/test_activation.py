"""Holder accounts opened with a one-time code from the bureau: issued once, kept as a hash, voided
by a newer code, by time and by five wrong tries; an unknown ID number and a wrong code answer
alike; the password passes Django's validators; every step is audited without the code."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import authenticate
from typer.testing import CliRunner

from ecert.accounts import errors
from ecert.accounts.models import ActivationCode, User
from ecert.accounts.services import (
    ACTIVATION_ALPHABET,
    activation_code_issue,
    holder_account_activate,
    holder_account_for_identity,
)
from ecert.audit.models import AuditEvent
from ecert.cli import app
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, parse_id_number
from ecert.core.rules import roles
from ecert.core.rules.roles import Role
from ecert.credentials.models import Holder
from ecert.credentials.services import holder_id_number, holder_link_user, holder_register
from tests.conftest import World
from tests.error_codes import codes_raised

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NEW_PASSWORD = "持证人的新密码-2026"
CODE_SHAPE = re.compile(rf"[{ACTIVATION_ALPHABET}]{{5}}-[{ACTIVATION_ALPHABET}]{{5}}")


@pytest.fixture
def holder(world: World) -> Holder:
    """李喆 of Qingdao: recorded, with no portal account yet."""
    return world.credentials["qingdao"].holder


@pytest.fixture
def id_number(holder: Holder) -> str:
    return holder_id_number(holder)


def _activate(
    id_number: str, code: str, *, password: str = NEW_PASSWORD, at: datetime = NOW
) -> User:
    return holder_account_activate(id_number=id_number, code=code, password=password, now=at)


def _refusal(id_number: str, code: str, **kwargs: object) -> EcertError:
    with pytest.raises(EcertError) as refused:
        _activate(id_number, code, **kwargs)  # type: ignore[arg-type]
    return refused.value


def _wrong(code: str) -> str:
    """Another code of the same shape."""
    first = ACTIVATION_ALPHABET[(ACTIVATION_ALPHABET.index(code[0]) + 1) % len(ACTIVATION_ALPHABET)]
    return first + code[1:]


def test_a_code_is_ten_unambiguous_characters_in_two_groups_kept_only_as_a_hash(
    world: World, holder: Holder
) -> None:
    code = activation_code_issue(actor=world.users["qingdao_clerk"], holder=holder, now=NOW)

    assert CODE_SHAPE.fullmatch(code)
    assert not set(code) & set("01OIL")
    stored = ActivationCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash
    assert (stored.issued_by, stored.expires_at) == (
        world.users["qingdao_clerk"],
        NOW + timedelta(days=14),
    )


def test_the_activation_opens_a_holder_account_linked_to_the_holder(
    holder: Holder, id_number: str
) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    user = _activate(id_number, code)

    holder.refresh_from_db()
    assert holder.user == user
    assert user.roles() == frozenset({Role.HOLDER})
    assert user.check_password(NEW_PASSWORD)
    assert id_number not in user.username
    assert id_number[-6:] not in user.username
    assert user.display_name == "李喆"
    assert ActivationCode.objects.get().used_at == NOW


def test_the_code_may_be_typed_in_lower_case_full_width_or_with_spaces(
    holder: Holder, id_number: str
) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code.replace("-", "")).lower()

    user = _activate(id_number.lower(), f" {wide[:5]} {wide[5:]} ")

    assert user.check_password(NEW_PASSWORD)


def test_every_holder_row_with_the_id_number_is_linked(holder: Holder, id_number: str) -> None:
    """The same number recorded once as a passport number (a data-entry slip) is the same person."""
    twin = holder_register(
        actor=None, name="李喆", id_number=parse_id_number(id_number, IdType.PASSPORT)
    )
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    user = _activate(id_number, code)

    assert set(Holder.objects.filter(user=user)) == {holder, twin}


def test_a_new_code_voids_the_earlier_unused_one(holder: Holder, id_number: str) -> None:
    first = activation_code_issue(actor=None, holder=holder, now=NOW)
    second = activation_code_issue(actor=None, holder=holder, now=NOW + timedelta(minutes=5))

    assert _refusal(id_number, first).code == "code_void"
    assert _activate(id_number, second).check_password(NEW_PASSWORD)


def test_an_expired_code_is_refused(holder: Holder, id_number: str) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    refused = _refusal(id_number, code, at=NOW + timedelta(days=14))

    assert refused.code == "code_expired"
    assert "过期" in refused.zh
    assert "expired" in refused.en
    assert _activate(id_number, code, at=NOW + timedelta(days=13, hours=23)).is_active


def test_a_used_code_cannot_be_used_again(holder: Holder, id_number: str) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)
    _activate(id_number, code)

    assert _refusal(id_number, code, password="另一个新密码-2027").code == "code_used"


def test_the_fifth_wrong_code_voids_the_code_even_though_each_try_failed(
    holder: Holder, id_number: str
) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    for attempt in range(1, 6):
        assert _refusal(id_number, _wrong(code)).code == "wrong_id_number_or_code"
        assert ActivationCode.objects.get().attempts == attempt

    assert ActivationCode.objects.get().voided_at == NOW
    assert _refusal(id_number, code).code == "code_void"
    assert not User.objects.filter(holders=holder).exists()


def test_four_wrong_codes_still_leave_the_right_one_working(holder: Holder, id_number: str) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)
    for _ in range(4):
        _refusal(id_number, _wrong(code))

    assert _activate(id_number, code).check_password(NEW_PASSWORD)


def test_an_unknown_id_number_and_a_wrong_code_get_the_same_answer(
    world: World, holder: Holder, id_number: str
) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)
    unknown = id_number[:14] + "0000"  # a number nobody here holds (and a bad check character)
    other_unknown = holder_id_number(world.credentials["henan"].holder)  # real, but no code

    answers = {
        (e.code, e.zh, e.en)
        for e in (
            _refusal(id_number, _wrong(code)),
            _refusal(unknown, code),
            _refusal(other_unknown, code),
            _refusal("not an id number", code),
        )
    }

    assert answers == {
        (
            "wrong_id_number_or_code",
            "身份证件号码或激活码不正确",
            "the ID number or the activation code is not correct",
        )
    }


@pytest.mark.parametrize(
    ("password", "reason_en"),
    [
        ("short1!", "too short"),
        ("1234567890123", "entirely numeric"),
        ("password1234", "too common"),
    ],
)
def test_a_weak_password_is_refused_in_both_languages_and_costs_no_try(
    holder: Holder, id_number: str, password: str, reason_en: str
) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    refused = _refusal(id_number, code, password=password)

    assert refused.code == "weak_password"
    assert reason_en in refused.en
    assert refused.zh  # Django's Chinese catalogue, or ours for "too short" (docs/holders.md)
    assert ActivationCode.objects.get().attempts == 0
    assert _activate(id_number, code).is_active


def test_the_reasons_are_given_in_chinese_too(holder: Holder, id_number: str) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    refused = _refusal(id_number, code, password="password1234")

    assert refused.zh == "这个密码太常见了。"


def test_a_password_containing_the_id_number_is_refused(holder: Holder, id_number: str) -> None:
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    refused = _refusal(id_number, code, password=f"my-{id_number.lower()}")

    assert (refused.code, refused.zh) == ("weak_password", "密码不能包含证件号码")


def test_a_new_code_resets_the_password_of_an_existing_holder_account(world: World) -> None:
    holder = world.credentials["jinan"].holder  # linked to the cast's "holder" account
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    user = _activate(holder_id_number(holder), code)

    assert user == world.users["holder"]
    assert user.check_password(NEW_PASSWORD)
    assert User.objects.filter(holders__isnull=False).distinct().count() == 1


def test_a_staff_account_linked_to_the_holder_is_never_reset_by_a_code(
    world: World, holder: Holder, id_number: str
) -> None:
    holder_link_user(actor=None, holder=holder, user=world.users["qingdao_clerk"])
    code = activation_code_issue(actor=None, holder=holder, now=NOW)

    assert _refusal(id_number, code).code == "account_not_holder"
    clerk = User.objects.get(username="qingdao_clerk")
    assert not clerk.check_password(NEW_PASSWORD)
    assert ActivationCode.objects.get().used_at is None


def test_issue_and_activation_are_audited_without_the_code(
    world: World, holder: Holder, id_number: str
) -> None:
    code = activation_code_issue(
        actor=world.users["qingdao_clerk"],
        holder=holder,
        now=NOW,
        authority=world.authorities["sd-qingdao"],
    )
    _refusal(id_number, _wrong(code))
    user = _activate(id_number, code)

    issued = AuditEvent.objects.get(action="activation_code.issued")
    wrong = AuditEvent.objects.get(action="activation_code.wrong_attempt")
    activated = AuditEvent.objects.get(action="holder.activated")
    assert (issued.actor_label, issued.authority) == (
        "qingdao_clerk",
        world.authorities["sd-qingdao"],
    )
    assert issued.data["id_number"] == holder.id_number_masked
    assert wrong.data["attempts"] == 1
    assert (activated.actor, activated.object_id) == (user, str(holder.pk))
    everything = json.dumps(
        list(AuditEvent.objects.values("data", "object_id")), ensure_ascii=False
    )
    assert code not in everything
    assert code.replace("-", "") not in everything
    assert id_number not in everything


def test_the_holder_signs_in_with_id_number_and_password(holder: Holder, id_number: str) -> None:
    user = _activate(id_number, activation_code_issue(actor=None, holder=holder, now=NOW))

    assert authenticate(None, id_number=id_number, password=NEW_PASSWORD) == user
    assert authenticate(None, id_number=f" {id_number.lower()} ", password=NEW_PASSWORD) == user
    assert authenticate(None, id_number=id_number, password="wrong-password-1") is None
    assert authenticate(None, id_number=id_number[:14] + "0000", password=NEW_PASSWORD) is None
    assert authenticate(None, username=user.username, password=NEW_PASSWORD) == user  # staff way


def test_an_identity_provider_may_open_the_account_without_a_password(
    holder: Holder, id_number: str
) -> None:
    number = parse_id_number(id_number)

    user = holder_account_for_identity(id_number=number, provider="gov-oidc", now=NOW)

    assert user is not None
    assert not user.has_usable_password()
    assert user.roles() == frozenset({Role.HOLDER})
    assert Holder.objects.get(pk=holder.pk).user == user
    assert AuditEvent.objects.get(action="holder.identity_verified").data["provider"] == "gov-oidc"
    nobody = parse_id_number(id_number[:14] + "0000"[:3] + "X", IdType.PASSPORT)
    assert holder_account_for_identity(id_number=nobody, provider="gov-oidc", now=NOW) is None


def test_the_holder_code_command_prints_a_notice_with_a_working_code(
    holder: Holder, id_number: str, world: World
) -> None:
    result = CliRunner().invoke(app, ["holder-code", world.credentials["qingdao"].public_id])

    assert result.exit_code == 0, result.output
    assert "持证人账户激活通知" in result.stdout
    found = CODE_SHAPE.search(result.stdout)
    assert found is not None
    assert _activate(id_number, found.group(), at=datetime.now(UTC)).is_active
    assert CliRunner().invoke(app, ["holder-code", "NOSUCHCREDENTIAL"]).exit_code == 2


def test_the_portal_answers_every_activation_refusal_and_no_role_error() -> None:
    assert {"wrong_id_number_or_code", "weak_password", "account_not_holder"} <= errors.REFUSALS
    assert not codes_raised(roles) & errors.REFUSALS
