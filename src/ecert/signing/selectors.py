"""Reads about keys: which authorities need keys for which kinds, and what is published."""

from __future__ import annotations

from collections import defaultdict

from ecert.authorities.models import Authority
from ecert.catalogue.models import CatalogueEntry, CatalogueList
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel, CredentialKind

# What a provincial HR department issues besides its catalogue lists (seed 003).
PROVINCE_KINDS = (CredentialKind.TITLE_CERTIFICATE,)
# What a provincial exam centre signs: the proofs it issues on request (seed 001 §二(二): 省人事考试
# 中心开具), and the records of paper certificates it keeps in the certificate database (seed 001
# 二(一)2), which are national or provincial certificates in paper form.
EXAM_CENTRE_KINDS = (
    CredentialKind.SCORE_PROOF,
    CredentialKind.QUALIFICATION_PROOF,
    CredentialKind.NATIONAL_CERTIFICATE,
    CredentialKind.PROVINCIAL_CERTIFICATE,
)


def signing_plan() -> dict[Authority, set[CredentialKind]]:
    """Every authority that signs credentials according to the catalogue, with its kinds."""
    plan: dict[Authority, set[CredentialKind]] = defaultdict(set)
    for catalogue_list in CatalogueList.objects.select_related("issuer"):
        if catalogue_list.issuer is not None:
            plan[catalogue_list.issuer].add(CredentialKind(catalogue_list.kind))
    for entry in CatalogueEntry.objects.select_related("sealed_by", "catalogue_list").filter(
        sealed_by__isnull=False
    ):
        assert entry.sealed_by is not None
        plan[entry.sealed_by].add(CredentialKind(entry.catalogue_list.kind))
    for authority in list(plan):
        if authority.level == AuthorityLevel.PROVINCE and authority.key.endswith("-hrss"):
            plan[authority].update(PROVINCE_KINDS)
    for centre in Authority.objects.filter(
        kind=AuthorityKind.EXAM_CENTRE, level=AuthorityLevel.PROVINCE
    ):
        plan[centre].update(EXAM_CENTRE_KINDS)
    # A body with a region-department code approves titles and seals their certificates (seed 003).
    for approver in Authority.objects.exclude(region_department_code=""):
        plan[approver].add(CredentialKind.TITLE_CERTIFICATE)
    return dict(plan)


def authority_by_key(key: str) -> Authority | None:
    return Authority.objects.filter(key=key).first()
