"""Every route, every member of the cast: who gets the page, who is refused, who is told 'not found'.

A route added to the URL configuration without a row here fails `test_every_route_is_in_the_table`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ecert.core.roles import ROLE_PERMISSIONS, Perm
from tests.conftest import CAST, World


@dataclass(frozen=True)
class Route:
    perm: Perm | None  # None: public
    kwargs: dict[str, str] = field(default_factory=dict)
    # Cast members who hold `perm` but for whom the object is outside their scope: 404.
    out_of_scope: frozenset[str] = frozenset()
    method: str = "get"


NOT_JINAN = frozenset(
    {"exam_centre_clerk", "qingdao_clerk", "county_clerk", "department_clerk", "institution_clerk"}
)

ROUTES: dict[str, Route] = {
    "backoffice:dashboard": Route(Perm.USE_BACKOFFICE),
    "backoffice:authority_list": Route(Perm.VIEW_AUTHORITY),
    "backoffice:authority_detail": Route(Perm.VIEW_AUTHORITY, {"key": "sd-jinan"}, NOT_JINAN),
    "backoffice:catalogue": Route(Perm.VIEW_CATALOGUE),
    "backoffice:qualification_detail": Route(Perm.VIEW_CATALOGUE, {"key": "constructor"}),
    "backoffice:catalogue_list_detail": Route(Perm.VIEW_CATALOGUE, {"key": "national-style-1"}),
    "backoffice:credential_list": Route(Perm.VIEW_CREDENTIAL),
    "backoffice:credential_detail": Route(
        Perm.VIEW_CREDENTIAL,
        {"public_id": "<jinan>"},
        frozenset({"qingdao_clerk", "county_clerk", "department_clerk", "institution_clerk"}),
    ),
    "backoffice:audit_log": Route(Perm.VIEW_AUDIT),
    "backoffice:user_list": Route(Perm.MANAGE_USERS),
}
# Routes whose answer does not depend on who asks (checked in their own tests below).
SPECIAL = {"home", "backoffice:login", "backoffice:logout", "set_language"}

HOLDERS_OF: dict[Perm, frozenset[str]] = {
    perm: frozenset(name for name, (role, _) in CAST.items() if perm in ROLE_PERMISSIONS[role])
    for perm in Perm
}
BACKOFFICE_USERS = HOLDERS_OF[Perm.USE_BACKOFFICE]


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
    if route.perm is None:
        return 200
    if who not in BACKOFFICE_USERS or who not in HOLDERS_OF[route.perm]:
        return 403
    return 404 if who in route.out_of_scope else 200


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
