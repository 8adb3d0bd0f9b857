"""Replacements and corrections of paper certificates (补换, 信息修改): the applications, the
monthly batches a unit sends up, the errors found in them, and the dispatches the level above
records. docs/replacement.md; the rules are in ecert.core.rules.replacement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import BatchState, Channel, Outcome, Reason, Route, State
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.core.rules.roles import Perm


def _in_scope(user: User, perm: Perm, *fields: str) -> models.Q | None:
    """A condition on ``fields`` (authority foreign keys) for the authorities in the user's
    scope, turned into ids first (a small table), or None when the scope is everything."""
    from ecert.authorities.models import Authority
    from ecert.authorities.selectors import scope_for

    scope = scope_for(user, perm)
    if scope.everything:
        return None
    units = Authority.objects.filter(scope.q("path")).values("pk")
    condition = models.Q(pk__in=[])
    for name in fields:
        condition |= models.Q(**{f"{name}_id__in": units})
    if scope.holder_user_id is not None and "holder" not in fields:
        condition |= models.Q(holder__user=scope.holder_user_id)
    return condition


class BatchQuerySet(models.QuerySet["Batch"]):
    def visible_to(self, user: User, perm: Perm) -> BatchQuerySet:
        """The one scoping of batches: those of a unit in the user's scope, or sent to one."""
        condition = _in_scope(user, perm, "unit", "target")
        return self.all() if condition is None else self.filter(condition)


