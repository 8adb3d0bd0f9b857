"""visible_to: the one door every scoped read goes through."""

from __future__ import annotations

import pytest

from ecert.accounts.services import role_assign, user_create
from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm, Role
from ecert.credentials.models import Credential
from tests.conftest import World

# Who sees which of the world's credentials (keys of World.credentials).
EXPECTED = {
    "province_admin": {"jinan", "qingdao", "county", "institution"},
    "exam_centre_clerk": {"jinan", "qingdao", "county"},
    "jinan_clerk": {"jinan", "county"},
    "qingdao_clerk": {"qingdao"},
    "county_clerk": {"county"},
    "department_clerk": set(),
    "institution_clerk": {"institution"},
    "employer": set(),
    "holder": set(),
    "auditor": set(),
    "security_admin": set(),
    "sd_auditor": set(),
    "sd_security": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_each_member_of_the_cast_sees_exactly_their_credentials(world: World, who: str) -> None:
    visible = Credential.objects.visible_to(world.user(who), Perm.VIEW_CREDENTIAL)
    by_pk = {c.pk: place for place, c in world.credentials.items()}
    assert {by_pk[c.pk] for c in visible} == EXPECTED[who]


def test_a_holder_sees_only_their_own_credential(world: World) -> None:
    own = Credential.objects.visible_to(world.user("holder"), Perm.VIEW_OWN_CREDENTIAL)
    assert list(own) == [world.credentials["jinan"]]


def test_a_city_clerk_sees_their_city_and_its_counties_only(world: World) -> None:
    keys = set(
        Authority.objects.visible_to(world.user("jinan_clerk"), Perm.VIEW_AUTHORITY).values_list(
            "key", flat=True
        )
    )
    assert keys == {"sd-jinan", "sd-jinan-lixia"}


def test_a_province_administrator_sees_the_province_not_the_other(world: World) -> None:
    keys = set(
        Authority.objects.visible_to(world.user("province_admin"), Perm.VIEW_AUTHORITY).values_list(
            "key", flat=True
        )
    )
    assert "sd-qingdao" in keys
    assert "sd-pta" in keys
    assert not any(key.startswith("ha-") for key in keys)
    assert "mohrss" not in keys


def test_a_revoked_role_no_longer_opens_anything(world: World) -> None:
    from ecert.accounts.services import role_revoke

    clerk = world.user("jinan_clerk")
    role_revoke(actor=world.users["security_admin"], assignment=clerk.active_assignments()[0])
    assert not Credential.objects.visible_to(
        world.user("jinan_clerk"), Perm.VIEW_CREDENTIAL
    ).exists()


def test_an_inactive_user_sees_nothing(world: World) -> None:
    clerk = world.user("jinan_clerk")
    clerk.is_active = False
    assert not Credential.objects.visible_to(clerk, Perm.VIEW_CREDENTIAL).exists()


def test_role_assignment_refuses_the_auditor_as_security_administrator(world: World) -> None:
    with pytest.raises(EcertError, match="三员分立"):
        role_assign(
            actor=None,
            user=world.user("auditor"),
            role=Role.SECURITY_ADMIN,
            authority=world.authorities["mohrss"],
        )


def test_role_assignment_refuses_a_city_clerk_at_a_province(world: World) -> None:
    user = user_create(actor=None, username="new_clerk", password=None)
    with pytest.raises(EcertError):
        role_assign(
            actor=None, user=user, role=Role.CITY_CLERK, authority=world.authorities["sd-hrss"]
        )
    assert not user.role_assignments.exists()
