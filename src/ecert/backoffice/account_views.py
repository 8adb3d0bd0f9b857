"""Signing in to the back office, and choosing one's own password. Sign-in failures are counted
per user name and per address; at the limit even the right password is refused for a while
(docs/staff-accounts.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ecert.accounts.services import STAFF_SIGNIN, staff_password_change, staff_sign_in
from ecert.accounts.throttle import throttle_keys, throttle_retry_after
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.user_forms import PasswordChangeForm, StaffSignInForm
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.i18n import in_language
from ecert.verification.limits import request_address

TOO_MANY_REQUESTS = 429


def _next(request: HttpRequest) -> str:
    """Where to go after signing in: a path of this site, or nothing."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    """The form; a locked account or address answers 429 with the form, a message saying why and
    how long, and Retry-After."""
    target = _next(request)
    if request.method != "POST":
        if request.user.is_authenticated:
            return redirect(target or "backoffice:dashboard")
        context = {"form": StaffSignInForm(), "next": target}
        return render(request, "backoffice/login.html", context)
    form = StaffSignInForm(request.POST)
    status, retry_after = 200, 0
    if form.is_valid():
        now = timezone.now()
        address = request_address(request) or ""
        username = form.cleaned_data["username"]
        try:
            user = staff_sign_in(
                username=username,
                password=form.cleaned_data["password"],
                address=address,
                now=now,
            )
        except EcertError as error:
            form.add_error(None, in_language(error.zh, error.en))
            if error.code == "signin_locked":
                keys = throttle_keys(scope=STAFF_SIGNIN, address=address, username=username)
                status, retry_after = TOO_MANY_REQUESTS, throttle_retry_after(keys, now)
        else:
            login(request, user)
            if user.must_change_password:
                messages.info(request, _("Your password was reset. Choose your own to go on."))
                return redirect_to_login(target or "", reverse("backoffice:password_change"))
            return redirect(target or "backoffice:dashboard")
    response = render(
        request, "backoffice/login.html", {"form": form, "next": target}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@requires(Perm.USE_BACKOFFICE, temporary_password=True)
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            staff_password_change(
                user=user, current=form.cleaned_data["current"], new=form.cleaned_data["password1"]
            )
        except EcertError as error:
            field = {"current_password_wrong": "current", "weak_password": "password1"}
            form.add_error(field.get(error.code), in_language(error.zh, error.en))
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is changed."))
            return redirect(_next(request) or "backoffice:dashboard")
    return render(
        request, "backoffice/password_change.html", {"form": form, "next": _next(request)}
    )
