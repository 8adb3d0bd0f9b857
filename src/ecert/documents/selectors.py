"""Scoped reads of documents: scoped (加注) copies, seals, print files, batches one may print."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.core.rules.kinds import CredentialStatus, is_paper_record
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential, IssuanceBatch
from ecert.documents.models import PrintFile, ScopedCopy, SealImage

if TYPE_CHECKING:
    from ecert.accounts.models import User


def document_available(credential: Credential) -> bool:
    """Whether a sealed PDF can be made for the credential: it is signed and valid, and not the
    record of a paper certificate (which has no electronic original, only a query result)."""
    return (
        credential.signed is not None
        and credential.status == CredentialStatus.VALID
        and not is_paper_record(credential.kind, credential.form)
    )


def scoped_copy_list_for(*, user: User, credential: Credential, perm: Perm) -> QuerySet[ScopedCopy]:
    """The 加注 copies of a credential the user may see with ``perm`` (none otherwise), newest first."""
    visible = Credential.objects.visible_to(user, perm).filter(pk=credential.pk)
    return ScopedCopy.objects.filter(credential__in=visible).order_by("-created_at", "-id")


def scoped_copy_get_for(
    *, user: User, credential: Credential, reference: str, perm: Perm
) -> ScopedCopy | None:
    """One 加注 copy of the credential; None if missing or not the user's (the two look alike)."""
    copies = scoped_copy_list_for(user=user, credential=credential, perm=perm)
    return copies.filter(reference=reference.strip().upper()[:16]).first()


def seal_authority_get_for(*, user: User, key: str) -> Authority | None:
    """An authority whose seal the user may change; None if missing or not theirs (alike)."""
    return Authority.objects.visible_to(user, Perm.MANAGE_AUTHORITY).filter(key=key).first()


def seal_image_of(authority: Authority) -> SealImage | None:
    return SealImage.objects.filter(authority=authority).select_related("uploaded_by").first()


def print_files_visible_to(user: User) -> QuerySet[PrintFile]:
    """Print files made at an authority in the user's scope for viewing credentials."""
    scope = scope_for(user, Perm.VIEW_CREDENTIAL)
    return PrintFile.objects.filter(scope.q("authority__path")).select_related(
        "authority", "batch", "actor"
    )


def print_file_get_for(*, user: User, reference: str) -> PrintFile | None:
    """One print file if it exists and the user may see it; None otherwise (the two look alike)."""
    return print_files_visible_to(user).filter(reference=reference.upper()).first()


def printable_batch_get_for(*, user: User, reference: str) -> IssuanceBatch | None:
    """A batch holding at least one printable credential the user may see; None otherwise."""
    visible = (
        Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL)
        .printable()
        .filter(batch=OuterRef("pk"))
    )
    return (
        IssuanceBatch.objects.filter(reference=reference)
        .filter(Exists(visible))
        .select_related("issuing_authority", "source")
        .first()
    )


def printable_batches_for(*, user: User) -> QuerySet[IssuanceBatch]:
    """The batches holding a printable credential the user may see, newest first: what a city
    bureau prints the certificates of its area from (the same test as ``printable_batch_get_for``)."""
    visible = (
        Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL)
        .printable()
        .filter(batch=OuterRef("pk"))
    )
    return (
        IssuanceBatch.objects.filter(Exists(visible))
        .select_related("issuing_authority")
        .order_by("-created_at", "-id")
    )


def batch_printable_count(*, user: User, batch: IssuanceBatch) -> int:
    """How many valid credentials of the batch the user may see (what a print file of it holds
    when made at the top of the user's scope)."""
    visible = Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL).printable()
    return visible.filter(batch=batch, status=CredentialStatus.VALID).count()


def print_authorities_for(user: User) -> QuerySet[Authority]:
    """Where the user may make print files: the authorities of their own assignments (the top of
    each subtree they see), or every top-level authority for a superuser."""
    scope = scope_for(user, Perm.VIEW_CREDENTIAL)
    if scope.everything:
        return Authority.objects.filter(parent__isnull=True)
    return Authority.objects.filter(path__in=scope.paths)
