"""The portal's own reads; documents and 加注 copies are read through ecert.documents.selectors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ecert.core.rules.replacement import OPEN_STATES, State
from ecert.credentials.models import Holder
from ecert.replacement.models import Application
from ecert.replacement.selectors import applications_own

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.credentials.models import Credential

# How long the portal's home names an application that was completed or returned.
RECENT = timedelta(days=30)


def holder_name_for(user: User) -> str:
    """The name of the holder whose account ``user`` is (blank for any other user)."""
    name = Holder.objects.filter(user=user).values_list("name", flat=True).first()
    return name or ""


def open_application(user: User, credential: Credential) -> Application | None:
    """The holder's application under way for ``credential``, if any."""
    return (
        applications_own(user)
        .filter(credential=credential, state__in=[s.value for s in OPEN_STATES])
        .first()
    )


def recently_closed(user: User, now: datetime) -> list[Application]:
    """The holder's applications completed or returned in the 30 days before ``now``, named on
    the portal's home page."""
    return list(
        applications_own(user).filter(
            state__in=[State.COMPLETED.value, State.RETURNED.value], state_since__gte=now - RECENT
        )
    )
