"""The authority tree: ministry → province → city → county, with departments, associations, institutions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.kinds import AuthorityKind, AuthorityLevel
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.core.rules.roles import Perm


class AuthorityQuerySet(models.QuerySet["Authority"]):
    def visible_to(self, user: User, perm: Perm) -> AuthorityQuerySet:
        """The authorities inside the subtrees where `user` holds `perm` (the one scoping door)."""
        from ecert.authorities.selectors import scope_for

        return self.filter(scope_for(user, perm).q("path"))


class Authority(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=128, unique=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=choices(AuthorityKind))
    level = models.CharField(_("level"), max_length=16, choices=choices(AuthorityLevel))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of keys, "/mohrss/sd-hrss/sd-jinan/": a subtree is a prefix match.
    path = models.CharField(max_length=512, unique=True, editable=False)
    division_code = models.CharField(_("GB/T 2260 division code"), max_length=6, blank=True)
    region_department_code = models.CharField(_("region-department code"), max_length=5, blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    sector = models.CharField(_("sector"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        constraints = [
            models.UniqueConstraint(
                fields=["region_department_code"],
                condition=~models.Q(region_department_code=""),
                name="authority_region_department_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2
