"""Reading the catalogue. It is public data; no scoping beyond the page permission."""

from __future__ import annotations

from django.db.models import QuerySet

from ecert.catalogue.models import CatalogueList, Qualification, ResponsibilityRule


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
