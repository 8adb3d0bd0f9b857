"""Page-level access for the holder portal: signed in, and holding the holder role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeGuard

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from ecert.accounts.models import User
from ecert.core.rules.roles import Role

View = Callable[..., HttpResponseBase]


def is_holder(user: object) -> TypeGuard[User]:
    """A holder account. Superusers are refused: their scope is everything, so "my credentials"
    would list every holder's."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and not user.is_superuser
        and Role.HOLDER in user.roles()
    )


def holder_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def holder_required(view: View) -> View:
    """Anonymous visitors go to the portal's sign-in page; signed-in users who are not holders
    (staff) get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if not is_holder(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
