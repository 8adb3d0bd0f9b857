"""Pass-list imports (one per uploaded or pushed file) and the issuance batches they produce."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.vocabulary import choices


class ImportState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")  # every row issued or already issued
    PARTIAL = (
        "partial",
        _("completed, bad rows set aside"),
    )  # the operator chose to accept valid rows
    REJECTED = "rejected", _("rejected, nothing stored")  # bad rows found; nothing was stored
    FAILED = "failed", _("failed, nothing stored")  # the file could not be read, or a fault


class PassListImport(models.Model):
    """One file of the 11 columns of seed 001 to import: a pass list, whose rows are issued
    electronic documents, or records of paper certificates for the certificate database
    (``form`` paper); the file as received, the choices made, and the outcome."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=16, choices=ImportState.choices, default=ImportState.QUEUED
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    stored_file = models.CharField(max_length=255)  # relative to ECERT_DATA_DIR
    qualification = models.ForeignKey(
        "catalogue.Qualification",
        verbose_name=_("exam"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_kind = models.CharField(
        _("document"), max_length=32, choices=choices(CredentialKind), blank=True
    )
    accept_valid = models.BooleanField(_("import the valid rows and set the rest aside"))
    # Electronic: a pass list, issued as the catalogue says. Paper: records of paper certificates.
    form = models.CharField(
        _("form"),
        max_length=16,
        choices=choices(CredentialForm),
        default=CredentialForm.ELECTRONIC,
        db_default=CredentialForm.ELECTRONIC.value,
    )
    # The zip of photos the ZP column names (ZJHM.jpg), relative to ECERT_DATA_DIR; may be blank.
    photos_file = models.CharField(max_length=255, blank=True, db_default="")
    # Where the import was made; it decides the province (cities, catalogue lists) and the scope.
    authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("authority"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_read = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    already_issued = models.PositiveIntegerField(default=0)
    error_workbook = models.CharField(max_length=255, blank=True)  # relative to ECERT_DATA_DIR
    message = models.TextField(blank=True)  # why it failed or was rejected, 中文 / English
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pass-list import")
        verbose_name_plural = _("pass-list imports")

    def __str__(self) -> str:
        return f"{self.reference} {self.file_name}"
