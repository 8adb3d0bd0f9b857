"""The public verification API: verify a QR payload, query, read a status, and fetch the files an
offline verifier needs (root certificate, trust list, status lists).

Anyone may call it. An organisation's systems send its API key and draw on its daily quota;
callers without a key are limited per address. Every verification is logged like the pages'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from ecert.accounts.models import User
from ecert.api.errors import ErrorOut, LimitRefusal, not_found
from ecert.api.verification_schemas import (
    AnswerOut,
    QueryIn,
    QueryOut,
    StatusOut,
    VerifyIn,
    answer_json,
    answer_out,
)
from ecert.core.errors import EcertError
from ecert.core.formats.token_status_list import MEDIA_TYPE as TOKEN_MEDIA
from ecert.core.formats.w3c_vc import MEDIA_TYPE as W3C_MEDIA_TYPE
from ecert.core.formats.w3c_vc import context_document as w3c_context_document
from ecert.credentials.models import Credential
from ecert.credentials.status_lists import status_list_fresh
from ecert.credentials.w3c_vc import status_list_w3c
from ecert.documents.sd_jwt import status_list_token_of
from ecert.signing.models import RootCertificate, RootRole, TrustListPublication
from ecert.verification.limits import request_address, verification_take
from ecert.verification.models import Channel
from ecert.verification.organisations import organisation_of
from ecert.verification.services import Asker, code_verify, qr_verify, query_verify

router = Router()
COSE = "application/cose"
JSON = "application/json; charset=utf-8"
LIMITED = {400: ErrorOut, 401: ErrorOut, 429: ErrorOut}
# What the OpenAPI schema says of a key. ninja lists the router's ApiTokenAuth as the requirement
# and appends these: a verification may be called with a key (an organisation's charges its
# quota) or with none (the empty requirement: the address's limit); the offline files take none.
KEY_OPTIONAL: dict[str, Any] = {
    "security": [{}],
    "responses": {
        429: {
            "headers": {
                "Retry-After": {
                    "description": "seconds until the limit's window reopens",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        }
    },
}
NO_KEY: dict[str, Any] = {"security": []}


def _asker(request: HttpRequest) -> Asker:
    """Who calls, charged under the rate policy of the pages (ecert.verification.limits): an
    organisation's key to its daily quota, a call without one to its address like the query page."""
    user = request.auth if isinstance(request.auth, User) else None  # type: ignore[attr-defined]
    organisation = organisation_of(user) if user is not None else None
    asker = Asker(request_address(request), user, organisation)
    refusal = verification_take(asker, timezone.now())
    if refusal is None:
        return asker
    if organisation is not None:
        raise LimitRefusal(
            refusal,
            f"今日核验次数已达本单位限额（{organisation.daily_quota} 次），"
            f"请 {refusal.retry_after} 秒后（北京时间零点后）再试",
            f"your organisation's daily quota of {organisation.daily_quota} is used up; "
            f"try again in {refusal.retry_after} seconds (after midnight, Beijing time)",
        )
    raise LimitRefusal(
        refusal,
        f"请求过于频繁，请 {refusal.retry_after} 秒后再试；经常核验的单位请注册并使用 API 密钥",
        f"too many requests; try again in {refusal.retry_after} seconds; organisations that "
        "verify often should register for an API key",
    )


@router.post(
    "/verify",
    response={200: AnswerOut, **LIMITED},
    url_name="verify",
    summary="Verify a QR code",
    openapi_extra=KEY_OPTIONAL,
)
def verify(request: HttpRequest, payload: VerifyIn) -> HttpResponse:
    """核验二维码 / Verify the text of a certificate's QR code: the signature against this registry's
    trust list, the status from the registry itself. Never more personal data than the page shows.
    """
    asker = _asker(request)
    answer = qr_verify(text=payload.qr, now=timezone.now(), asker=asker, channel=Channel.API)
    # The busiest answer of the API: written straight from the answer, not through the schema's
    # objects nor ninja's response handling (decisions 210, 275). The body is the same JSON.
    return HttpResponse(answer_json(answer), content_type=JSON)


@router.post(
    "/query",
    response={200: QueryOut, **LIMITED},
    url_name="query",
    summary="Query a certificate",
    openapi_extra=KEY_OPTIONAL,
)
def query(request: HttpRequest, payload: QueryIn) -> QueryOut:
    """查询证书 / Find a certificate by name, ID number and number (all three), or by a title
    certificate's verification code. ``found: false`` whether it does not exist or any detail is
    wrong: the two are never told apart."""
    triple = (payload.name, payload.id_number, payload.number)
    if not payload.verification_code and not all(part and part.strip() for part in triple):
        raise EcertError(
            "incomplete_query",
            "须同时提供姓名、证件号码和证书编号，或提供验证码",
            "give name, id_number and number together, or verification_code",
        )
    asker, now = _asker(request), timezone.now()
    if payload.verification_code:
        answer = code_verify(
            code=payload.verification_code, now=now, asker=asker, channel=Channel.API
        )
    else:
        answer = query_verify(
            name=payload.name or "",
            id_number=payload.id_number or "",
            number=payload.number or "",
            now=now,
            asker=asker,
            channel=Channel.API,
        )
    return QueryOut(found=answer is not None, answer=answer_out(answer) if answer else None)


