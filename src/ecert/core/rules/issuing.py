"""Issuing rules: which document a passer of an exam gets, who signs it, and on which face.

The catalogue lists say which documents exist for a qualification and level (national electronic
certificate style 1 or 2, a province's exam proof, a province's own electronic certificate) and
whose seal each carries. When several apply, the importer issues one, chosen in this order unless
the operator asks for another that applies (docs/issuance.md):

1. the province's own electronic certificate (seed 004: Henan 二级 exams get nothing else);
2. the province's exam proof (seeds 000, 004: issued by the province until the paper arrives);
3. the national electronic certificate (seed 002), signed by the ministry or the association.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialKind

ORDER = (
    CredentialKind.PROVINCIAL_CERTIFICATE,
    CredentialKind.EXAM_PROOF,
    CredentialKind.NATIONAL_CERTIFICATE,
)
IMPORTABLE = frozenset(ORDER)

KIND_LABELS = {
    CredentialKind.NATIONAL_CERTIFICATE: (
        "专业技术人员职业资格电子证书",
        "national electronic certificate",
    ),
    CredentialKind.PROVINCIAL_CERTIFICATE: (
        "省级职业资格电子证书",
        "provincial electronic certificate",
    ),
    CredentialKind.EXAM_PROOF: ("职业资格考试电子合格证明", "electronic exam proof"),
    CredentialKind.SCORE_PROOF: ("成绩合格证明", "score proof"),
    CredentialKind.QUALIFICATION_PROOF: ("职/执业资格证明", "qualification proof"),
    CredentialKind.TITLE_CERTIFICATE: ("职称证书", "title certificate"),
}


@dataclass(frozen=True)
class Placement:
    """A catalogue list entry that covers a qualification level."""

    list_key: str
    kind: CredentialKind
    province: str | None  # authority key of the list's province; None for national lists
    signer: str  # authority key whose seal and key the document carries
    levels: tuple[str, ...]  # empty: every level


@dataclass(frozen=True)
class IssuingRule:
    kind: CredentialKind
    signer: str
    template: str  # the catalogue list key; it names the document's face


def applicable(placements: Iterable[Placement], *, province: str, level: str) -> list[Placement]:
    """The placements an import in ``province`` may use for ``level``, in the issuing order."""
    found = [
        p
        for p in placements
        if p.kind in IMPORTABLE
        and p.province in (None, province)
        and (not p.levels or level in p.levels)
    ]
    return sorted(found, key=lambda p: ORDER.index(p.kind))


def issuing_rule(
    placements: Iterable[Placement],
    *,
    province: str,
    qualification: str,
    level: str,
    requested: CredentialKind | None = None,
) -> IssuingRule:
    """The rule for one exam level; ``requested`` picks a kind among those that apply."""
    candidates = applicable(placements, province=province, level=level)
    what = f"{qualification}{level}"
    if requested is not None:
        candidates = [p for p in candidates if p.kind is requested]
        if not candidates:
            zh, en = KIND_LABELS[requested]
            raise EcertError(
                "kind_not_applicable",
                f"目录中{what}不开具{zh}",
                f"the catalogue issues no {en} for {what}",
            )
    if not candidates:
        raise EcertError(
            "no_document",
            f"目录中没有为本省{what}开具的电子证书或证明",
            f"the catalogue lists no electronic document for {what} in this province",
        )
    chosen = candidates[0]
    return IssuingRule(kind=chosen.kind, signer=chosen.signer, template=chosen.list_key)