class Batch(models.Model):
    """A unit's accepted applications of one month (申报年月), sent up at month end."""

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    unit = models.ForeignKey(
        "authorities.Authority", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(  # the level above: it receives the batch
        "authorities.Authority",
        verbose_name=_("submitted to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.CharField(_("month"), max_length=6)  # "202005"
    state = models.CharField(_("state"), max_length=16, choices=choices(BatchState))
    state_since = models.DateTimeField(_("since"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("reason for return"), blank=True)
    dispatch = models.ForeignKey(
        "Dispatch",
        verbose_name=_("dispatch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    created_at = models.DateTimeField(_("created at"))

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "unit_id"]
        verbose_name = _("replacement batch")
        verbose_name_plural = _("replacement batches")
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="replacement_batch_unit_month")
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: User, perm: Perm) -> ApplicationQuerySet:
        """The one scoping of applications: those a unit in the user's scope received, gathers or
        completes, or the holder's own."""
        condition = _in_scope(user, perm, "unit", "target", "exam_centre")
        return self.all() if condition is None else self.filter(condition)


class Application(models.Model):
    """One application for a replacement, a correction or a qualification proof (《个人补发
    （更换）证书申请》), and where it is."""

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    credential = models.ForeignKey(
        "credentials.Credential",
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="replacement_applications",
    )
    holder = models.ForeignKey(
        "credentials.Holder", verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=choices(Reason))
    outcome = models.CharField(_("outcome"), max_length=24, choices=choices(Outcome))
    route = models.CharField(_("route"), max_length=24, choices=choices(Route))
    channel = models.CharField(_("channel"), max_length=16, choices=choices(Channel))
    state = models.CharField(_("state"), max_length=16, choices=choices(State))
    state_since = models.DateTimeField(_("since"))
    unit = models.ForeignKey(  # receives and checks it (受理)
        "authorities.Authority",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.ForeignKey(  # gathers the unit's batches and sends them on
        "authorities.Authority",
        verbose_name=_("gathered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    exam_centre = models.ForeignKey(  # records the new certificate, issues proofs
        "authorities.Authority",
        verbose_name=_("exam centre"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    batch = models.ForeignKey(
        Batch,
        verbose_name=_("batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # What the applicant wrote; the record is what the new certificate carries.
    applicant_name = models.CharField(_("name"), max_length=50)
    applicant_id_hash = models.CharField(max_length=64, editable=False)
    applicant_id_masked = models.CharField(_("ID number"), max_length=32)
    applicant_level = models.CharField(_("level"), max_length=32, blank=True)
    applicant_specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    applicant_approval_date = models.DateField(_("approval date"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    changes = models.JSONField(_("changes asked for"), default=dict, blank=True)
    work_need = models.TextField(_("work need"), blank=True)
    score_proof_asked = models.BooleanField(_("score proof asked for"), default=False)
    score_proof = models.ForeignKey(
        "credentials.Credential",
        verbose_name=_("score proof"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    method = models.CharField(_("how"), max_length=8, choices=choices(Method))
    mail_recipient = models.CharField(_("recipient"), max_length=50, blank=True)
    mail_phone = models.CharField(_("phone"), max_length=20, blank=True)
    mail_address = models.CharField(_("address"), max_length=200, blank=True)
    mail_postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    photo_jpeg = models.BinaryField(_("photo"), null=True, editable=False)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    ministry_form = models.BinaryField(_("ministry's form"), null=True, editable=False)
    ministry_form_type = models.CharField(max_length=32, blank=True)
    ministry_form_name = models.CharField(max_length=200, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    result = models.ForeignKey(  # the new certificate, the corrected one, or the proof
        "credentials.Credential",
        verbose_name=_("result"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("applied at"))

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("replacement application")
        verbose_name_plural = _("replacement applications")
        indexes = [
            models.Index(fields=["unit", "state"], name="application_by_unit_state"),
            models.Index(fields=["credential", "state"], name="application_by_credential"),
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationEventKind(models.TextChoices):
    # A context of their own: "returned", "completed" and "sent on" also name other things.
    SUBMITTED = "submitted", pgettext_lazy("replacement event", "applied")
    ACCEPTED = "accepted", pgettext_lazy("replacement event", "accepted")
    RETURNED = "returned", pgettext_lazy("replacement event", "returned")
    WITHDRAWN = "withdrawn", pgettext_lazy("replacement event", "withdrawn")
    FORWARDED = "forwarded", pgettext_lazy("replacement event", "submitted in the month's batch")
    BATCH_RETURNED = (
        "batch_returned",
        pgettext_lazy("replacement event", "batch returned by the level above"),
    )
    DISPATCHED = "dispatched", pgettext_lazy("replacement event", "sent on")
    SCORE_PROOF = "score_proof", pgettext_lazy("replacement event", "score proof issued")
    COMPLETED = "completed", pgettext_lazy("replacement event", "completed")


class ApplicationEvent(models.Model):
    """One line of an application's timeline, which the holder follows."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("event"), max_length=16, choices=ApplicationEventKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=choices(State))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(  # on whose behalf the actor acted
        "authorities.Authority", null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)  # what the holder reads: a reason, a number
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="application_event_by_app")]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class FoundBy(models.TextChoices):
    PROVINCE = "province", _("the level above")
    MINISTRY = "ministry", _("the ministry")


class BatchError(models.Model):
    """An error found in a unit's submitted data (seed 001 二(一)3: 各市因工作不严谨导致的补换证书
    数据错误情况，将与年度人事考试工作总体评价挂钩), counted per unit and year."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="errors")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="errors"
    )
    unit = models.ForeignKey("authorities.Authority", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    found_by = models.CharField(_("found by"), max_length=16, choices=FoundBy.choices)
    description = models.TextField(_("description"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["unit", "year"], name="batch_error_by_unit_year")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.year}"


class Dispatch(models.Model):
    """What the level above sent on, and how: paper forms mailed (to 考务二科), data uploaded."""

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.CharField(_("month"), max_length=6)
    destination = models.CharField(_("sent to"), max_length=128)
    paper_mailed_on = models.DateField(_("paper forms mailed on"), null=True, blank=True)
    data_uploaded_on = models.DateField(_("data uploaded on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    files = models.JSONField(_("files"), default=list)  # [{"name", "sha256", "rows"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")

    def __str__(self) -> str:
        return self.reference
