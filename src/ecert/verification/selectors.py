"""Reads of organisations a clerk may decide on (the one scoping method, ``visible_to``) and of
an organisation's verification log."""

from __future__ import annotations

from django.db.models import QuerySet

from ecert.accounts.models import User
from ecert.core.rules.roles import Perm
from ecert.verification.models import Organisation, OrganisationQuerySet, VerificationEvent
from ecert.verification.spool import spool_drain


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


def verifications_recent(*, organisation: Organisation, count: int) -> QuerySet[VerificationEvent]:
    """The organisation's latest verifications, newest first. On SQLite the spooled ones (answered
    while an import held the write lock) are moved into the table first when the lock is free,
    so a reader sees every verification once no import is running (spool.py)."""
    spool_drain()
    return (
        VerificationEvent.objects.filter(organisation=organisation)
        .select_related("credential")
        .order_by("-at", "-id")[:count]
    )
