"""The QR landing page in its kept frame (ecert.public.frame): the same page as the template
renders, with the language switch and a clerk's waiting messages working as on any page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import override

from ecert.credentials.models import Credential
from ecert.public.frame import TEMPLATE, framed_page
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import payload_of

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_kept_frame_is_the_templates_page(rf: RequestFactory, language: str) -> None:
    request = rf.get("/V/ABC?a=1&b=2")
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    title, content = "真实 <有效>", mark_safe('<p data-testid="here">内容</p>')
    with override(language):
        kept = framed_page(request, title=title, content=content).content.decode()
        full = render(request, TEMPLATE, {"title": title, "content": content}).content.decode()

    assert TOKEN.sub("TOKEN", kept) == TOKEN.sub("TOKEN", full)
    assert "<title>真实 &lt;有效&gt; · " in kept
    assert 'value="/V/ABC?a=1&amp;b=2"' in kept  # the return address, escaped
    assert f'<html lang="{language}">' in kept


def test_the_language_switch_on_a_landing_page_comes_back_in_english(
    client: Client, proof: Credential
) -> None:
    path = reverse("verify:landing", args=[payload_of(proof)])
    client = Client(enforce_csrf_checks=True)
    page = client.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None

    switched = client.post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": token.group(1), "language": "en", "next": path},
    )
    again = client.get(switched["Location"]).content.decode()

    assert switched.status_code == 302
    assert '<h1 data-testid="verdict-text">Genuine and valid</h1>' in again
    assert '<html lang="en">' in again


def test_a_message_left_for_the_visitor_shows_on_the_landing_page_once(
    client: Client, proof: Credential
) -> None:
    left = HttpResponse()
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.SUCCESS, "已保存：这是一条提示")
    storage.update(left)
    client.cookies[CookieStorage.cookie_name] = left.cookies[CookieStorage.cookie_name].value
    path = reverse("verify:landing", args=[payload_of(proof)])

    first = client.get(path).content.decode()
    second = client.get(path).content.decode()

    assert "已保存：这是一条提示" in first
    assert 'data-verdict="valid"' in first
    assert "已保存：这是一条提示" not in second
    assert 'data-verdict="valid"' in second
