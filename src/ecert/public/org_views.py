"""Pages of employer organisations (用证单位): register, sign in, verify one certificate or a list,
see the organisation's own verifications, and keep API keys for its systems."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ecert.accounts.models import ApiToken, User
from ecert.accounts.services import api_token_create, api_token_revoke
from ecert.accounts.throttle import (
    throttle_blocked,
    throttle_failure,
    throttle_keys,
    throttle_success,
)
from ecert.core.errors import EcertError
from ecert.i18n import in_language
from ecert.public.forms import ListForm, QrForm, QueryForm, RegisterForm, SignInForm, TokenForm
from ecert.public.views import limits_allow, request_asker, too_many
from ecert.verification.answers import Answer
from ecert.verification.limits import (
    REGISTER_PER_ADDRESS,
    Refusal,
    organisation_quota_take,
    request_address,
)
from ecert.verification.lists import list_verify
from ecert.verification.models import Channel, Organisation, OrganisationState
from ecert.verification.organisations import Registration, organisation_register
from ecert.verification.selectors import verifications_recent
from ecert.verification.services import qr_verify, query_verify

View = Callable[..., HttpResponseBase]
RECENT = 50


def _account(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _organisation(request: HttpRequest) -> Organisation:
    organisation = (
        Organisation.objects.filter(account=_account(request)).select_related("city").first()
    )
    if organisation is None:
        raise PermissionDenied
    return organisation


def organisation_required(view: View) -> View:
    """Anonymous visitors go to the organisations' sign-in; accounts of no organisation get 403;
    the view decides what a pending or refused organisation sees."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("verify:org_login"))
        return view(request, _organisation(request), *args, **kwargs)

    return wrapper


def _approved(organisation: Organisation) -> None:
    if organisation.state != OrganisationState.APPROVED:
        raise PermissionDenied


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not limits_allow(request, (REGISTER_PER_ADDRESS, request_address(request))):
            form.add_error(None, _("Too many registrations from your network. Please try later."))
        else:
            try:
                organisation = organisation_register(
                    registration=Registration(**form.cleaned_data), now=timezone.now()
                )
            except EcertError as error:  # only registration's refusals are raised here
                form.add_error(error.field or None, in_language(error.zh, error.en))
            else:
                login(
                    request,
                    organisation.account,
                    backend="django.contrib.auth.backends.ModelBackend",
                )
                return redirect("verify:org_home")
    return render(request, "public/org_register.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        keys = throttle_keys(scope="org-signin", address=request_address(request) or "")
        now = timezone.now()
        if throttle_blocked(keys, now):
            form.add_error(
                None, _("Too many failed attempts. Please wait 15 minutes and try again.")
            )
        else:
            user = authenticate(
                request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
            if isinstance(user, User) and Organisation.objects.filter(account=user).exists():
                throttle_success(keys)
                login(request, user)
                return redirect("verify:org_home")
            throttle_failure(keys, now)
            form.add_error(None, _("The user name or password is not right."))
    return render(request, "public/org_sign_in.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("verify:org_login")


def _home(request: HttpRequest, organisation: Organisation, **context: Any) -> HttpResponse:
    status = int(context.pop("status", 200))
    approved = organisation.state == OrganisationState.APPROVED
    base: dict[str, Any] = {
        "organisation": organisation,
        "approved": approved,
        "qr_form": QrForm(),
        "query_form": QueryForm(),
        "list_form": ListForm(),
        "token_form": TokenForm(),
    }
    if approved:
        base["recent"] = verifications_recent(organisation=organisation, count=RECENT)
        base["tokens"] = ApiToken.objects.filter(user=organisation.account, revoked_at__isnull=True)
    base.update(context)
    return render(request, "public/org_home.html", base, status=status)


@never_cache
@require_http_methods(["GET"])
@organisation_required
def home(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return _home(request, organisation)


def _quota_refused(
    request: HttpRequest, organisation: Organisation, refusal: Refusal, **context: Any
) -> HttpResponse:
    messages.error(
        request,
        _("Your organisation has used its verifications for today (%(quota)s). Try again tomorrow.")
        % {"quota": organisation.daily_quota},
    )
    return too_many(_home(request, organisation, **context), refusal)


@never_cache
@require_POST
@organisation_required
def verify_one(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """One certificate, by the text of its QR code or by name, ID number and number."""
    _approved(organisation)
    by_qr = "text" in request.POST
    form = QrForm(request.POST) if by_qr else QueryForm(request.POST)
    key = "qr_form" if by_qr else "query_form"
    if not form.is_valid():
        return _home(request, organisation, status=400, **{key: form})
    now = timezone.now()
    refusal = organisation_quota_take(organisation, now)
    if refusal is not None:
        return _quota_refused(request, organisation, refusal, **{key: form})
    asker = request_asker(request)
    answer: Answer | None
    if by_qr:
        answer = qr_verify(text=form.cleaned_data["text"], now=now, asker=asker)
    else:
        answer = query_verify(**form.cleaned_data, now=now, asker=asker, channel=Channel.QUERY)
    return _home(request, organisation, **{key: form, "asked": True, "answer": answer})


@never_cache
@require_POST
@organisation_required
def verify_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """A list of certificates: the result sheet comes straight back as the download."""
    _approved(organisation)
    form = ListForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, organisation, status=400, list_form=form)
    upload = form.cleaned_data["file"]
    now = timezone.now()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "list"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            sheet = list_verify(
                organisation=organisation,
                asker=request_asker(request),
                path=path,
                display_name=Path(upload.name).name,
                now=now,
            )
        except EcertError as error:  # a file the reader refuses names it as error.file
            form.add_error("file", in_language(*error.texts()))
            return _home(request, organisation, status=400, list_form=form)
    response = HttpResponse(
        sheet, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="verification-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_POST
@organisation_required
def token_create(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """A new API key for one of the organisation's systems; shown once, only its hash is kept."""
    _approved(organisation)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _home(request, organisation, status=400, token_form=form)
    _token, secret = api_token_create(
        actor=organisation.account, user=organisation.account, name=form.cleaned_data["name"]
    )
    return _home(request, organisation, new_token=secret)


@require_POST
@organisation_required
def token_revoke(request: HttpRequest, organisation: Organisation, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(
        pk=token_id, user=organisation.account, revoked_at__isnull=True
    ).first()
    if token is None:
        raise Http404
    api_token_revoke(actor=organisation.account, api_token=token)
    messages.success(request, _("The API key was revoked."))
    return redirect("verify:org_home")
