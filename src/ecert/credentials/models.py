"""Holders and the credentials issued to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecert.core.identity.idnumbers import IdType, Sex
from ecert.core.rules.kinds import RECORD_KINDS, CredentialForm, CredentialKind, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.core.rules.titles import GRASSROOTS
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User


class HolderManager(models.Manager["Holder"]):
    """Leaves the photo in the database until it is asked for."""

    def get_queryset(self) -> models.QuerySet[Holder]:
        return super().get_queryset().defer("photo_jpeg")


class Holder(models.Model):
    """A certificate holder: one person, known by one ID number, which is stored encrypted, found
    by keyed hash and shown masked. The name is the one last recorded; each credential keeps the
    name, sex and birth month it was issued with (``Credential.holder_name`` …)."""

    name = models.CharField(_("name"), max_length=50)
    id_type = models.CharField(_("ID type"), max_length=32, choices=choices(IdType))
    id_number_ciphertext = models.BinaryField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=32, editable=False)
    # The ID photo as received (JPEG, checked against seed 001 附件 二.3); kept in the row, so a
    # rolled-back import or upload leaves no file behind. Faces that carry a photo print it.
    photo_jpeg = models.BinaryField(_("photo"), null=True, editable=False)
    photo_sha256 = models.CharField(max_length=64, blank=True, db_default="")
    user = models.ForeignKey(  # indexed where set (holder_user): few holders sign in
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holders",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HolderManager()

    class Meta:
        verbose_name = _("holder")
        verbose_name_plural = _("holders")
        constraints = [
            models.UniqueConstraint(
                # Hash first: lookups by hash alone (bulk recording) use this index too.
                fields=["id_number_hash", "id_type"],
                name="holder_id_number_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(user__isnull=False), name="holder_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"


class CredentialQuerySet(models.QuerySet["Credential"]):
    def visible_to(self, user: User, perm: Perm) -> CredentialQuerySet:
        """Credentials issued by, registered at, or imported by an authority in the user's scope
        (an exam centre manages what it imported, though a department signs it); or the holder's
        own. A correction is made only by the authority that manages the data (谁核准公布、
        谁负责管理), never by the registration city."""
        from ecert.authorities.selectors import scope_for

        scope = scope_for(user, perm)
        if perm is Perm.CORRECT_CREDENTIAL:
            return self.filter(scope.q("issuing_authority__path", "batch__source__authority__path"))
        return self.filter(
            scope.q(
                "issuing_authority__path",
                "registration_authority__path",
                "batch__source__authority__path",
                holder_field="holder__user",
            )
        )

    def printable(self) -> CredentialQuerySet:
        """Without the records of paper certificates printed elsewhere (the certificate
        database): they have no face of ours to print."""
        return self.exclude(form=CredentialForm.PAPER, kind__in=RECORD_KINDS)


class IssuanceBatch(models.Model):
    """Credentials issued together by one authority, proved intact by one signed Merkle root."""

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    issuing_authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("issuing authority"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=choices(CredentialKind))
    # The import whose rows it issued; none for credentials issued one by one.
    source = models.ForeignKey(
        "issuance.PassListImport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batches",
    )
    size = models.PositiveIntegerField(_("size"), default=0)
    merkle_root = models.BinaryField(max_length=32, null=True, editable=False)
    statement = models.BinaryField(null=True, editable=False)  # COSE_Sign1 of the batch statement
    kid_hex = models.CharField(max_length=16, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("issuance batch")
        verbose_name_plural = _("issuance batches")

    def __str__(self) -> str:
        return self.reference


class Credential(models.Model):
    public_id = models.CharField(_("public id"), max_length=16, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=choices(CredentialKind))
    qualification = models.ForeignKey(
        "catalogue.Qualification",
        verbose_name=_("qualification"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    level = models.CharField(_("level"), max_length=32, blank=True)
    specialty = models.CharField(_("specialty"), max_length=100, blank=True)
    approval_date = models.DateField(_("approval date"))
    management_number = models.CharField(
        _("management number"), max_length=40, blank=True, db_index=True
    )
    holder = models.ForeignKey(
        Holder, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="credentials"
    )
    # The holder as this credential certifies them, exactly as signed (a later correction of the
    # name makes a new credential; this one keeps what it said).
    holder_name = models.CharField(_("name"), max_length=50, db_default="")
    holder_sex = models.CharField(
        _("sex"), max_length=8, choices=choices(Sex), blank=True, db_default=""
    )
    holder_birth_month = models.CharField(  # "YYYY-MM"
        _("birth month"), max_length=7, blank=True, db_default=""
    )
    # 谁核准公布、谁负责管理: the authority that approved the credential and manages its data.
    issuing_authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("issuing authority"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # credential_authority_status begins with it
    )
    # The city bureau where the holder registered (BMS); it hands out paper and takes replacements.
    registration_authority = models.ForeignKey(
        "authorities.Authority",
        verbose_name=_("registration city"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issue_date = models.DateField(_("issue date"))
    form = models.CharField(_("form"), max_length=16, choices=choices(CredentialForm))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=choices(CredentialStatus),
        default=CredentialStatus.VALID,
    )
    # The credential this one replaced (a correction, a replacement); at most one replaces each
    # (credential_supersedes_once). Indexed only where set: most credentials replace nothing.
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        db_index=False,
    )
    # For a score or qualification proof: the certificate record it attests (seed 001 §二(二)).
    attests = models.ForeignKey(
        "self",
        verbose_name=_("attests"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proofs",
        db_index=False,  # credential_attests, where set
    )
    # Entry in the published status lists, allocated once when first signed and never reused.
    status_index = models.BigIntegerField(_("status index"), unique=True, null=True, editable=False)
    # The signed claims (untagged COSE_Sign1, as the QR code carries them) and when they were signed.
    signed = models.BinaryField(null=True, editable=False)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True, editable=False)
    # GB/T 36904 electronic licence identifier (docs/formats/identifiers.md).
    licence_identifier = models.CharField(  # noqa: DJ001 - unique: NULL until signed, not ""
        _("licence identifier"), max_length=96, unique=True, null=True, editable=False
    )
    # A title certificate's title (高级教师), series (中小学教师) and grassroots mark, as signed.
    title = models.CharField(_("title"), max_length=16, blank=True, db_default="")
    series = models.CharField(_("series"), max_length=32, blank=True, db_default="")
    grassroots = models.BooleanField(_("grassroots title"), default=False, db_default=False)
    # 验证码 of an electronic title certificate (seed 003 第十一条): the public can query by it.
    verification_code = models.CharField(  # indexed where set (credential_verification_code)
        _("verification code"), max_length=16, blank=True, db_default=""
    )
    # Which face the document has: the catalogue list it was issued under (docs/issuance.md).
    template = models.CharField(_("template"), max_length=64, blank=True)
    # A Henan e-proof (seed 004 一(四)) stands for the paper certificate until the paper is handed
    # out; from that day (set by ecert.distribution) verification says its interim period is over.
    interim_ended_on = models.DateField(_("interim period ended on"), null=True, blank=True)
    batch = models.ForeignKey(
        IssuanceBatch,
        verbose_name=_("issuance batch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
    )
    batch_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        # A superseded credential gives its place to the one that replaced it (a correction
        # or a replacement keeps the holder, the qualification and usually the number).
        constraints = [
            # The national certificate and a province's exam proof of one passing share the 管理号.
            models.UniqueConstraint(
                fields=["qualification", "kind", "management_number"],
                condition=~models.Q(management_number="") & ~models.Q(status="superseded"),
                name="credential_number_unique_per_kind",
            ),
            models.UniqueConstraint(
                fields=["holder", "kind", "qualification", "level", "approval_date"],
                condition=~models.Q(status="superseded"),
                name="credential_one_current_per_holder_level_date",
            ),
            models.UniqueConstraint(
                fields=["supersedes"],
                condition=models.Q(supersedes__isnull=False),
                name="credential_supersedes_once",
            ),
        ]
        # Sparse columns are indexed only where set: every index costs each of the millions of
        # rows an import inserts (docs/benchmarks.md).
        indexes = [
            models.Index(
                fields=["issuing_authority", "status"], name="credential_authority_status"
            ),
            models.Index(
                fields=["attests"],
                condition=models.Q(attests__isnull=False),
                name="credential_attests",
            ),
            models.Index(
                fields=["verification_code"],
                condition=~models.Q(verification_code=""),
                name="credential_verification_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.kind} {self.management_number}"

    def heading(self) -> str:
        """What the certificate is, as its holder's pages name it: the qualification, or the
        title with its series, or else its kind."""
        if self.title:
            return f"{self.series} {self.title}".strip()
        if self.qualification is not None:
            return self.qualification.name
        return str(self.get_kind_display())

    def printed_number(self) -> str:
        """The number the page carries: the 管理号 (a proof carries the number of the certificate
        it attests), else the public id. A grassroots title's number is followed by （基层）
        (seed 003 第五条(三))."""
        if self.grassroots:
            return self.management_number + GRASSROOTS
        return self.management_number or self.public_id


class StatusIndexCounter(models.Model):
    """The next free status-list index; one row, only ever increased (docs/formats/status-list.md)."""

    next_index = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.next_index)


class CredentialCorrectionManager(models.Manager["CredentialCorrection"]):
    """Leaves the evidence scan (up to 10 MB) in the database until it is asked for."""

    def get_queryset(self) -> models.QuerySet[CredentialCorrection]:
        return super().get_queryset().defer("evidence")


class CredentialCorrection(models.Model):
    """A correction (信息修改) of a credential: the corrected credential that supersedes it, why,
    and the evidence the managing authority relied on."""

    corrected = models.OneToOneField(
        Credential,
        verbose_name=_("corrected credential"),
        on_delete=models.PROTECT,
        related_name="correction",
    )
    replacement = models.OneToOneField(
        Credential,
        verbose_name=_("replacement"),
        on_delete=models.PROTECT,
        related_name="correction_of",
    )
    changed = models.JSONField(_("changed fields"), default=list)  # names of the draft fields
    reason = models.TextField(_("reason"))
    evidence = models.BinaryField(_("evidence"), null=True, editable=False)
    evidence_type = models.CharField(max_length=32, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"))

    objects = CredentialCorrectionManager()

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.corrected_id} → {self.replacement_id}"
