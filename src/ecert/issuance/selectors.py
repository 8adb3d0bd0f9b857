"""Scoped reads of pass-list imports: the one door for every list, page, download and API read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Case, QuerySet, When

from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.core.rules.roles import Perm
from ecert.credentials.models import IssuanceBatch
from ecert.issuance.importer import stored_path
from ecert.issuance.models import PassListImport

if TYPE_CHECKING:
    from ecert.accounts.models import User


def passlist_imports_visible_to(user: User) -> QuerySet[PassListImport]:
    """Imports made at an authority in the user's scope for issuing credentials."""
    scope = scope_for(user, Perm.ISSUE_CREDENTIAL)
    return PassListImport.objects.filter(scope.q("authority__path")).select_related(
        "qualification", "authority", "actor"
    )


def passlist_import_get_for(*, user: User, reference: str) -> PassListImport | None:
    """One import if it exists and the user may see it; None otherwise (the two look the same)."""
    return passlist_imports_visible_to(user).filter(reference=reference.upper()).first()


def import_batches(job: PassListImport) -> list[IssuanceBatch]:
    """The batches an import issued, in the order they were opened."""
    return list(job.batches.select_related("issuing_authority").order_by("created_at", "id"))


def import_error_workbook(job: PassListImport) -> tuple[Path, str] | None:
    """The error workbook of an import, if it has one, and the name to download it under."""
    if not job.error_workbook:
        return None
    path = stored_path(job.error_workbook)
    if not path.is_file():
        return None
    stem = Path(job.file_name.replace("\\", "/")).stem or job.reference
    return path, f"{stem}-错误行.xlsx"


def import_authorities_for(user: User) -> QuerySet[Authority]:
    """Authorities in whose name the user may import pass lists, exam centres first."""
    return Authority.objects.visible_to(user, Perm.ISSUE_CREDENTIAL).order_by(
        Case(When(kind=AuthorityKind.EXAM_CENTRE, then=0), default=1), "path"
    )


def proof_issuers_for(user: User) -> QuerySet[Authority]:
    """The provincial exam centres in the user's scope: they issue proofs on request."""
    return Authority.objects.visible_to(user, Perm.ISSUE_CREDENTIAL).filter(
        kind=AuthorityKind.EXAM_CENTRE, level=AuthorityLevel.PROVINCE
    )
