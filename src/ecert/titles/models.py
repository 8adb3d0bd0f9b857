"""Professional titles (职称, seed 003): the code tables, the approval records, the numbers.

An approval record is what an authorised body approved and published (核准公布) for one person;
a title certificate is a credential issued for it, with a number from the province-wide rule. The
record belongs to the body that approved it and, for the one case 第六条 names, to the city
bureau that manages it (谁核准公布、谁负责管理). docs/titles.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.kinds import CredentialForm
from ecert.core.rules.titles import TitleLevel
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.core.rules.roles import Perm


class TitleScheme(models.Model):
    """A province's numbering: the mark its numbers start with (鲁, 豫)."""

    province = models.OneToOneField(
        "authorities.Authority",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="title_scheme",
    )
    mark = models.CharField(_("province mark"), max_length=1, unique=True)

    class Meta:
        verbose_name = _("title numbering scheme")
        verbose_name_plural = _("title numbering schemes")

    def __str__(self) -> str:
        return self.mark


class SeriesLevel(models.Model):
    """One row of a province's series-level code table: 012 = 中小学教师 副高级 高级教师."""

    scheme = models.ForeignKey(
        TitleScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="series"
    )
    code = models.CharField(_("series-level code"), max_length=3)
    series = models.CharField(_("series"), max_length=32)
    level = models.CharField(_("level"), max_length=16, choices=choices(TitleLevel))
    title = models.CharField(_("title"), max_length=16)
    name = models.CharField(_("name in the code table"), max_length=40)

    class Meta:
        ordering = ["scheme", "code"]
        verbose_name = _("series-level code")
        verbose_name_plural = _("series-level codes")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="series_level_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TitleApprovalQuerySet(models.QuerySet["TitleApproval"]):
    def visible_to(self, user: User, perm: Perm) -> TitleApprovalQuerySet:
        """Records approved by, or managed by, an authority in the user's scope (the one door)."""
        from ecert.authorities.selectors import scope_for

        return self.filter(scope_for(user, perm).q("approver__path", "manager__path"))


class TitleApproval(models.Model):
    """One approved title of one person, as the approving body recorded it."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    holder = models.ForeignKey(
        "credentials.Holder",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="title_approvals",
    )
    series_level = models.ForeignKey(
        SeriesLevel, verbose_name=_("series and level"), on_delete=models.PROTECT, related_name="+"
    )
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    review_body = models.CharField(_("review body"), max_length=100, blank=True)
    review_year = models.PositiveSmallIntegerField(_("review year"))
    approval_date = models.DateField(_("approval date"))
    approval_document = models.CharField(_("approval document number"), max_length=50)
    grassroots = models.BooleanField(_("grassroots title"), default=False)
    form = models.CharField(
        _("certificate form"),
        max_length=16,
        choices=choices(CredentialForm),
        default=CredentialForm.ELECTRONIC,
    )
    approver = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    manager = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("managed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 第十五条: a body with self-governed evaluation reports its data within 30 days of forming it.
    formed_on = models.DateField(_("data formed on"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = TitleApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["-approval_date", "-id"]
        verbose_name = _("title approval")
        verbose_name_plural = _("title approvals")
        constraints = [
            # One record per person, title and approval document: a sheet imported twice adds
            # nothing the second time.
            models.UniqueConstraint(
                fields=["holder", "series_level", "approval_document"],
                name="title_approval_once",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class TitleNumberCounter(models.Model):
    """The last sequence number given in one (review year, region-department code, series-level
    code); only ever increased, in the transaction that stores the certificate it numbers."""

    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(max_length=5)
    series_code = models.CharField(max_length=3)
    last_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_code", "series_code"], name="title_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year % 100:02d}{self.region_code}{self.series_code}: {self.last_sequence}"


class TitleCertificate(models.Model):
    """A numbered certificate of an approval: the credential, and its number in parts."""

    approval = models.ForeignKey(
        TitleApproval,
        verbose_name=_("approval"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    credential = models.OneToOneField(
        "credentials.Credential",
        verbose_name=_("credential"),
        on_delete=models.PROTECT,
        related_name="title_certificate",
    )
    number = models.CharField(_("certificate number"), max_length=16, unique=True)
    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(max_length=5)
    series_code = models.CharField(max_length=3)
    sequence = models.PositiveIntegerField()

    class Meta:
        ordering = ["number"]
        verbose_name = _("title certificate")
        verbose_name_plural = _("title certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_code", "series_code", "sequence"],
                name="title_number_unique",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ReissueState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    REISSUED = "reissued", _("reissued")
    REFUSED = "refused", _("refused")


# What a pledge scan may be: its first bytes, its media type and the suffix of its file name.
PLEDGE_FORMATS = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class TitleReissueManager(models.Manager["TitleReissue"]):
    """Leaves the pledge scan (up to 10 MB) in the database until it is asked for."""

    def get_queryset(self) -> models.QuerySet[TitleReissue]:
        return super().get_queryset().defer("pledge")


class TitleReissue(models.Model):
    """An application to replace a lost or damaged paper certificate (第十二条): the holder's
    signed pledge (职称证书遗失补办个人承诺书), reviewed by their unit, brought to the approving body,
    which reissues; the old paper certificate is void from that moment."""

    reference = models.CharField(_("reference"), max_length=16, unique=True, editable=False)
    certificate = models.ForeignKey(
        TitleCertificate,
        verbose_name=_("certificate replaced"),
        on_delete=models.PROTECT,
        related_name="reissues",
    )
    # The scan is kept in the row (at most PLEDGE_MAX_BYTES), so it commits or rolls back with the
    # application: no file is left behind by an application that was never recorded.
    pledge = models.BinaryField(_("signed pledge"))
    pledge_type = models.CharField(max_length=32, editable=False)  # its media type
    pledge_sha256 = models.CharField(max_length=64, editable=False)
    # 经主管部门审核（无主管部门的由人事档案管理部门审核）: who reviewed it, and when.
    reviewing_unit = models.CharField(_("reviewing unit"), max_length=100)
    reviewed_on = models.DateField(_("reviewed on"))
    state = models.CharField(
        _("state"), max_length=16, choices=ReissueState.choices, default=ReissueState.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    replacement = models.OneToOneField(
        TitleCertificate,
        verbose_name=_("replacement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_from",
    )

    objects = TitleReissueManager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("certificate reissue")
        verbose_name_plural = _("certificate reissues")
        constraints = [
            # One open application per certificate.
            models.UniqueConstraint(
                fields=["certificate"],
                condition=models.Q(state="submitted"),
                name="title_reissue_one_open",
            )
        ]

    def __str__(self) -> str:
        return self.reference
