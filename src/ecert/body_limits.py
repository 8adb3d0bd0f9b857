"""Request bodies are refused by size before anything reads them (413, bilingual).

Django writes an uploaded file larger than FILE_UPLOAD_MAX_MEMORY_SIZE to the temporary folder
as it parses the form, before any view can judge it, so a stranger's 600 MB POST used to land on
disk first. This middleware runs before anything parses a body: a Content-Length above the limit
is answered 413 at once, and the body is read through a counter that stops the request as soon
as it passes the limit, whatever the header said (RequestDataTooBig: 413 from the API, Django's
400 elsewhere). The limit is ECERT_MAX_ANONYMOUS_BODY for a
stranger and ECERT_MAX_BODY for a signed-in user or an API call with a bearer token (which
django-ninja checks before it reads the body). docs/operations.md, "Uploaded files".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from ecert.core.spreadsheets.limits import size_text


def body_limit(request: HttpRequest) -> int:
    """The most bytes this request's body may have."""
    user = getattr(request, "user", None)
    bearer = request.path.startswith("/api/") and request.META.get(
        "HTTP_AUTHORIZATION", ""
    ).startswith("Bearer ")
    if bearer or (user is not None and user.is_authenticated):
        return int(settings.ECERT_MAX_BODY)
    return int(settings.ECERT_MAX_ANONYMOUS_BODY)


class _CountedBody:
    """The request's input stream, stopped with RequestDataTooBig once ``limit`` is passed."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.read_so_far = 0

    def _counted(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise RequestDataTooBig("the request body is larger than its limit")
        return data

    def read(self, *args: Any) -> bytes:
        return self._counted(self.stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._counted(self.stream.readline(*args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def too_large_response(request: HttpRequest, limit: int) -> HttpResponse:
    size = size_text(limit)
    zh = f"请求内容超过 {size}，未被接收"
    en = f"the request body is larger than {size} and was not accepted"
    if request.path.startswith("/api/"):
        body = {"code": "too_large", "message_zh": zh, "message_en": en}
        return HttpResponse(json.dumps(body), status=413, content_type="application/json")
    return HttpResponse(f"{zh} / {en}", status=413, content_type="text/plain; charset=utf-8")


class BodyLimitMiddleware:
    """After authentication, before CSRF and every view: see the module's docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large_response(request, limit)
        stream = getattr(request, "_stream", None)
        if stream is not None:
            request._stream = _CountedBody(stream, limit)  # type: ignore[assignment]
        return self.get_response(request)  # a body that passes the limit: RequestDataTooBig
