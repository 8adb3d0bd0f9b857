"""Every page, as every member of the cast who may open it, read in Chinese: no English word, no
Python value and no internal code may show (issue 18, part 6).

The walk reuses the route tables of tests/backoffice/test_permissions.py (which already name every
route, who may open it and with which objects) and their fixtures. One test per area loops over the
routes and the users, so the costly fixtures are made once per area. A page is fetched with
``Accept-Language: zh-hans``; its visible text (tests/chinese_text.py) is scanned, and a failure
lists the page, the user and the offending text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.services import credential_set_status
from ecert.documents.models import PrintFile
from ecert.verification.services import trust_list_forget
from tests.backoffice.test_permissions import (
    PAPER_ROUTES,
    PAPER_USERS,
    REPLACEMENT_ROUTES,
    REPLACEMENT_UNIT_ROUTES,
    ROUTES,
    _jinan_application,
    _kwargs,
    _replacement_places,
    counter_check,  # noqa: F401
    county_reissue,  # noqa: F401 - fixtures the route table's objects are made by
    county_title,  # noqa: F401
    holder_application,  # noqa: F401
    jinan_mail_batch,  # noqa: F401
    jinan_paper,  # noqa: F401
    jinan_print_file,  # noqa: F401
    jinan_signed,  # noqa: F401
    paper_old,  # noqa: F401
    sd_batch_reference,  # noqa: F401
    sd_import,  # noqa: F401
)
from tests.chinese_text import problems
from tests.conftest import CAST, World, cast_id_number
from tests.distribution.conftest import Paper, deliver
from tests.distribution.conftest import jinan_seals as jinan_seals  # the counter check's fixture
from tests.distribution.conftest import paper as paper  # the fixture
from tests.portal.signed import signed_proof
from tests.public.conftest import payload_of, qr_of
from tests.public.test_access import PUBLIC_PAGES

# What the tests typed: the cast's display names (their usernames), an uploaded file's name.
TYPED = frozenset({*CAST, *PAPER_USERS, "records.csv"})
# Pages left out of this walk: none today. (The PDF verdict is a POST answer; its pages are read
# in tests/public/test_pdf_verdicts.py.)
ELSEWHERE: frozenset[str] = frozenset()


class Walk:
    """Pages fetched, each distinct body scanned once; what was found, by page and user."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: set[bytes] = set()
        self.found: list[str] = []
        self.pages = 0

    def get(self, name: str, url: str, who: str) -> None:
        response = self.client.get(url, headers={"accept-language": "zh-hans"})
        self._scan(name, url, who, response)

    def _scan(self, name: str, url: str, who: str, response: Any) -> None:
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        body = response.content
        digest = hashlib.sha256(body).digest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        self.pages += 1
        for problem in problems(body.decode(), data=TYPED):
            self.found.append(f"{name} ({url}) as {who}: {problem}")

    def post(self, name: str, url: str, data: dict[str, str], who: str) -> None:
        response = self.client.post(url, data, headers={"accept-language": "zh-hans"})
        self._scan(name, url, who, response)

    def as_each(self, users: dict[str, Any], who: Iterable[str], name: str, url: str) -> None:
        for username in who:
            self.client.force_login(users[username])
            self.get(name, url, username)
        self.client.logout()

    def report(self) -> str:
        return f"{len(self.found)} problems on {self.pages} pages:\n" + "\n".join(self.found)


# The route table's objects that live together in one world (the others each want a fresh one).
def _world_marker(value: str) -> bool:
    return not value.startswith(
        ("<paper", "<mail_batch", "<collected", "<application", "<sent_up", "<counter_check")
    )


