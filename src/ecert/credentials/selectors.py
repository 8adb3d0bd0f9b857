"""Scoped reads of holders and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from ecert.core.idnumbers import IdNumberError, detect_id_type, parse_id_number
from ecert.core.public_ids import is_public_id
from ecert.core.roles import Perm
from ecert.credentials.models import Credential, CredentialQuerySet
from ecert.credentials.personal_data import id_number_lookup_hash

if TYPE_CHECKING:
    from ecert.accounts.models import User


@dataclass(frozen=True)
class CredentialFilters:
    text: str = ""
    kind: str = ""
    status: str = ""
    qualification: str = ""
    authority: str = ""


def _text_condition(text: str) -> Q:
    """Search by public id, ID number (exact, via keyed hash), management number or name."""
    text = text.strip()
    condition = Q(holder__name__startswith=text) | Q(management_number=text)
    upper = text.upper()
    if is_public_id(upper):
        condition |= Q(public_id=upper)
    id_type = detect_id_type(text)
    if id_type is not None:
        try:
            number = parse_id_number(text, id_type)
        except IdNumberError:
            return condition
        condition |= Q(
            holder__id_type=number.type.value,
            holder__id_number_hash=id_number_lookup_hash(number.type, number.value),
        )
    return condition


def credential_list_for(*, user: User, filters: CredentialFilters) -> CredentialQuerySet:
    """The credentials the user may view, narrowed by the back-office filters."""
    credentials = Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL).select_related(
        "holder", "qualification", "issuing_authority", "registration_authority"
    )
    if filters.text.strip():
        credentials = credentials.filter(_text_condition(filters.text))
    if filters.kind:
        credentials = credentials.filter(kind=filters.kind)
    if filters.status:
        credentials = credentials.filter(status=filters.status)
    if filters.qualification:
        credentials = credentials.filter(qualification__key=filters.qualification)
    if filters.authority:
        credentials = credentials.filter(
            Q(issuing_authority__key=filters.authority)
            | Q(registration_authority__key=filters.authority)
        )
    return credentials


def credential_get_for(
    *, user: User, public_id: str, perm: Perm = Perm.VIEW_CREDENTIAL
) -> Credential | None:
    """One credential if it exists and the user may see it; None otherwise (the two look the same)."""
    return (
        Credential.objects.visible_to(user, perm)
        .select_related("holder", "qualification", "issuing_authority", "registration_authority")
        .filter(public_id=public_id)
        .first()
    )


def credential_neighbours_for(
    *, user: User, credential: Credential, perm: Perm = Perm.VIEW_CREDENTIAL
) -> tuple[Credential | None, Credential | None]:
    """The credential this one replaced and the one that replaced it, each only if the user may see it."""
    visible = Credential.objects.visible_to(user, perm)
    predecessor = (
        visible.filter(pk=credential.supersedes_id).first() if credential.supersedes_id else None
    )
    successor = visible.filter(supersedes_id=credential.pk).first()
    return predecessor, successor
