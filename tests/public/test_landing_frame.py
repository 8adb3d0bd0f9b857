"""The QR landing page in its kept frame (ecert.public.frame): the same page as the template
renders, no cookie for the scanner, its language links, and a clerk's waiting messages shown as
on any page."""

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


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Any) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_kept_frame_is_the_templates_page(rf: RequestFactory, language: str) -> None:
    request = rf.get("/V/ABC")
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    title, content = "真实 <有效>", mark_safe('<p data-testid="here">内容</p>')
    with override(language):
        kept = framed_page(request, title=title, content=content).content.decode()
        full = render(request, TEMPLATE, {"title": title, "content": content}).content.decode()

    assert kept == full
    assert "<title>真实 &lt;有效&gt; · " in kept
    assert '<p data-testid="here">内容</p>' in kept
    assert f'<html lang="{language}">' in kept


def test_a_scan_sets_no_cookie_and_its_english_link_shows_the_same_answer_in_english(
    client: Client, proof: Credential
) -> None:
    path = reverse("verify:landing", args=[payload_of(proof)])
    scanned = client.get(path)
    page = scanned.content.decode()
    link = re.search(r'<a href="(\?lang=en)"[^>]*>English</a>', page)
    assert link is not None

    english = client.get(path + link.group(1))

    assert not scanned.cookies  # no session, no CSRF cookie: a scan leaves nothing behind
    assert '<h1 data-testid="verdict-text">真实有效</h1>' in page
    assert '<h1 data-testid="verdict-text">Genuine and valid</h1>' in english.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert english["Content-Language"] == "en"
    assert 'data-verdict="valid"' in english.content.decode()


def test_a_language_the_site_does_not_have_is_ignored(client: Client, proof: Credential) -> None:
    path = reverse("verify:landing", args=[payload_of(proof)])

    page = client.get(path + "?lang=fr").content.decode()

    assert '<h1 data-testid="verdict-text">真实有效</h1>' in page


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
