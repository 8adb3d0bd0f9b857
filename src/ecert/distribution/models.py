"""Paper certificates after they reach the province: deliveries, where each certificate is, its
timeline, parcels, the evidence of a collection, counter checks and old-version registration forms.

A paper certificate is a record in the certificate database (a credential of form paper); its
``PaperCertificate`` row says which unit hands it out and where it is now, and its ``PaperEvent``
rows say how it got there (确保证书去向可查、可追溯, seed 001 一(一)). docs/distribution.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.paper import Edition, Method, PaperState, RegistrationFormType
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User
    from ecert.core.rules.roles import Perm


class PaperDelivery(models.Model):
    """One delivery of a sitting's paper certificates to the province (到货), as the exam centre
    recorded it."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    authority = models.ForeignKey(  # the exam centre that received it
        "authorities.Authority",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    qualification = models.ForeignKey(
        "catalogue.Qualification",
        verbose_name=_("qualification"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(_("level"), max_length=32, blank=True)
    approval_date = models.DateField(_("approval date"))
    edition = models.CharField(_("edition"), max_length=8, choices=choices(Edition))
    arrived_on = models.DateField(_("arrived on"))
    source_name = models.CharField(_("source"), max_length=200, blank=True)  # file name, or ""
    size = models.PositiveIntegerField(_("certificates"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("paper certificate delivery")
        verbose_name_plural = _("paper certificate deliveries")

    def __str__(self) -> str:
        return self.reference


class PaperCertificateQuerySet(models.QuerySet["PaperCertificate"]):
    def visible_to(self, user: User, perm: Perm) -> PaperCertificateQuerySet:
        """The one scoping of paper certificates: those handed out by a unit in the user's scope,
        those of deliveries an authority in scope received (the exam centre follows what it
        sent on), or the holder's own. The scope is turned into authority and delivery ids (two
        small tables) so that the filter rests on this table's own indexed columns: a prefix
        match on joined paths made a city's list of 100,000 take a second."""
        from ecert.authorities.models import Authority
        from ecert.authorities.selectors import scope_for

        scope = scope_for(user, perm)
        if scope.everything:
            return self.all()
        units = Authority.objects.filter(scope.q("path")).values("pk")
        deliveries = PaperDelivery.objects.filter(authority__in=units).values("pk")
        condition = models.Q(unit_id__in=units) | models.Q(delivery_id__in=deliveries)
        if scope.holder_user_id is not None:
            condition |= models.Q(credential__holder__user=scope.holder_user_id)
        return self.filter(condition)


class PaperCertificate(models.Model):
    """Where one paper certificate is, and who hands it out."""

    credential = models.OneToOneField(
        "credentials.Credential",
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="paper",
    )
    delivery = models.ForeignKey(
        PaperDelivery,
        verbose_name=_("delivery"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    unit = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("handed out by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("state"), max_length=16, choices=choices(PaperState))
    state_since = models.DateTimeField(_("since"))
    method = models.CharField(_("how"), max_length=8, choices=choices(Method), blank=True)
    # The holder's mail address while the method is mail (personal data: staff in scope and the
    # holder see it, nobody else).
    mail_recipient = models.CharField(_("recipient"), max_length=50, blank=True)
    mail_phone = models.CharField(_("phone"), max_length=20, blank=True)
    mail_address = models.CharField(_("address"), max_length=200, blank=True)
    mail_postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    handed_out_at = models.DateTimeField(_("handed out at"), null=True, blank=True)

    objects = PaperCertificateQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("paper certificate")
        verbose_name_plural = _("paper certificates")
        indexes = [
            models.Index(fields=["unit", "state"], name="paper_by_unit_state"),
            models.Index(fields=["delivery", "id"], name="paper_by_delivery"),
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.state}"


class PaperEventKind(models.TextChoices):
    ARRIVED = "arrived", _("arrived and assigned")
    CHOSEN = "chosen", _("way of handing out chosen")
    ORDERED = "ordered", _("mail order exported")
    MAILED = "mailed", _("handed to the carrier")
    TRACKING = "tracking", _("tracking event")
    DELIVERED = "delivered", _("delivered")
    RETURNED = "returned", _("returned by the carrier")
    LOST = "lost", _("lost in the mail")
    HANDED_OVER = "handed_over", _("collected at the counter")
    FORM = "form", _("registration form recorded")


class PaperEvent(models.Model):
    """One line of a paper certificate's timeline."""

    certificate = models.ForeignKey(
        PaperCertificate, on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("event"), max_length=16, choices=PaperEventKind.choices)
    state = models.CharField(_("state"), max_length=16, choices=choices(PaperState))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)  # "system", a carrier, a holder
    # Facts for the timeline, never a whole ID number: unit key, method, waybill, place …
    detail = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["certificate", "at"], name="paper_event_by_certificate")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class MailBatch(models.Model):
    """The mail orders a unit exported (or sent to a carrier's API) at one time."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    unit = models.ForeignKey(
        "authorities.Authority", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    carrier = models.CharField(_("carrier"), max_length=32)
    size = models.PositiveIntegerField(_("parcels"), default=0)
    # The sender printed on every parcel of the batch (寄件人): the unit, its phone and address.
    sender_name = models.CharField(_("sender"), max_length=128, blank=True)
    sender_phone = models.CharField(_("sender's phone"), max_length=20, blank=True)
    sender_address = models.CharField(_("sender's address"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class ParcelState(models.TextChoices):
    ORDERED = "ordered", _("ordered")
    IN_TRANSIT = "in_transit", _("in transit")
    DELIVERED = "delivered", _("delivered")
    RETURNED = "returned", _("returned")
    LOST = "lost", _("lost")


class MailParcel(models.Model):
    """One parcel holding one certificate; the address is copied at ordering."""

    reference = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    certificate = models.ForeignKey(
        PaperCertificate, on_delete=models.PROTECT, related_name="parcels"
    )
    batch = models.ForeignKey(MailBatch, on_delete=models.PROTECT, related_name="parcels")
    carrier = models.CharField(_("carrier"), max_length=32)
    recipient = models.CharField(_("recipient"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20)
    address = models.CharField(_("address"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    waybill = models.CharField(
        _("waybill number"), max_length=32, null=True, blank=True, unique=True
    )
    state = models.CharField(_("state"), max_length=16, choices=ParcelState.choices)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.reference


class TrackingEvent(models.Model):
    """One event the carrier reported for a parcel; the same report read twice is kept once."""

    parcel = models.ForeignKey(MailParcel, on_delete=models.PROTECT, related_name="tracking")
    at = models.DateTimeField(_("at"))
    code = models.CharField(_("event code"), max_length=32)
    description = models.CharField(_("description"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["parcel", "at", "code"], name="tracking_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.code}"


class Collection(models.Model):
    """The evidence of a collection at the counter (seed 001 一(一): 高拍仪、电子签名板、身份证阅读器)."""

    certificate = models.OneToOneField(
        PaperCertificate, on_delete=models.PROTECT, related_name="collection"
    )
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True)
    collected_at = models.DateTimeField(_("collected at"))
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("authorities.Authority", on_delete=models.PROTECT, related_name="+")
    by_proxy = models.BooleanField(_("collected for the holder"), default=False)
    collector_name = models.CharField(_("collector"), max_length=50)
    collector_id_type = models.CharField(_("ID type"), max_length=32)
    collector_id_number_ciphertext = models.BinaryField(editable=False)
    collector_id_number_masked = models.CharField(_("ID number"), max_length=32)
    id_source = models.CharField(_("identity read by"), max_length=8)  # "reader" | "typed"
    id_card_photo = models.BinaryField(null=True, editable=False)  # JPEG from the card reader
    id_card_data = models.JSONField(default=dict)  # the reader's other fields, as read
    camera_image = models.BinaryField(editable=False)  # 高拍仪: the certificate / ID as handed over
    camera_image_type = models.CharField(max_length=32)
    signature_png = models.BinaryField(editable=False)
    signature_strokes = models.JSONField(default=list)  # [[{x, y, t, p}, …], …]
    authorisation_image = models.BinaryField(null=True, editable=False)  # 委托书, for a proxy
    authorisation_type = models.CharField(max_length=32, blank=True)
    evidence_sha256 = models.CharField(max_length=64)  # over every piece above, in order

    def __str__(self) -> str:
        return self.receipt_number


class CounterCheckResult(models.TextChoices):
    MATCH = "match", _("matches the certificate database")
    MISMATCH = "mismatch", _("differs from the certificate database")
    NOT_FOUND = "not_found", _("not in the certificate database")


class CounterCheck(models.Model):
    """A 现场查询验证 (seed 001 三(二)): an organisation presents an original paper certificate; a
    clerk compares it with the certificate database and gives a sealed result notice."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    unit = models.ForeignKey(
        "authorities.Authority", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    organisation_name = models.CharField(_("organisation"), max_length=100)
    organisation_credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    presented = models.JSONField(default=dict)  # what the certificate shows; ID number masked
    credential = models.ForeignKey(
        "credentials.Credential", null=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("result"), max_length=16, choices=CounterCheckResult.choices)
    differences = models.JSONField(default=list)  # names of the fields that differ
    notice_sha256 = models.CharField(max_length=64, blank=True)
    notice_path = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.reference


class RegistrationForm(models.Model):
    """The registration form of an old-version certificate (seed 001 一(二)), with its key fields."""

    credential = models.OneToOneField(
        "credentials.Credential", on_delete=models.PROTECT, related_name="registration_form"
    )
    form_type = models.CharField(_("form"), max_length=16, choices=choices(RegistrationFormType))
    fields = models.JSONField(default=dict)
    complete = models.BooleanField(_("complete"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    def __str__(self) -> str:
        return f"{self.credential_id} {self.form_type}"
