"""Reading the catalogue. It is public data; no scoping beyond the page permission."""

from __future__ import annotations

from django.db.models import QuerySet

from ecert.catalogue.models import (
    CatalogueList,
    Qualification,
    QualificationLevel,
    ResponsibilityRule,
    Specialty,
)
from ecert.core.rules.catalogue import PhotoRule
from ecert.core.rules.drafts import QualificationFacts


def qualification_get(*, key: str) -> Qualification | None:
    return (
        Qualification.objects.prefetch_related(
            "levels", "specialties", "list_entries__catalogue_list"
        )
        .filter(key=key)
        .first()
    )


def catalogue_list_get(*, key: str) -> CatalogueList | None:
    return (
        CatalogueList.objects.select_related("issuer", "province")
        .prefetch_related("entries__qualification", "entries__sealed_by")
        .filter(key=key)
        .first()
    )


def responsibility_rows() -> QuerySet[ResponsibilityRule]:
    return ResponsibilityRule.objects.select_related(
        "province", "qualification", "review_authority", "distribution_authority", "electronic_by"
    )


def qualification_facts(qualification_ids: set[int]) -> dict[int, QualificationFacts]:
    """What the credential rules need of the given qualifications (name, abolished, code, photo
    rule, level and specialty names), in three queries."""
    levels: dict[int, list[str]] = {}
    for qualification_id, name in QualificationLevel.objects.filter(
        qualification_id__in=qualification_ids
    ).values_list("qualification_id", "name"):
        levels.setdefault(qualification_id, []).append(name)
    specialties: dict[int, list[str]] = {}
    for qualification_id, name in Specialty.objects.filter(
        qualification_id__in=qualification_ids
    ).values_list("qualification_id", "name"):
        specialties.setdefault(qualification_id, []).append(name)
    return {
        pk: QualificationFacts(
            name=name,
            abolished=abolished,
            levels=tuple(levels.get(pk, ())),
            specialties=tuple(specialties.get(pk, ())),
            code=code,
            photo_rule=PhotoRule(photo_rule),
        )
        for pk, name, abolished, code, photo_rule in Qualification.objects.filter(
            pk__in=qualification_ids
        ).values_list("pk", "name", "abolished", "code", "photo_rule")
    }
