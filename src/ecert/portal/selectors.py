"""The portal's own reads; documents and 加注 copies are read through ecert.documents.selectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecert.credentials.models import Holder

if TYPE_CHECKING:
    from ecert.accounts.models import User


def holder_name_for(user: User) -> str:
    """The name of the holder whose account ``user`` is (blank for any other user)."""
    name = Holder.objects.filter(user=user).values_list("name", flat=True).first()
    return name or ""
