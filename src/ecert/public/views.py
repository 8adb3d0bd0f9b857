"""The public verification pages: the QR landing page, the online query, the PDF check, the seal
pictures (the offline verifier is in offline.py). Anyone may use them; every answer is logged."""

from __future__ import annotations

from contextlib import nullcontext

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecert.accounts.models import User
from ecert.core.formats.qr import PATH
from ecert.core.formats.verify import Verdict
from ecert.documents.models import SealImage
from ecert.documents.services import document_path, query_result_document
from ecert.public.answer_html import landing_html, verdict_in_language
from ecert.public.forms import CodeForm, PdfForm, QueryForm
from ecert.public.frame import asked_language, framed_page
from ecert.verification.limits import (
    PDF_PER_ADDRESS,
    Limit,
    Refusal,
    limits_take,
    request_address,
    verification_take,
)
from ecert.verification.models import Channel
from ecert.verification.organisations import organisation_of
from ecert.verification.services import Asker, code_verify, pdf_verify, qr_verify, query_verify

TOO_MANY = 429


def request_asker(request: HttpRequest) -> Asker:
    user = request.user if isinstance(request.user, User) else None
    organisation = organisation_of(user) if user is not None else None
    return Asker(request_address(request), user, organisation)


def limits_allow(request: HttpRequest, *limits: tuple[Limit, str | None]) -> bool:
    """Count one use against each (limit, who) that has a who; False when any is used up."""
    return limits_take(limits, timezone.now()) is None


def too_many(response: HttpResponse, refusal: Refusal) -> HttpResponse:
    """A page's answer past a limit: 429, and Retry-After in seconds (RFC 9110 §10.2.3)."""
    response.status_code = TOO_MANY
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _too_many(
    request: HttpRequest, template: str, context: dict[str, object], refusal: Refusal
) -> HttpResponse:
    minutes = -(-refusal.retry_after // 60)
    context["refused"] = _("Too many queries. Please try again in %(minutes)s minutes.") % {
        "minutes": minutes
    }
    return too_many(render(request, template, context), refusal)


@never_cache
@require_GET
def landing(request: HttpRequest, payload: str) -> HttpResponse:
    """Where a phone lands after scanning a certificate's QR code: the verdict first."""
    text = f"HTTPS://{settings.ECERT_VERIFY_HOST}{PATH}{payload}"
    answer = qr_verify(text=text, now=timezone.now(), asker=request_asker(request))
    language = asked_language(request)
    with override(language) if language else nullcontext():
        response = framed_page(
            request, title=verdict_in_language(answer), content=landing_html(answer)
        )
    if language:
        response.headers["Content-Language"] = language
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    """The online query: name, ID number and number together, or a title certificate's code."""
    form, code_form = QueryForm(), CodeForm()
    context: dict[str, object] = {"form": form, "code_form": code_form}
    if request.method == "POST":
        by_code = "code" in request.POST
        bound = CodeForm(request.POST) if by_code else QueryForm(request.POST)
        context["code_form" if by_code else "form"] = bound
        if bound.is_valid():
            asker, now = request_asker(request), timezone.now()
            refusal = verification_take(asker, now)
            if refusal is not None:
                return _too_many(request, "public/query.html", context, refusal)
            if by_code:
                answer = code_verify(code=bound.cleaned_data["code"], now=now, asker=asker)
            else:
                answer = query_verify(
                    **bound.cleaned_data, now=now, asker=asker, channel=Channel.QUERY
                )
            context.update(asked=True, answer=answer)
    return render(request, "public/query.html", context)


@never_cache
@require_POST
def query_result(request: HttpRequest) -> HttpResponseBase:
    """The electronic query result of a paper certificate on record (seed 001 三(一)), for whoever
    just queried it with name, ID number and number: the same query is asked again, counted and
    logged, and only a valid paper record yields the file."""
    form = QueryForm(request.POST)
    context: dict[str, object] = {"form": form, "code_form": CodeForm()}
    if not form.is_valid():
        return render(request, "public/query.html", context)
    asker, now = request_asker(request), timezone.now()
    refusal = verification_take(asker, now)
    if refusal is not None:
        return _too_many(request, "public/query.html", context, refusal)
    answer = query_verify(**form.cleaned_data, now=now, asker=asker, channel=Channel.QUERY)
    context.update(asked=True, answer=answer)
    credential = answer.credential if answer is not None else None
    if (
        answer is None
        or credential is None
        or answer.facts is None
        or not answer.facts.paper
        or answer.verdict is not Verdict.VALID
    ):
        context["no_query_result"] = True
        return render(request, "public/query.html", context)
    document = query_result_document(credential=credential, now=now)
    response = FileResponse(
        document_path(document).open("rb"),
        as_attachment=True,
        filename=f"证书查询结果-{answer.facts.number}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def pdf(request: HttpRequest) -> HttpResponse:
    """Upload a PDF or an OFD: is it the sealed original, and is the certificate in it valid?"""
    form = PdfForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        refusal = limits_take(((PDF_PER_ADDRESS, request_address(request)),), timezone.now())
        if refusal is not None:
            return _too_many(request, "public/pdf.html", context, refusal)
        upload = form.cleaned_data["file"]
        context["result"] = pdf_verify(
            pdf=upload.read(), now=timezone.now(), asker=request_asker(request)
        )
        context["file_name"] = upload.name
    return render(request, "public/pdf.html", context)


@require_GET
def seal(request: HttpRequest, key: str) -> HttpResponse:
    """An issuing authority's seal picture, as its documents show it (public, like the documents)."""
    image = SealImage.objects.filter(authority__key=key).only("image").first()
    if image is None:
        raise Http404
    response = HttpResponse(bytes(image.image), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
