"""Users and their role assignments, each scoped to an authority subtree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.roles import ROLE_LABELS, Role


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    # Set when a security administrator resets the password: the temporary one opens only the page
    # where the user chooses their own (docs/staff-accounts.md).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def active_assignments(self) -> list[RoleAssignment]:
        """Active role assignments with their authorities, cached on this instance for one request."""
        cached: list[RoleAssignment] | None = getattr(self, "_active_assignments", None)
        if cached is None:
            cached = list(
                self.role_assignments.filter(revoked_at__isnull=True).select_related("authority")
            )
            self._active_assignments = cached
        return cached

    def roles(self) -> frozenset[Role]:
        return frozenset(Role(a.role) for a in self.active_assignments())


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_assignments")
    role = models.CharField(
        _("role"), max_length=32, choices=[(r.value, ROLE_LABELS[r][0]) for r in Role]
    )
    authority = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "authority"],
                condition=models.Q(revoked_at__isnull=True),
                name="role_assignment_active_unique",
            )
        ]

    def __str__(self) -> str:
        where = f" @ {self.authority.key}" if self.authority is not None else ""
        return f"{self.user.username}: {self.role}{where}"


class ApiToken(models.Model):
    """A bearer token for a system calling the API on behalf of `user`; only its hash is kept."""

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    # The readable prefix and the first characters of the key: shown in lists, used for lookup.
    key_prefix = models.CharField(_("key prefix"), max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the whole token
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.key_prefix}… {self.name}"


class ActivationCode(models.Model):
    """A one-time code the bureau hands a holder to open their portal account; only its keyed
    hash is kept, so a leaked table opens no account."""

    holder = models.ForeignKey(
        "credentials.Holder",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="activation_codes",
    )
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 hex of the code, never the code
    issued_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Set when a newer code replaces this one or too many wrong codes were typed for it.
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [
            models.Index(
                fields=["holder"],
                condition=models.Q(used_at__isnull=True, voided_at__isnull=True),
                name="activation_code_open",
            )
        ]

    def __str__(self) -> str:
        return f"activation code {self.pk} for holder {self.holder_id}"
