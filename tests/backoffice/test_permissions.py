"""Every route, every member of the cast: who gets the page, who is refused, who is told 'not found'.

A route added to the URL configuration without a row here fails `test_every_route_is_in_the_table`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import CAST, World


@dataclass(frozen=True)
class Route:
    """Who gets the page (200) and who, holding the permission, is told the object is not theirs (404).

    Every other signed-in member of the cast gets 403; anonymous visitors go to the login page.
    """

    ok: frozenset[str]
    not_found: frozenset[str] = frozenset()
    kwargs: dict[str, str] = field(default_factory=dict)


CLERKS = frozenset(
    {
        "province_admin",
        "exam_centre_clerk",
        "jinan_clerk",
        "qingdao_clerk",
        "county_clerk",
        "department_clerk",
        "institution_clerk",
    }
)
AUDITORS = frozenset({"auditor", "sd_auditor"})
SECURITY = frozenset({"security_admin", "sd_security"})
SEE_JINAN = frozenset({"province_admin", "jinan_clerk"}) | AUDITORS | SECURITY

ROUTES: dict[str, Route] = {
    "backoffice:dashboard": Route(CLERKS | AUDITORS | SECURITY),
    "backoffice:authority_list": Route(CLERKS | AUDITORS | SECURITY),
    "backoffice:authority_detail": Route(
        SEE_JINAN, (CLERKS | AUDITORS | SECURITY) - SEE_JINAN, {"key": "sd-jinan"}
    ),
    "backoffice:catalogue": Route(CLERKS),
    "backoffice:qualification_detail": Route(CLERKS, kwargs={"key": "constructor"}),
    "backoffice:catalogue_list_detail": Route(CLERKS, kwargs={"key": "national-style-1"}),
    "backoffice:credential_list": Route(CLERKS),
    "backoffice:credential_detail": Route(
        frozenset({"province_admin", "exam_centre_clerk", "jinan_clerk"}),
        frozenset({"qingdao_clerk", "county_clerk", "department_clerk", "institution_clerk"}),
        {"public_id": "<jinan>"},
    ),
    "backoffice:audit_log": Route(AUDITORS),
    "backoffice:user_list": Route(SECURITY),
}
# Routes whose answer does not depend on who asks (checked in their own tests below).
SPECIAL = {"home", "backoffice:login", "backoffice:logout", "set_language"}


def _route_names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _route_names(pattern.url_patterns, namespace)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_route_is_in_the_table() -> None:
    assert _route_names(get_resolver().url_patterns) == set(ROUTES) | SPECIAL


def _expected(route: Route, who: str) -> int:
    if who == "anonymous":
        return 302
    if who in route.ok:
        return 200
    return 404 if who in route.not_found else 403


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_member_of_the_cast(
    world: World, client: Client, name: str, who: str
) -> None:
    route = ROUTES[name]
    kwargs = {
        key: world.credentials[value[1:-1]].public_id if value.startswith("<") else value
        for key, value in route.kwargs.items()
    }
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == _expected(route, who), (name, who)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("backoffice:login"))


def _without_csrf(body: bytes) -> bytes:
    """Each page carries a fresh CSRF token and echoes its own URL for the language switch."""
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" (type="hidden" )?value="[^"]+"', b"", body)


def test_missing_credential_answers_like_one_out_of_scope(world: World, client: Client) -> None:
    client.force_login(world.users["qingdao_clerk"])
    theirs_elsewhere = client.get(
        reverse("backoffice:credential_detail", args=[world.credentials["jinan"].public_id])
    )
    missing = client.get(reverse("backoffice:credential_detail", args=["0000000000000000"]))
    assert theirs_elsewhere.status_code == missing.status_code == 404
    assert _without_csrf(theirs_elsewhere.content) == _without_csrf(missing.content)


def test_home_sends_everyone_to_the_back_office(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:dashboard")


def test_login_page_is_public_and_signed_in_users_skip_it(world: World, client: Client) -> None:
    assert client.get(reverse("backoffice:login")).status_code == 200
    client.force_login(world.users["jinan_clerk"])
    assert client.get(reverse("backoffice:login")).status_code == 302


def test_logout_needs_post(world: World, client: Client) -> None:
    client.force_login(world.users["jinan_clerk"])
    assert client.get(reverse("backoffice:logout")).status_code == 405
    assert client.post(reverse("backoffice:logout")).status_code == 302
    assert client.get(reverse("backoffice:dashboard")).status_code == 302


def test_language_switch_needs_post_and_keeps_the_page(client: Client) -> None:
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/backoffice/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/backoffice/login/"
    assert "Sign in" in client.get("/backoffice/login/").content.decode()


@pytest.mark.parametrize("who", [*CAST, "anonymous"])
def test_django_admin_is_for_the_superuser_only(world: World, client: Client, who: str) -> None:
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