@router.get(
    "/status/{status_index}",
    response={200: StatusOut, **LIMITED, 404: ErrorOut},
    url_name="status",
    summary="Read one status entry",
    openapi_extra=KEY_OPTIONAL,
)
def status(request: HttpRequest, status_index: int) -> StatusOut:
    """证书状态 / The current status of the credential at ``status_index`` (from its signed
    claims): what the status lists say, but live."""
    _asker(request)
    if not 0 <= status_index < 2**40:
        raise not_found()
    value = (
        Credential.objects.filter(status_index=status_index)
        .values_list("status", flat=True)
        .first()
    )
    if value is None:
        raise not_found()
    return StatusOut(status_index=status_index, status=value)


def _file(data: bytes, name: str, content_type: str = COSE) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@router.get(
    "/trust-list",
    response={200: Any, 404: ErrorOut},
    url_name="trust_list",
    auth=None,
    openapi_extra=NO_KEY,
    summary="The current signed trust list",
)
def trust_list(request: HttpRequest) -> HttpResponse:
    """信任列表 / The latest signed trust list (COSE_Sign1, docs/formats/trust-list.md)."""
    latest = TrustListPublication.objects.order_by("-sequence").first()
    if latest is None:
        raise not_found()
    return _file(bytes(latest.document), "trust-list.cose")


@router.get(
    "/status-lists/{list_number}",
    response={200: Any, 404: ErrorOut},
    url_name="status_list",
    auth=None,
    openapi_extra=NO_KEY,
    summary="A signed status list",
)
def status_list(request: HttpRequest, list_number: int) -> HttpResponse:
    """状态列表 / One signed status list (COSE_Sign1, docs/formats/status-list.md), signed again
    when it is more than an hour old: fetch it again after its next-update time."""

    def stored(number: int, now: datetime) -> bytes | None:
        row = status_list_fresh(list_number=number, now=now)
        return None if row is None else bytes(row.document)

    return _status_list_file(list_number, stored, f"status-{list_number}.cose", COSE)


def _status_list_file(
    list_number: int, make: Callable[[int, datetime], bytes | str | None], name: str, media: str
) -> HttpResponse:
    """One form of status list ``list_number`` as a file; 404 for a number no list can have or
    a list that does not exist."""
    if not 0 <= list_number < 2**31:
        raise not_found()
    made = make(list_number, timezone.now())
    if made is None:
        raise not_found()
    return _file(made.encode("ascii") if isinstance(made, str) else made, name, media)


@router.get(
    "/root-certificate",
    response={200: Any, 404: ErrorOut},
    url_name="root_certificate",
    auth=None,
    openapi_extra=NO_KEY,
    summary="The root certificate (DER)",
)
def root_certificate(request: HttpRequest) -> HttpResponse:
    """根证书 / The deployment's root certificate; check its fingerprint against the one
    published through official channels before trusting it."""
    root = RootCertificate.objects.filter(active=True, role=RootRole.MAIN).first()
    if root is None:
        raise not_found()
    return _file(bytes(root.certificate), "root.der", "application/pkix-cert")


@router.get(
    "/status-lists/{list_number}/w3c",
    response={200: Any, 404: ErrorOut},
    url_name="status_list_w3c",
    auth=None,
    openapi_extra=NO_KEY,
    summary="A status list as a W3C BitstringStatusListCredential (vc+jwt)",
)
def status_list_w3c_view(request: HttpRequest, list_number: int) -> HttpResponse:
    """W3C 状态列表凭证 / The same status list as a W3C ``BitstringStatusListCredential`` secured
    as ``application/vc+jwt`` (docs/formats/w3c-vc.md): what a W3C VC's status entry points at."""

    def w3c(number: int, now: datetime) -> str | None:
        return status_list_w3c(list_number=number, now=now)

    return _status_list_file(list_number, w3c, f"status-{list_number}.jwt", W3C_MEDIA_TYPE)


@router.get(
    "/status-lists/{list_number}/token",
    response={200: Any, 404: ErrorOut},
    url_name="status_list_token",
    auth=None,
    openapi_extra=NO_KEY,
    summary="A status list as an IETF Status List Token (statuslist+jwt)",
)
def status_list_token_view(request: HttpRequest, list_number: int) -> HttpResponse:
    """状态列表令牌 / The same status list as an IETF Status List Token
    (``application/statuslist+jwt``, docs/formats/status-list.md): what an SD-JWT VC's
    ``status.status_list.uri`` names."""

    def token(number: int, now: datetime) -> str | None:
        return status_list_token_of(list_number=number, now=now)

    return _status_list_file(list_number, token, f"status-{list_number}.token.jwt", TOKEN_MEDIA)


@router.get(
    "/contexts/ecert-credential-v1.jsonld",
    response={200: Any},
    url_name="w3c_context",
    auth=None,
    openapi_extra=NO_KEY,
    summary="The JSON-LD context of ecert's W3C credentials",
)
def w3c_context(request: HttpRequest) -> HttpResponse:
    """W3C 凭证上下文 / The JSON-LD context naming the certificate's fields in a W3C VC."""
    response = HttpResponse(w3c_context_document(), content_type="application/ld+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response
