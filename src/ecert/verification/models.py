"""Employer organisations (用证单位) and the log of every verification the registry answers.

The log is not the audit log: it records reads (who asked about which credential, through which
channel, and what they were told), thousands a second at peak, so it is a plain table filled in
batches from a synced spool file (verification/spool.py, docs/verification.md). Changes to organisations go through the
hash-chained audit log like every other write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.core.rules.roles import Perm


class OrganisationState(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    SUSPENDED = "suspended", _("suspended")


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: User, perm: Perm) -> OrganisationQuerySet:
        """Organisations registered with a city bureau in the user's scope."""
        from ecert.authorities.selectors import scope_for

        return self.filter(scope_for(user, perm).q("city__path"))


class Organisation(models.Model):
    """An employer or other organisation that verifies certificates on site (seed 001 §三(二)).

    It registers itself; the city bureau it names approves it. One account signs in for it.
    """

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    name = models.CharField(_("organisation name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    city = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("city bureau"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="organisation",
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=OrganisationState.choices,
        default=OrganisationState.PENDING,
    )
    daily_quota = models.PositiveIntegerField(_("verifications per day"), default=10_000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered at"))

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class Channel(models.TextChoices):
    QR = "qr", _("QR code")
    QUERY = "query", _("online query")
    CODE = "code", _("verification code")
    PDF = "pdf", _("PDF check")
    BATCH = "batch", _("list check")
    API = "api", _("API")
    COUNTER = "counter", _("counter check")  # 现场查询验证 (seed 001 三(二))


class VerificationEvent(models.Model):
    """One verification answered: by whom (organisation, account, address), how, and the verdict."""

    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The log is the busiest table written (every verification): its references are checked when
    # the spool is drained and guarded by PROTECT in the ORM, not by constraints that lock the
    # referenced row for every line, and the composite indexes below serve the single-column
    # lookups (decision 277).
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verifications",
        db_index=False,
        db_constraint=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    credential = models.ForeignKey(
        "credentials.Credential",
        verbose_name=_("credential"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    verdict = models.CharField(_("verdict"), max_length=24)
    # What was asked, masked as a third party may see it (never a whole ID number).
    asked = models.CharField(_("asked"), max_length=120, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        indexes = [
            models.Index(fields=["organisation", "-at"], name="verification_by_organisation"),
            models.Index(fields=["credential", "-at"], name="verification_by_credential"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.channel} {self.verdict}"


class SpoolFile(models.Model):
    """A file of verifications answered while SQLite's write lock was held (verification/spool.py),
    and how many of its lines are in the log: advanced in the same transaction as the rows it
    counts, so a drain that stops anywhere is resumed without losing or doubling a line."""

    name = models.CharField(max_length=80, unique=True)
    lines = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.lines}"
