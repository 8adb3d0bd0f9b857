"""Back-office credential search by ID number: the whole number finds its holder, a piece never does."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from ecert.core.identity.idnumbers import Sex
from tests.conftest import World
from tests.core.idgen import make_resident_id

# The cast's Jinan holder, 张堃 (tests/conftest.py); the Qingdao holder has another number.
JINAN_NUMBER = make_resident_id(date(1988, 5, 17), Sex.MALE, region="370102", seq=1)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def search(client: Client, world: World, who: str, text: str) -> str:
    client.force_login(world.users[who])
    response = client.get(reverse("backoffice:credential_list"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def results(page: str) -> str:
    """The result table only: the search box echoes what was typed."""
    return page[page.index('data-testid="credentials"') :]


def test_the_full_id_number_finds_its_holder(world: World, client: Client) -> None:
    page = results(search(client, world, "province_admin", JINAN_NUMBER))
    assert world.credentials["jinan"].public_id in page
    assert world.credentials["qingdao"].public_id not in page
    assert world.credentials["county"].public_id not in page


def test_the_full_number_typed_in_full_width_digits_finds_its_holder(
    world: World, client: Client
) -> None:
    page = results(search(client, world, "province_admin", JINAN_NUMBER.translate(FULL_WIDTH)))
    assert world.credentials["jinan"].public_id in page


def test_the_old_15_digit_form_of_the_number_finds_its_holder(world: World, client: Client) -> None:
    old_form = JINAN_NUMBER[:6] + JINAN_NUMBER[8:17]  # no century, no check character
    page = results(search(client, world, "province_admin", old_form))
    assert world.credentials["jinan"].public_id in page


@pytest.mark.parametrize(
    "fragment",
    [
        JINAN_NUMBER[:6],  # region
        JINAN_NUMBER[:14],  # region and birth date
        JINAN_NUMBER[:17],  # all but the check character
        JINAN_NUMBER[-6:],  # end
        JINAN_NUMBER[6:14],  # birth date
        JINAN_NUMBER[:4] + "*" * 10 + JINAN_NUMBER[-4:],  # the masked form shown on pages
    ],
)
def test_a_piece_of_the_number_finds_nothing(world: World, client: Client, fragment: str) -> None:
    page = results(search(client, world, "province_admin", fragment))
    assert world.credentials["jinan"].public_id not in page


def test_a_wrong_check_character_finds_nothing(world: World, client: Client) -> None:
    wrong = JINAN_NUMBER[:17] + ("0" if JINAN_NUMBER[17] != "0" else "1")
    page = results(search(client, world, "province_admin", wrong))
    assert world.credentials["jinan"].public_id not in page


def test_the_number_of_a_holder_outside_the_clerks_scope_finds_nothing(
    world: World, client: Client
) -> None:
    page = results(search(client, world, "qingdao_clerk", JINAN_NUMBER))
    assert world.credentials["jinan"].public_id not in page


def test_results_found_by_number_show_it_masked(world: World, client: Client) -> None:
    page = results(search(client, world, "province_admin", JINAN_NUMBER))
    assert world.credentials["jinan"].holder.id_number_masked in page
    assert JINAN_NUMBER not in page
