"""A real OpenID provider for the sign-in tests: panva's `oidc-provider` (tests/oidc/provider.mjs)
run by Node on a free loopback port, with a client for the portal and a few people.

The portal talks to it over HTTP exactly as it would to 爱山东: discovery, keys, token and
userinfo endpoints. The holder's browser is played by ``provider_sign_in``: Django's test client
on the portal's side, ``requests`` on the provider's, typing into its sign-in and consent forms.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.test import Client

from ecert.config import OidcConfig
from ecert.core.identity.idnumbers import Sex
from tests.conftest import cast_id_number
from tests.core.idgen import make_resident_id
from tests.node_tree import node_with

HERE = Path(__file__).resolve().parent
CLIENT_ID = "ecert-portal"
CALLBACK = "http://testserver/my/login/oidc/callback/"
PROVIDER_NAME = "爱山东"
# Somebody the provider knows whose ID number no certificate here is recorded under.
STRANGER_ID_NUMBER = make_resident_id(date(1990, 3, 9), Sex.FEMALE, "370203", 77)


def _wrong_check(number: str) -> str:
    """The number with a check character GB 11643 does not give it."""
    return number[:17] + ("1" if number[17] == "0" else "0")


def accounts() -> dict[str, dict[str, object]]:
    """The people of the test provider, by the login typed on its form."""
    return {
        # 李喆 of Qingdao, a holder of the cast, real-name verified by the provider.
        "lizhe": {"name": "李喆", "id_number": cast_id_number(2), "id_number_verified": True},
        # 张堃 of Jinan, whose portal account (the cast's "holder") was opened with a code.
        "zhangkun": {"name": "张堃", "id_number": cast_id_number(1), "id_number_verified": True},
        "stranger": {"name": "钱多", "id_number": STRANGER_ID_NUMBER, "id_number_verified": True},
        "anonymous": {"name": "匿名"},  # no ID number at all
        "unverified": {"name": "李喆", "id_number": cast_id_number(2), "id_number_verified": False},
        "garbled": {
            "name": "李喆",
            "id_number": _wrong_check(cast_id_number(2)),
            "id_number_verified": True,
        },
    }


@dataclass
class RunningProvider:
    issuer: str
    client_secret: str
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)

    def config(self, **changes: Any) -> OidcConfig:
        values: dict[str, Any] = {
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": self.client_secret,
            "provider_name": PROVIDER_NAME,
            "id_number_claim": "id_number",
            "verified_claim": "id_number_verified",
            "scope": "openid profile id_card",
            "timeout": 5.0,
        }
        return OidcConfig(**(values | changes))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _node_ready() -> str:
    return node_with(HERE, "oidc-provider")


def provider_start(
    people: dict[str, dict[str, object]] | None = None,
    *,
    claims_in_id_token: bool = False,
    callback: str = CALLBACK,
) -> RunningProvider:
    """Start provider.mjs and wait for its `ready <issuer>` line; ``callback`` is the portal's
    redirect URI it accepts (Django's test client's by default)."""
    node = _node_ready()
    secret = secrets.token_urlsafe(24)
    settings = {
        "port": 0,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "redirect_uris": [callback],
        "accounts": accounts() if people is None else people,
        "claims_in_id_token": claims_in_id_token,
    }
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [node, str(HERE / "provider.mjs")],
        env={**os.environ, "ECERT_TEST_OIDC": json.dumps(settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until ready, or empty when node exits
    if not line.startswith("ready "):
        process.kill()
        pytest.fail(f"the test OpenID provider did not start: {line!r}")
    return RunningProvider(issuer=line.split()[1], client_secret=secret, process=process)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[RunningProvider]:
    provider = provider_start()
    yield provider
    provider.stop()


@pytest.fixture
def gov_sign_in(settings: Any, oidc_provider: RunningProvider, db: Any) -> OidcConfig:
    """The portal configured for the running provider, as ECERT_OIDC_* would configure it."""
    settings.ECERT_OIDC = oidc_provider.config()
    return settings.ECERT_OIDC  # type: ignore[no-any-return]


_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_PROMPT = re.compile(r'name="prompt" value="(\w+)"')


def provider_pages(
    start: str, login: str, *, until: str = CALLBACK, browser: requests.Session | None = None
) -> str:
    """Play the holder's browser at the provider from the authorization URL ``start``: type
    ``login`` (any password) and agree on its consent page. Returns the URL it sends the browser
    back to (under ``until``)."""
    browser = browser or requests.Session()
    response = browser.get(start, allow_redirects=False, timeout=10)
    for _ in range(12):
        if response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if target.startswith(until):
                return target
            response = browser.get(target, allow_redirects=False, timeout=10)
            continue
        assert response.status_code == 200, response.text[:500]
        action = _FORM_ACTION.search(response.text)
        prompt = _PROMPT.search(response.text)
        assert action, response.text[:500]
        assert prompt, response.text[:500]
        form = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            form |= {"login": login, "password": "any password"}
        response = browser.post(
            urljoin(response.url, action.group(1)), data=form, allow_redirects=False, timeout=10
        )
    raise AssertionError("the provider never sent the browser back")


def local(url: str) -> str:
    """The path and query of a URL of the portal, for Django's test client."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


SignIn = Callable[..., Any]


@pytest.fixture
def provider_sign_in(gov_sign_in: OidcConfig) -> SignIn:
    """From the portal's button to the portal's answer at the callback, for ``login``."""

    def sign_in(
        client: Client, login: str, *, tamper: Callable[[str], str] | None = None, **extra: Any
    ) -> Any:
        start = client.get("/my/login/oidc/", **extra)
        assert start.status_code == 302, start.content[:500]
        back = provider_pages(start["Location"], login)
        if tamper is not None:
            back = tamper(back)
        return client.get(local(back), **extra)

    return sign_in
