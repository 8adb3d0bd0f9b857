"""Reads of organisations a clerk may decide on: the one scoping method, ``visible_to``."""

from __future__ import annotations

from ecert.accounts.models import User
from ecert.core.rules.roles import Perm
from ecert.verification.models import Organisation, OrganisationQuerySet


def organisation_list_for(*, user: User) -> OrganisationQuerySet:
    """Organisations registered with a city bureau in the clerk's scope, pending ones first."""
    return (
        Organisation.objects.visible_to(user, Perm.MANAGE_ORGANISATION)
        .select_related("city", "decided_by")
        .order_by("state", "-created_at", "-id")
    )


def organisation_get_for(*, user: User, reference: str) -> Organisation | None:
    """One such organisation, or None whether it does not exist or is not the clerk's to see."""
    return organisation_list_for(user=user).filter(reference=reference).first()
