"""Sealed PDFs, the seal pictures they show, scoped copies (加注) and print files.

A sealed PDF is made once per credential version (the signed claims it carries) and kept as a file
named by its SHA-256, so a second download returns the very same bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SealImage(models.Model):
    """The red seal an authority's documents show (PNG with a transparent background)."""

    authority = models.OneToOneField(
        "authorities.Authority",
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="seal_image",
    )
    image = models.BinaryField(_("seal picture"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    generated = models.BooleanField(_("generated demo seal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    def __str__(self) -> str:
        return f"seal {self.authority_id}"


class ScopedCopy(models.Model):
    """A 加注 copy: the credential re-signed with a purpose and a last valid day."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    credential = models.ForeignKey(
        "credentials.Credential",
        verbose_name=_("credential"),
        on_delete=models.PROTECT,
        related_name="scoped_copies",
    )
    purpose = models.CharField(_("purpose"), max_length=20)
    valid_until = models.DateField(_("valid until"))
    signed = models.BinaryField(editable=False)  # COSE_Sign1 over the claims with purpose and end
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class Media(models.TextChoices):
    """The form a sealed original is delivered in."""

    PDF = "pdf", "PDF"  # PAdES (ES256/Ed25519) or an SM2/SM3 CMS
    OFD = "ofd", "OFD"  # GB/T 33190 with a GB/T 38540 electronic seal


class SealedDocument(models.Model):
    """One sealed document as delivered (a PDF, or an OFD original); ``version`` is the SHA-256 of
    the COSE it was made from."""

    credential = models.ForeignKey(
        "credentials.Credential",
        verbose_name=_("credential"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    scoped_copy = models.OneToOneField(
        ScopedCopy, null=True, blank=True, on_delete=models.PROTECT, related_name="document"
    )
    version = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=255)  # relative to ECERT_DATA_DIR
    timestamped = models.BooleanField(default=False)  # PAdES B-T rather than B-B
    media = models.CharField(max_length=3, choices=Media.choices, default=Media.PDF)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "version", "media"],
                condition=models.Q(scoped_copy__isnull=True),
                name="one_original_per_version",
            )
        ]

    def __str__(self) -> str:
        return self.sha256


class PrintFileState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("failed")


class PrintFile(models.Model):
    """One PDF of many credentials for printing on paper, made by a background task."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=PrintFileState.choices, default=PrintFileState.QUEUED
    )
    batch = models.ForeignKey(
        "credentials.IssuanceBatch",
        verbose_name=_("issuance batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    credential_ids = models.JSONField(default=list)  # when not a whole batch: public ids in order
    authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pages = models.PositiveIntegerField(_("pages"), default=0)
    path = models.CharField(max_length=255, blank=True)  # relative to ECERT_DATA_DIR
    sha256 = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference
