"""Scoped reads of holders and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, detect_id_type, parse_id_number
from ecert.core.identity.public_ids import is_public_id
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential, CredentialQuerySet, Holder
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


def credential_text_condition(text: str, prefix: str = "") -> Q:
    """The one way of searching credentials by text: public id, ID number (exact, via the keyed
    hash), management number or the start of the name. ``prefix`` reaches the credential from
    another model ("credential__" from a paper certificate)."""
    text = text.strip()
    condition = Q(**{f"{prefix}holder_name__startswith": text}) | Q(
        **{f"{prefix}management_number": text}
    )
    upper = text.upper()
    if is_public_id(upper):
        condition |= Q(**{f"{prefix}public_id": upper})
    id_type = detect_id_type(text)
    if id_type is not None:
        try:
            number = parse_id_number(text, id_type)
        except EcertError:
            return condition
        condition |= Q(
            **{
                f"{prefix}holder__id_type": number.type.value,
                f"{prefix}holder__id_number_hash": id_number_lookup_hash(number.type, number.value),
            }
        )
    return condition


def credential_list_for(*, user: User, filters: CredentialFilters) -> CredentialQuerySet:
    """The credentials the user may view, narrowed by the back-office filters."""
    credentials = Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL).select_related(
        "holder", "qualification", "issuing_authority", "registration_authority"
    )
    if filters.text.strip():
        credentials = credentials.filter(credential_text_condition(filters.text))
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


def _id_number_conditions(raw: str, prefix: str = "") -> list[Q]:
    """One condition per document type ``raw`` parses as, on the holder's keyed hash."""
    conditions = []
    for id_type in IdType:
        try:
            number = parse_id_number(raw[:64], id_type)
        except EcertError:
            continue
        conditions.append(
            Q(
                **{
                    f"{prefix}id_type": number.type.value,
                    f"{prefix}id_number_hash": id_number_lookup_hash(number.type, number.value),
                }
            )
        )
    return conditions


def holders_with_id_number(raw: str) -> QuerySet[Holder]:
    """Every holder row whose ID number is ``raw`` under any document type it parses as.

    Unscoped: for signing a holder in or opening their account, never for a page that lists people.
    """
    conditions = _id_number_conditions(raw)
    if not conditions:
        return Holder.objects.none()
    return Holder.objects.filter(reduce(or_, conditions)).order_by("pk")


def credentials_by_id_number_and_number(*, id_number: str, numbers: list[str]) -> list[Credential]:
    """The credentials numbered one of ``numbers`` whose holder has ID number ``id_number``, newest
    first, with their issuer, holder and qualification. Unscoped: for the online query only.

    Always exactly one query, also when the ID number parses as nothing (then a condition that no
    row meets), so that the work never tells a malformed ID number from an unknown one.
    """
    conditions = _id_number_conditions(id_number, "holder__") or [Q(holder__id_number_hash="")]
    return list(
        Credential.objects.select_related("issuing_authority", "holder", "qualification")
        .filter(reduce(or_, conditions), management_number__in=numbers)
        .order_by("-issue_date", "-pk")
    )


def credential_list_own_for(*, user: User) -> CredentialQuerySet:
    """A holder's own credentials for the portal, newest first (the same scoping as every read)."""
    return Credential.objects.visible_to(user, Perm.VIEW_OWN_CREDENTIAL).select_related(
        "qualification", "issuing_authority"
    )
