"""The JSON API (django-ninja) at /api/: one NinjaAPI, its authentication and its error shape.

Systems authenticate with a bearer API token (``ecert api-token create``); a signed-in clerk's
browser session works too (with Django's CSRF check). Every error is JSON ``{code, message_zh,
message_en}`` with a 4xx status. OpenAPI documentation is served at /api/docs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from ecert.accounts.services import api_token_authenticate_cached
from ecert.api.credentials import router as credentials_router
from ecert.api.errors import REFUSALS, LimitRefusal, error_body, status_of
from ecert.api.passlists import router as passlists_router
from ecert.api.verification import router as verify_router
from ecert.core.errors import EcertError

API_MAX_BODY = 128 * 2**20  # a pushed list of 200,000 rows is some 60 MB of JSON
# Loaded with the key's user in one query: the verification API charges calls to the organisation.
TOKEN_USER_RELATED = ("organisation",)


def _accept_large_json(request: HttpRequest) -> None:
    """Django refuses request bodies above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) to protect every
    form; an authenticated API caller may push a JSON pass list of up to API_MAX_BODY. Read here,
    after authentication and before ninja parses the body, so strangers still meet the small limit.
    """
    if request.content_type != "application/json" or hasattr(request, "_body"):
        return
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > API_MAX_BODY:
        raise RequestDataTooBig("the request body is too large")
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        request._body = request.read()


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer ecert_…``; a token that is presented but wrong is refused outright."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate_cached(token=token.strip(), related=TOKEN_USER_RELATED)
        if user is None:
            raise AuthenticationError()
        request.user = user
        _accept_large_json(request)
        return user


class BrowserSession(APIKeyCookie):
    """The back-office session of a signed-in user; CSRF is checked only when a session is sent."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key is None or not request.user.is_authenticated:
            return None
        _accept_large_json(request)
        return request.user


api = NinjaAPI(
    title="ecert API",
    version="1",
    urls_namespace="api",
    description="电子证照系统接口 / ecert registry API. 错误均为 JSON {code, message_zh, "
    "message_en} / every error is JSON {code, message_zh, message_en}.",
    auth=[ApiTokenAuth(), BrowserSession()],
)
api.add_router("/v1/passlists", passlists_router, tags=["passlists"])
api.add_router("/v1/credentials", credentials_router, tags=["credentials"])


def _anyone(request: HttpRequest) -> Any:
    """Public operations: anyone may call them; a key, when one is sent, must be right."""
    return "anonymous"


api.add_router("/v1", verify_router, auth=[ApiTokenAuth(), _anyone], tags=["verification"])


def _answer(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(EcertError)
def _refused(request: HttpRequest, error: EcertError) -> HttpResponse:
    if error.code not in REFUSALS:
        raise error  # not a route's refusal: a 500, as before
    response = _answer(request, status_of(error), error_body(error.code, *error.texts()))
    if isinstance(error, LimitRefusal):
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = _answer(
        request,
        401,
        error_body(
            "unauthenticated",
            "需要有效的 API 令牌（Authorization: Bearer …）或登录",
            "a valid API token (Authorization: Bearer …) or a signed-in session is required",
        ),
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if error.status_code == 403:  # ninja's CSRF refusal
        body = error_body("forbidden", "请求被拒绝（CSRF 校验失败）", str(error))
    else:
        body = error_body("bad_request", "请求无法处理", str(error))
    return _answer(request, error.status_code, body)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    details = [
        {"loc": [str(part) for part in item.get("loc", ())], "msg": str(item.get("msg", ""))}
        for item in error.errors[:50]
    ]
    where = "; ".join(f"{'.'.join(d['loc'])}: {d['msg']}" for d in details[:5])
    return _answer(
        request,
        400,
        error_body(
            "invalid_request",
            f"请求内容不符合接口定义：{where}",
            f"the request does not match the API: {where}",
            details=details,
        ),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _answer(request, 404, error_body("not_found", "没有找到", "not found"))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return _answer(
        request,
        413,
        error_body(
            "too_large",
            "请求体过大；大名单请分批推送，或以文件上传（/api/v1/passlists/file）",
            "the request body is too large; push a large list in parts or as a file "
            "(/api/v1/passlists/file)",
        ),
    )


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    return _answer(request, 400, error_body("bad_request", "请求无法处理", "bad request"))
