"""Every verification route with every member of the cast: public pages and the public API answer
everyone alike; organisation pages are for an organisation's own account only.

tests/backoffice/test_permissions.py checks that each route is in one of these tables.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecert.accounts.services import api_token_create
from ecert.verification.models import Organisation
from tests.conftest import CAST, World

# Pages anyone may open, with the arguments they are opened with.
PUBLIC_PAGES: dict[str, dict[str, str]] = {
    "verify:landing": {"payload": "00A"},
    "verify:query": {},
    "verify:pdf": {},
    "verify:offline": {},
    "verify:offline_manifest": {},  # the offline verifier's web app manifest
    "verify:offline_worker": {},  # and its service worker
    "verify:seal": {"key": "sd-hrss"},
    "verify:org_register": {},
    "verify:org_login": {},
}
PUBLIC_API: dict[str, tuple[str, dict[str, Any], int]] = {
    "api:verify": ("post", {}, 200),
    "api:query": ("post", {}, 200),
    "api:status": ("get", {"status_index": 123456}, 404),
    "api:trust_list": ("get", {}, 404),  # none published in this world
    "api:status_list": ("get", {"list_number": 0}, 200),
    "api:root_certificate": ("get", {}, 200),
    "api:status_list_w3c": ("get", {"list_number": 0}, 200),
    "api:status_list_token": ("get", {"list_number": 0}, 200),
    "api:w3c_context": ("get", {}, 200),
}
# Organisation pages: the employer (an approved organisation's account) gets them; any other
# signed-in user 403; anonymous visitors go to the organisations' sign-in.
ORGANISATION_PAGES: dict[str, tuple[str, dict[str, str], int]] = {
    "verify:org_home": ("get", {}, 200),
    "verify:org_verify": ("post", {}, 400),  # an empty form: told what is missing
    "verify:org_list": ("post", {}, 400),
    "verify:org_token_create": ("post", {}, 400),
    "verify:org_token_revoke": ("post", {"token_id": "<token>"}, 302),
}
SIGN_OUT = {"verify:org_logout"}  # POST, anyone: signs out and goes to the sign-in page
# Forms anyone may send (POST only): an empty one is answered with what is missing.
PUBLIC_POSTS = {"verify:query_result"}


@pytest.fixture
def public_world(world: World, issuing_keys: Any, own_storage: Any) -> World:
    return world


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_pages_answer_everyone_alike(
    public_world: World, client: Client, name: str, who: str
) -> None:
    if who != "anonymous":
        client.force_login(public_world.users[who])

    response = client.get(reverse(name, kwargs=PUBLIC_PAGES[name]))

    assert response.status_code == 200, (name, who)


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
@pytest.mark.parametrize("name", sorted(PUBLIC_POSTS))
def test_public_forms_answer_everyone_alike(
    public_world: World, client: Client, name: str, who: str
) -> None:
    if who != "anonymous":
        client.force_login(public_world.users[who])

    assert client.get(reverse(name)).status_code == 405
    response = client.post(reverse(name), {})

    assert response.status_code == 200, (name, who)
    assert 'data-testid="query-form"' in response.content.decode()


@pytest.mark.parametrize("who", ["employer", "jinan_clerk", "holder", "anonymous"])
@pytest.mark.parametrize("name", sorted(PUBLIC_API))
def test_public_api_answers_everyone_alike(
    public_world: World, client: Client, name: str, who: str
) -> None:
    method, kwargs, expected = PUBLIC_API[name]
    if who != "anonymous":
        client.force_login(public_world.users[who])
    url = reverse(name, kwargs=kwargs)
    if method == "post":
        body = (
            {"qr": "HTTPS://X/V/00A"} if name == "api:verify" else {"verification_code": "ABCDEFGH"}
        )
        response = client.post(url, body, content_type="application/json")
    else:
        response = client.get(url)

    assert response.status_code == expected, (name, who, response.content[:200])


def _organisation_of_employer(world: World, employer_organisation: Organisation) -> Organisation:
    return employer_organisation


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
@pytest.mark.parametrize("name", sorted(ORGANISATION_PAGES))
def test_organisation_pages_are_the_organisations_own(
    public_world: World,
    employer_organisation: Organisation,
    client: Client,
    name: str,
    who: str,
) -> None:
    method, kwargs, ok_status = ORGANISATION_PAGES[name]
    if kwargs.get("token_id") == "<token>":
        token, _secret = api_token_create(
            actor=None, user=employer_organisation.account, name="HR system"
        )
        kwargs = {"token_id": str(token.pk)}
    if who != "anonymous":
        client.force_login(public_world.users[who])
    url = reverse(name, kwargs=kwargs)

    response = client.get(url) if method == "get" else client.post(url, {})

    expected = {"employer": ok_status, "anonymous": 302}.get(who, 403)
    assert response.status_code == expected, (name, who)
    if who == "anonymous":
        assert response["Location"].startswith(reverse("verify:org_login"))


def test_another_organisations_key_cannot_be_revoked(
    public_world: World, employer_organisation: Organisation, client: Client
) -> None:
    other = public_world.users["holder"]
    token, _secret = api_token_create(actor=None, user=other, name="not theirs")
    client.force_login(public_world.users["employer"])

    response = client.post(reverse("verify:org_token_revoke", kwargs={"token_id": token.pk}))

    assert response.status_code == 404


def test_an_organisation_awaiting_approval_verifies_nothing(
    public_world: World, employer_organisation: Organisation, client: Client
) -> None:
    Organisation.objects.filter(pk=employer_organisation.pk).update(state="pending")
    client.force_login(public_world.users["employer"])

    home = client.get(reverse("verify:org_home"))
    check = client.post(
        reverse("verify:org_list"),
        {"file": SimpleUploadedFile("list.csv", "姓名,证件号码,证书编号\n".encode())},
    )

    assert 'data-state="pending"' in home.content.decode()
    assert check.status_code == 403


def test_signing_out_goes_to_the_sign_in_page(public_world: World, client: Client) -> None:
    client.force_login(public_world.users["employer"])

    response = client.post(reverse("verify:org_logout"))

    assert response["Location"] == reverse("verify:org_login")
