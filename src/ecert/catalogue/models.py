"""The qualification catalogue, loaded from src/ecert/data/catalogue (see docs/catalogue.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.catalogue import (
    CorrectionRoute,
    ExamCodeSource,
    PhotoRule,
    ReplacementForm,
)
from ecert.core.rules.kinds import CredentialKind
from ecert.vocabulary import choices


class Qualification(models.Model):
    key = models.SlugField(_("key"), max_length=64, unique=True)
    # Permanent number in signed credentials; set by the catalogue files (null only before a load).
    code = models.PositiveIntegerField(_("code"), unique=True, null=True)
    name = models.CharField(_("name"), max_length=64)
    abolished = models.BooleanField(_("abolished by the state"), default=False)
    replacement_form = models.CharField(
        _("replacement form"), max_length=16, choices=choices(ReplacementForm)
    )
    photo_rule = models.CharField(_("photo rule"), max_length=16, choices=choices(PhotoRule))
    correction_route = models.CharField(
        _("correction route"), max_length=16, choices=choices(CorrectionRoute)
    )
    # For a qualification without levels; blank means unknown (see QualificationLevel.exam_code).
    exam_code = models.CharField(_("exam code"), max_length=3, blank=True)
    # Who gave the exam code: the catalogue files (a notice) or the province administrator in the
    # back office (ecert.catalogue.services.exam_code_set); blank while it is unknown.
    exam_code_source = models.CharField(
        _("exam code given by"), max_length=16, blank=True, choices=choices(ExamCodeSource)
    )
    note = models.TextField(_("note"), blank=True)
    # What the national certificate's face prints (seed 002 附件, docs/catalogue.md): the English
    # title, the ministries that approve (style 1) or supervise (style 2) the qualification, and
    # {specialty: ministries} where they differ by specialty.
    name_en = models.CharField(_("English title"), max_length=128, blank=True)
    approved_by = models.CharField(_("approving ministries"), max_length=128, blank=True)
    approved_by_specialty = models.JSONField(
        _("approving ministries by specialty"), default=dict, blank=True
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self) -> str:
        return self.name

    def approvers(self, specialty: str) -> str:
        """The ministries named on the certificate of ``specialty`` (blank when unknown)."""
        by_specialty: dict[str, str] = self.approved_by_specialty or {}
        return by_specialty.get(specialty, self.approved_by)


class QualificationLevel(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("level"), max_length=32)
    # Blank means the exam code is not known from any notice; a province administrator sets it.
    exam_code = models.CharField(_("exam code"), max_length=3, blank=True)
    exam_code_source = models.CharField(
        _("exam code given by"), max_length=16, blank=True, choices=choices(ExamCodeSource)
    )

    class Meta:
        ordering = ["qualification", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "name"], name="level_unique_per_qualification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.qualification.name} {self.name}"


class Specialty(models.Model):
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="specialties"
    )
    name = models.CharField(_("specialty"), max_length=100)

    class Meta:
        ordering = ["qualification", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["qualification", "name"], name="specialty_unique_per_qualification"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CatalogueList(models.Model):
    """A list given by a notice, e.g. the 24 style-1 national electronic certificates."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=128)
    source = models.CharField(_("source"), max_length=200)
    kind = models.CharField(_("credential kind"), max_length=32, choices=choices(CredentialKind))
    style = models.PositiveSmallIntegerField(_("style"), null=True, blank=True)
    issuer = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("catalogue list")
        verbose_name_plural = _("catalogue lists")

    def __str__(self) -> str:
        return self.title


class CatalogueEntry(models.Model):
    catalogue_list = models.ForeignKey(
        CatalogueList, on_delete=models.CASCADE, related_name="entries"
    )
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("label in the notice"), max_length=100)
    qualification = models.ForeignKey(
        Qualification, on_delete=models.PROTECT, related_name="list_entries"
    )
    levels = models.JSONField(_("levels"), default=list)  # empty: every level
    sealed_by = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["catalogue_list", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalogue_list", "position"], name="entry_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class ResponsibilityRule(models.Model):
    """A row of the Henan responsibility table (seed 004): who reviews eligibility, who hands out paper."""

    province = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("label in the notice"), max_length=100)
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="+")
    levels = models.JSONField(_("levels"), default=list)
    review_authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="+"
    )
    review_levels = models.JSONField(default=list)
    distribution_authority = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    distribution_levels = models.JSONField(default=list)
    electronic_by = models.ForeignKey(
        "authorities.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        # One table row of the notice may become several rules (one per level), sharing a position.
        ordering = ["province", "position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def review_level_names(self) -> str:
        """The levels that review eligibility, by their names (省级/市级)."""
        return _level_names(self.review_levels)

    @property
    def distribution_level_names(self) -> str:
        return _level_names(self.distribution_levels)


def _level_names(levels: list[str]) -> str:
    from ecert.core.rules.kinds import AuthorityLevel
    from ecert.vocabulary import label

    return "/".join(str(label(AuthorityLevel(level))) for level in levels)
