"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One recorded action. Rows are never updated or deleted (database triggers refuse it)."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    authority = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("data"), default=dict)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"

    def chained_content(self) -> dict[str, Any]:
        """The fields the digest covers, in the form they were hashed."""
        return {
            "sequence": self.sequence,
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor_label,
            "action": self.action,
            "authority": self.authority_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "data": self.data,
        }


class AuditChainHead(models.Model):
    """A single row locked by every writer so that sequence numbers and digests chain in order."""

    sequence = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.sequence}"
