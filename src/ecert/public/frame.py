"""The QR landing page's frame, rendered once per language and reused for every scan.

The QR landing page is every scan of a certificate. Its frame (``public/base.html``: the head,
the bar, the footer's links) is the same for every answer but for the page's title and content.
Rendering it through the template engine cost more CPU than the verification itself (URL
reversals, the static files' names, the translations), so ``framed_page`` renders
``public/framed.html`` once per language and script prefix with markers in those two places,
keeps the pieces, and joins them with the answer (decision 274).

The page sets no cookie (decision 279): its language links (``?lang=en``) show the same answer in
the other language for that page alone, instead of the other pages' form, which needs a CSRF
cookie and a token made for each visit. A request with messages waiting for it (a signed-in
clerk who just did something) gets the page rendered in full, so the messages show and are used
up as on any other page. The template is the one source of the frame either way.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language, override

TEMPLATE = "public/framed.html"
LANGUAGE_PARAMETER = "lang"
_TITLE, _CONTENT = (f"\x00ecert-frame-{name}\x00" for name in ("title", "content"))
_MARKER = re.compile("(\x00ecert-frame-[a-z]+\x00)")


@dataclass(frozen=True)
class _Frame:
    pieces: tuple[str, ...]  # the page's text, with the markers as pieces of their own


@cache
def _frame(language: str, prefix: str) -> _Frame:
    """The frame in ``language`` under the script ``prefix`` (the URLs depend on both)."""
    with override(language):
        text = get_template(TEMPLATE).render({"title": _TITLE, "content": _CONTENT})
    pieces = tuple(piece for piece in _MARKER.split(text) if piece)
    if sorted(p for p in pieces if p.startswith("\x00")) != sorted([_TITLE, _CONTENT]):
        raise RuntimeError(f"{TEMPLATE} must show the title and the content once each")
    return _Frame(pieces)


def asked_language(request: HttpRequest) -> str | None:
    """The language a landing page's link asked for (``?lang=en``), if it is one of ours."""
    code = request.GET.get(LANGUAGE_PARAMETER)
    return code if code in dict(settings.LANGUAGES) else None


def framed_page(request: HttpRequest, *, title: str, content: SafeString) -> HttpResponse:
    """A page with ``title`` (plain text) and ``content`` (HTML) in the frame, in the active
    language."""
    if _messages_waiting(request):
        return render(request, TEMPLATE, {"title": title, "content": content})
    values = {_TITLE: html.escape(title), _CONTENT: str(content)}
    frame = _frame(get_language() or settings.LANGUAGE_CODE, get_script_prefix())
    return HttpResponse("".join(values.get(piece, piece) for piece in frame.pieces))


def _messages_waiting(request: HttpRequest) -> bool:
    """Messages a previous request left for this one. Counting them does not use them up; the
    page that shows them does."""
    return len(get_messages(request)) > 0
