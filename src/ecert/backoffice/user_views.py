"""Staff accounts, for the security administrator (安全管理员): the list, a new account, its roles,
disabling and enabling it, and resetting its password. Each acts only within the administrator's
scope: an account beyond it answers like one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ecert.accounts.models import User
from ecert.accounts.selectors import staff_account_get_for, staff_authorities_for, user_list_for
from ecert.accounts.services import (
    staff_account_create,
    staff_account_disable,
    staff_account_enable,
    staff_password_reset,
    staff_role_assign,
    staff_role_revoke,
)
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.user_forms import PasswordResetForm, RoleAssignForm, StaffAccountForm
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.i18n import in_language

MANAGE = Perm.MANAGE_USERS


def _account(request: HttpRequest, username: str) -> User:
    account = staff_account_get_for(user=staff_user(request), username=username)
    if account is None:
        raise Http404
    return account


def _refused(request: HttpRequest, error: EcertError) -> None:
    messages.error(request, in_language(error.zh, error.en))


@requires(MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    users = user_list_for(user=staff_user(request))
    return render(request, "backoffice/user_list.html", {"users": users})


@never_cache
@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: the account, then its temporary password shown this once."""
    actor = staff_user(request)
    form = StaffAccountForm(
        request.POST if request.method == "POST" else None,
        authorities=staff_authorities_for(user=actor),
    )
    if request.method == "POST" and form.is_valid():
        try:
            account, made = staff_account_create(
                actor=actor,
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                role=form.chosen_role(),
                authority=form.cleaned_data["authority"],
                password=form.cleaned_data["password"] or None,
            )
        except EcertError as error:
            field = {
                "username_invalid": "username",
                "username_taken": "username",
                "weak_password": "password",
            }
            form.add_error(field.get(error.code), in_language(error.zh, error.en))
        else:
            return _password_shown(request, account, made, created=True)
    return render(request, "backoffice/user_new.html", {"form": form})


def _password_shown(
    request: HttpRequest, account: User, made: str | None, *, created: bool
) -> HttpResponse:
    """The page that shows a temporary password once; it is not kept anywhere to show again."""
    response = render(
        request,
        "backoffice/user_password_shown.html",
        {"account": account, "password": made, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@requires(MANAGE)
def user_detail(request: HttpRequest, username: str) -> HttpResponse:
    actor = staff_user(request)
    account = _account(request, username)
    return render(
        request,
        "backoffice/user_detail.html",
        {
            "account": account,
            "assignments": account.active_assignments(),
            "form": RoleAssignForm(authorities=staff_authorities_for(user=actor)),
            "is_self": account.pk == actor.pk,
        },
    )


@requires(MANAGE)
@require_POST
def user_role_assign(request: HttpRequest, username: str) -> HttpResponse:
    actor = staff_user(request)
    account = _account(request, username)
    form = RoleAssignForm(request.POST, authorities=staff_authorities_for(user=actor))
    if not form.is_valid():
        messages.error(request, _("Choose a role and an authority."))
    else:
        try:
            assignment = staff_role_assign(
                actor=actor,
                account=account,
                role=form.chosen_role(),
                authority=form.cleaned_data["authority"],
            )
        except EcertError as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("Role assigned: %(role)s") % {"role": assignment.get_role_display()}
            )
    return redirect("backoffice:user_detail", username=account.username)


@requires(MANAGE)
@require_POST
def user_role_revoke(request: HttpRequest, username: str, assignment: int) -> HttpResponse:
    account = _account(request, username)
    held = next((a for a in account.active_assignments() if a.pk == assignment), None)
    if held is None:
        raise Http404
    try:
        staff_role_revoke(actor=staff_user(request), assignment=held)
    except EcertError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Role revoked: %(role)s") % {"role": held.get_role_display()})
    return redirect("backoffice:user_detail", username=account.username)


@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def user_disable(request: HttpRequest, username: str) -> HttpResponse:
    """GET: what disabling does, and a button to confirm. POST: disable."""
    account = _account(request, username)
    if request.method != "POST":
        return render(request, "backoffice/user_disable_confirm.html", {"account": account})
    try:
        staff_account_disable(actor=staff_user(request), account=account)
    except EcertError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The account is disabled."))
    return redirect("backoffice:user_detail", username=account.username)


@requires(MANAGE)
@require_POST
def user_enable(request: HttpRequest, username: str) -> HttpResponse:
    account = _account(request, username)
    try:
        staff_account_enable(actor=staff_user(request), account=account)
    except EcertError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The account is enabled again."))
    return redirect("backoffice:user_detail", username=account.username)


@never_cache
@requires(MANAGE)
@require_http_methods(["GET", "POST"])
def user_password_reset(request: HttpRequest, username: str) -> HttpResponse:
    """GET: the form (a password may be typed, or one is made). POST: reset, and show it once."""
    account = _account(request, username)
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = staff_password_reset(
                actor=staff_user(request),
                account=account,
                password=form.cleaned_data["password"] or None,
            )
        except EcertError as error:
            field = "password" if error.code == "weak_password" else None
            form.add_error(field, in_language(error.zh, error.en))
        else:
            return _password_shown(request, account, made, created=False)
    return render(
        request, "backoffice/user_password_reset.html", {"account": account, "form": form}
    )
