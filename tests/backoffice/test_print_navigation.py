"""A city clerk reaches the print files of their area from the navigation (issue 18): the nav's
"Print files" page lists the batches holding certificates the clerk may print, each with the
link that makes a print file; batches of no certificate in their scope are not listed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ecert.accounts.services import role_assign, user_create
from ecert.core.rules.roles import Role
from tests.backoffice.test_permissions import sd_batch_reference as sd_batch_reference
from tests.conftest import PASSWORD, World


def _nav_links(html: str) -> list[str]:
    nav = html[html.index("<nav>") : html.index("</nav>")]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize(
    ("who", "lists_it"),
    [
        ("jinan_clerk", True),
        ("qingdao_clerk", True),
        ("province_admin", True),
        ("institution_clerk", False),  # the batch holds no certificate of the university
        ("department_clerk", False),  # a Henan department: another province
    ],
)
def test_a_clerk_reaches_the_batches_of_their_area_from_the_navigation(
    world: World, client: Client, sd_batch_reference: str, who: str, lists_it: bool
) -> None:
    client.force_login(world.users[who])
    dashboard = client.get(reverse("backoffice:dashboard")).content.decode()
    assert reverse("backoffice:print_file_list") in _nav_links(dashboard)

    page = client.get(reverse("backoffice:print_file_list")).content.decode()
    make = reverse("backoffice:batch_print", args=[sd_batch_reference])
    assert (make in page) is lists_it
    if lists_it:
        form = client.get(make)
        assert form.status_code == 200
        assert sd_batch_reference in form.content.decode()


def test_a_clerk_with_nothing_to_print_is_told_so(world: World, client: Client) -> None:
    """A city clerk of Yantai, where none of the cast's credentials is registered."""
    clerk = user_create(actor=None, username="yantai_clerk", password=PASSWORD)
    role_assign(
        actor=None, user=clerk, role=Role.CITY_CLERK, authority=world.authorities["sd-yantai"]
    )
    client.force_login(clerk)
    page = client.get(reverse("backoffice:print_file_list")).content.decode()
    assert "暂无您可打印证书的签发批次" in page
    assert 'data-testid="print-batch"' not in page
