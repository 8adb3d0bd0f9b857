"""Signing holders in with their ID number and the password they chose at activation.

The portal's password form only calls ``django.contrib.auth.authenticate``. Signing in through the
government service app (OpenID Connect) is a redirect flow with views of its own in the portal,
which sign the account in with this backend's name (docs/holders.md, decision 190).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest

from ecert.accounts.models import User
from ecert.accounts.selectors import holder_account_for_id_number


class HolderIdNumberBackend(BaseBackend):
    """``authenticate(request, id_number=..., password=...)`` for holder accounts only."""

    def authenticate(
        self,
        request: HttpRequest | None,
        id_number: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if id_number is None or password is None:
            return None  # another backend's credentials (user name and password, say)
        user = holder_account_for_id_number(id_number)
        if user is None:
            # Hash anyway, so that an unknown ID number answers as slowly as a wrong password.
            User().set_password(password)
            return None
        return user if user.check_password(password) else None

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id, is_active=True).first()