def _one_batch(kwargs: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    """The print file's batch stands for ``<batch>``: both fixtures import the same signed list,
    and the second import issues nothing."""
    if "<batch>" not in kwargs.values():
        return kwargs
    job = PrintFile.objects.get(reference=request.getfixturevalue("jinan_print_file"))
    assert job.batch is not None
    return {k: job.batch.reference if v == "<batch>" else v for k, v in kwargs.items()}


def _routes(keep: Any, *, bare: bool = False) -> list[str]:
    """The GET routes of the table whose objects ``keep`` takes (and those of none if ``bare``)."""
    return sorted(
        name
        for name, route in ROUTES.items()
        if route.ok_status == 200
        and (route.kwargs or bare)
        and all(keep(v) for v in route.kwargs.values())
    )


def test_back_office_and_portal_pages_are_chinese(
    world: World, client: Client, request: pytest.FixtureRequest, employer_organisation: Any
) -> None:
    walk = Walk(client)
    # The county's paper title (for its reissue) first: the electronic one of the same approval,
    # recorded first, would make the reissue refused.
    request.getfixturevalue("county_reissue")
    for name in ["backoffice:login", "portal:login", "portal:activate"]:
        walk.get(name, reverse(name), "anonymous")
    for name in _routes(_world_marker, bare=True):
        route = ROUTES[name]
        url = reverse(name, kwargs=_kwargs(_one_batch(route.kwargs, request), world, request))
        # Who may open it, and one who is refused or told "not found".
        refused = sorted(set(CAST) - route.ok)[:1] + sorted(route.not_found)[:1]
        walk.as_each(world.users, sorted(route.ok) + refused, name, url)
    assert not walk.found, walk.report()


def test_paper_pages_are_chinese(
    paper: Paper, client: Client, request: pytest.FixtureRequest
) -> None:
    walk = Walk(client)
    world = paper.world
    delivery = deliver(paper, henan=True)
    for name in _routes(lambda v: v.startswith(("<paper", "<collected", "<counter"))):
        route = ROUTES[name]
        url = reverse(name, kwargs=_kwargs(route.kwargs, world, request))
        walk.as_each(paper.users, sorted(route.ok), name, url)
    places = {
        "<paper>": request.getfixturevalue("jinan_paper"),
        "<delivery>": delivery.reference,
    }
    for name, route in sorted(PAPER_ROUTES.items()):
        kwargs = {key: places.get(value, value) for key, value in route.kwargs.items()}
        walk.as_each(paper.users, sorted(route.ok), name, reverse(name, kwargs=kwargs))
    assert not walk.found, walk.report()


def test_replacement_pages_are_chinese(paper: Paper, client: Client) -> None:
    walk = Walk(client)
    places = _replacement_places(paper)
    for name, (answers, marker) in sorted(REPLACEMENT_ROUTES.items()):
        url = reverse(name, kwargs={"reference": places[marker]} if marker else {})
        ok = sorted(who for who, status in answers.items() if status == 200)
        walk.as_each(paper.users, ok, name, url)
    assert not walk.found, walk.report()


def test_replacement_unit_pages_are_chinese(paper: Paper, client: Client) -> None:
    walk = Walk(client)
    application = _jinan_application(paper)
    assert application.batch is not None
    places = {"<application>": application.reference, "<unit_batch>": application.batch.reference}
    for name, route in sorted(REPLACEMENT_UNIT_ROUTES.items()):
        if route.ok_status != 200:
            continue
        kwargs = {key: places.get(value, value) for key, value in route.kwargs.items()}
        walk.as_each(paper.users, sorted(route.ok), name, reverse(name, kwargs=kwargs))
    for name in _routes(lambda v: v in ("<application>",)):
        kwargs = {key: places.get(v, v) for key, v in ROUTES[name].kwargs.items()}
        walk.as_each(paper.users, sorted(ROUTES[name].ok), name, reverse(name, kwargs=kwargs))
    assert not walk.found, walk.report()


@pytest.mark.parametrize("marker", ["<sent_up>", "<mail_batch>"])
def test_centre_and_mail_pages_are_chinese(
    paper: Paper, client: Client, request: pytest.FixtureRequest, marker: str
) -> None:
    """An application sent up to the exam centre; a mail batch (its certificate is mailed, so it
    is not among the paper pages' certificates collected at the counter)."""
    walk = Walk(client)
    for name in _routes(lambda v: v == marker):
        route = ROUTES[name]
        url = reverse(name, kwargs=_kwargs(route.kwargs, paper.world, request))
        walk.as_each(paper.users, sorted(route.ok), name, url)
    assert not walk.found, walk.report()


def test_public_pages_are_chinese(
    world: World, client: Client, issuing_keys: Any, own_storage: Any, employer_organisation: Any
) -> None:
    walk = Walk(client)
    for name, kwargs in sorted(PUBLIC_PAGES.items()):
        if name not in ELSEWHERE:
            walk.get(name, reverse(name, kwargs=kwargs), "anonymous")
    walk.as_each(world.users, ["employer"], "verify:org_home", reverse("verify:org_home"))
    assert not walk.found, walk.report()


def test_verification_answers_are_chinese(
    world: World, client: Client, issuing_keys: Any, own_storage: Any, employer_organisation: Any
) -> None:
    """The answers the public reads: a valid and a suspended credential's QR landing page, and
    the query by name, ID number and number (found and not found)."""
    trust_list_forget()
    try:
        walk = Walk(client)
        credential = signed_proof(world, "jinan", "2025370100009999")
        landing = reverse("verify:landing", kwargs={"payload": payload_of(credential)})
        query = reverse("verify:query_result")
        asked = {
            "name": credential.holder_name,
            "id_number": cast_id_number(1),
            "number": credential.management_number,
        }
        walk.get("verify:landing", landing, "anonymous (valid)")
        walk.post("verify:query_result", query, asked, "anonymous (valid)")
        walk.post(
            "verify:query_result", query, {**asked, "number": "2025370100000000"}, "anonymous"
        )
        # The organisation's page answers the same questions, by the QR's text and by query; its
        # home lists what it verified.
        client.force_login(world.users["employer"])
        org = reverse("verify:org_verify")
        walk.post("verify:org_verify", org, {"text": qr_of(credential)}, "employer")
        walk.post("verify:org_verify", org, asked, "employer")
        walk.post("verify:org_verify", org, {"text": "HTTPS://X/V/00A"}, "employer")
        walk.get("verify:org_home", reverse("verify:org_home"), "employer")
        client.logout()
        credential_set_status(
            actor=world.user("jinan_clerk"),
            credential=credential,
            status=CredentialStatus.SUSPENDED,
            reason="核查中",
        )
        walk.get("verify:landing", landing, "anonymous (suspended)")
        assert walk.pages >= 8
        assert not walk.found, walk.report()
    finally:
        trust_list_forget()
