"""Page-level access for the back office: log in first, then hold the page's permission somewhere."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from ecert.authorities.selectors import user_has_perm
from ecert.core.rules.roles import Perm

if TYPE_CHECKING:
    from ecert.accounts.models import User

P = ParamSpec("P")
View = Callable[..., HttpResponseBase]


def staff_user(request: HttpRequest) -> User:
    from ecert.accounts.models import User

    assert isinstance(request.user, User)
    return request.user


def requires(perm: Perm, *, temporary_password: bool = False) -> Callable[[View], View]:
    """Anonymous users go to the login page; users without `perm` anywhere get 403. A user whose
    password was reset goes to the page where they choose their own, unless this is that page
    (``temporary_password``)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            user = staff_user(request)
            if not (user_has_perm(user, Perm.USE_BACKOFFICE) and user_has_perm(user, perm)):
                raise PermissionDenied
            if user.must_change_password and not temporary_password:
                return redirect_to_login(
                    request.get_full_path(), reverse("backoffice:password_change")
                )
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorate
