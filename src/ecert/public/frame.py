"""The public pages' frame, rendered once per language and reused by the busiest page.

The QR landing page is every scan of a certificate. Its frame (``public/base.html``: the head,
the bar, the footer's links and language switch) is the same for every answer but for the
page's title, its content, the language form's CSRF token and the address to come back to.
Rendering it through the template engine cost more CPU than the verification itself (eight URL
reversals, the static files' names, the translations), so ``framed_page`` renders
``public/framed.html`` once per language and script prefix with markers in those four places,
keeps the pieces, and joins them with the request's own values (decision 274).

A request with messages waiting for it (a signed-in clerk who just did something) gets the page
rendered in full instead, so the messages show and are used up as on any other page. The
template is the one source of the frame either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, override

TEMPLATE = "public/framed.html"
_TITLE, _CONTENT, _CSRF, _NEXT = (
    f"\x00ecert-frame-{name}\x00" for name in ("title", "content", "csrf", "next")
)
_MARKER = re.compile("(\x00ecert-frame-[a-z]+\x00)")


class _Path:
    """Stands for the request in the frame's one use of it (the language form's return address)."""

    def get_full_path(self) -> str:
        return _NEXT


@dataclass(frozen=True)
class _Frame:
    pieces: tuple[str, ...]  # the page's text, with the markers as pieces of their own


@cache
def _frame(language: str, prefix: str) -> _Frame:
    """The frame in ``language`` under the script ``prefix`` (the URLs depend on both)."""
    with override(language):
        text = get_template(TEMPLATE).render(
            {"title": _TITLE, "content": _CONTENT, "csrf_token": _CSRF, "request": _Path()}
        )
    pieces = tuple(piece for piece in _MARKER.split(text) if piece)
    markers = [piece for piece in pieces if piece.startswith("\x00")]
    if sorted(markers) != sorted([_TITLE, _CONTENT, _CSRF, _NEXT]):
        raise RuntimeError(f"{TEMPLATE} must use title, content, csrf_token and the path once each")
    return _Frame(pieces)


def framed_page(request: HttpRequest, *, title: str, content: SafeString) -> HttpResponse:
    """A public page with ``title`` (plain text) and ``content`` (HTML) in the frame."""
    if _messages_waiting(request):
        return render(request, TEMPLATE, {"title": title, "content": content})
    values = {
        _TITLE: str(escape(title)),
        _CONTENT: str(content),
        _CSRF: str(escape(get_token(request))),
        _NEXT: str(escape(request.get_full_path())),
    }
    frame = _frame(get_language() or "zh-hans", get_script_prefix())
    return HttpResponse("".join(values.get(piece, piece) for piece in frame.pieces))


def _messages_waiting(request: HttpRequest) -> bool:
    """Messages a previous request left for this one. Counting them does not use them up; the
    page that shows them does."""
    return len(get_messages(request)) > 0
