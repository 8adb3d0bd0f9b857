"""《个人补发（更换）证书申请》 as one form. The holder fills it in the portal; the receiving unit's
counter fills it for a holder who comes in person. Both ask the same fields under the same rules
(``situation_of``); the form parses and bounds what is typed and uploaded, and
``application_submit`` decides."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, parse_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.rules.catalogue import PhotoRule, ReplacementForm
from ecert.core.rules.paper import Method
from ecert.core.rules.photos import photo_required
from ecert.core.rules.replacement import Reason
from ecert.distribution.forms import MailFields
from ecert.distribution.services import MailAddress
from ecert.i18n import in_language
from ecert.replacement.services import ApplicationInput, electronic_exists
from ecert.vocabulary import label

if TYPE_CHECKING:
    from ecert.credentials.models import Credential

# A file larger than this is refused by the services (a scan: 10 MB); reading one byte more is
# enough for them to say so, and nothing larger is held in memory.
UPLOAD_LIMIT = 10 * 1024 * 1024

# The fields an information change may ask for, as form fields (CHANGEABLE in the services).
CHANGE_FIELDS = {
    "change_name": "name",
    "change_id_number": "id_number",
    "change_level": "level",
    "change_specialty": "specialty",
}

# The parts of the page and their fields.
GROUPS = {
    "reason": ("reason",),
    "details": ("name", "id_number", "level", "specialty", "approval_date"),
    "changes": tuple(CHANGE_FIELDS),
    "work_need": ("work_need",),
    "photo": ("photo",),
    "ministry_form": ("ministry_form",),
    "receive": ("method", "phone", "recipient", "mail_phone", "address", "postcode"),
    "score_proof": ("score_proof",),
}

# The services name the mail address's parts as MailAddress does; the form's fields for them.
_FIELD_OF_ERROR = {"holder_name": "recipient", "phone": "mail_phone"}

_CAPITALS = {"autocapitalize": "characters", "spellcheck": "false"}


@dataclass(frozen=True)
class Situation:
    """What the form asks for this certificate: the rules say which parts apply."""

    electronic: bool  # an electronic certificate or e-proof exists: the work need is asked
    photo: bool  # approved before 2017: a photo is needed to reprint it
    photo_over_30kb: bool  # 计算机技术与软件 and 通信: the photo is larger than 30 KB
    ministry_form: bool  # 计算机技术与软件 and 通信: their ministry's own form
    abolished: bool  # a qualification the state abolished: a 职/执业资格证明 instead


def situation_of(credential: Credential) -> Situation:
    """Which parts of the application apply to this paper certificate. An abolished qualification
    gets a 职/执业资格证明 instead of a reprint: no photo and no work need are asked for it."""
    qualification = credential.qualification
    if qualification is None:
        raise EcertError("not_found", "证书没有对应的资格", "the certificate has no qualification")
    abolished = qualification.abolished
    return Situation(
        electronic=not abolished and electronic_exists(credential),
        photo=not abolished and photo_required(credential.approval_date),
        photo_over_30kb=qualification.photo_rule == PhotoRule.OVER_30KB,
        ministry_form=qualification.replacement_form == ReplacementForm.MINISTRY,
        abolished=abolished,
    )


class ApplicationForm(MailFields):
    """The application's fields. ``id_type`` is the document type of the record's holder: the ID
    numbers typed here are read as that type."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(reason.value, label(reason)) for reason in Reason],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs=_CAPITALS)
    )
    level = forms.CharField(label=_("Level"), max_length=32, required=False)
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    approval_date = forms.DateField(
        label=_("Approval date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    change_name = forms.CharField(label=_("New name"), max_length=50, required=False)
    change_id_number = forms.CharField(
        label=_("New ID number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs=_CAPITALS),
    )
    change_level = forms.CharField(label=_("New level"), max_length=32, required=False)
    change_specialty = forms.CharField(label=_("New specialty"), max_length=100, required=False)
    work_need = forms.CharField(
        label=_("Why your work needs the paper certificate"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg"}),
    )
    ministry_form = forms.FileField(
        label=_("The ministry's application form"),
        required=False,
        help_text=_(
            "A scan or photo of the filled and signed form: PDF, JPEG or PNG, up to 10 MB."
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    mail_phone = forms.CharField(
        label=_("Recipient's phone"),
        max_length=20,
        required=False,
        help_text=_("Only when the recipient is not the applicant; the parcel carries it."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    score_proof = forms.BooleanField(label=_("Also issue me a score proof"), required=False)

    def __init__(
        self, *args: Any, situation: Situation, id_type: IdType = IdType.RESIDENT_ID, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.situation = situation
        self.id_type = id_type
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _(
            "The unit calls this number about the application; a parcel carries it too."
        )
        self.fields["recipient"].help_text = _("Only for mail.")
        if not situation.electronic:
            del self.fields["work_need"]
        if not situation.photo:  # where it is asked, the rules say when it is missing
            del self.fields["photo"]
        if not situation.ministry_form:
            del self.fields["ministry_form"]
        if situation.abolished:
            del self.fields["score_proof"]

    def clean_name(self) -> str:
        return self._parsed(lambda: normalise_name(self.cleaned_data["name"]))

    def clean_id_number(self) -> str:
        return self._parsed(
            lambda: parse_id_number(self.cleaned_data["id_number"], self.id_type).value
        )

    def clean_change_id_number(self) -> str:
        raw = self.cleaned_data["change_id_number"].strip()
        if not raw:
            return ""
        return self._parsed(lambda: parse_id_number(raw, self.id_type).value)

    @staticmethod
    def _parsed(parse: Any) -> str:
        try:
            value: str = parse()
        except EcertError as error:
            raise forms.ValidationError(in_language(error.zh, error.en)) from error
        return value

    @property
    def groups(self) -> dict[str, list[forms.BoundField]]:
        """The bound fields of each part of the page, in order (absent ones left out)."""
        return {
            part: [self[name] for name in names if name in self.fields]
            for part, names in GROUPS.items()
        }

    def application_input(self) -> ApplicationInput:
        """What was written, as the services take it. The parcel carries the recipient's phone,
        or the applicant's when the recipient has none of their own."""
        data = self.cleaned_data
        method = Method(data["method"])
        address = None
        if method is Method.MAIL:
            phone = data.get("mail_phone") or data["phone"]
            address = MailAddress(data["recipient"], phone, data["address"], data["postcode"])
        photo, photo_name = _upload(data.get("photo"))
        ministry_form, ministry_form_name = _upload(data.get("ministry_form"))
        return ApplicationInput(
            reason=Reason(data["reason"]),
            name=data["name"],
            id_number=data["id_number"],
            id_type=self.id_type,
            level=data["level"],
            specialty=data["specialty"],
            approval_date=data["approval_date"],
            phone=data["phone"],
            method=method,
            address=address,
            changes={
                changed: data[name] for name, changed in CHANGE_FIELDS.items() if data.get(name)
            },
            work_need=data.get("work_need", ""),
            score_proof=bool(data.get("score_proof")),
            photo=photo,
            photo_name=photo_name,
            ministry_form=ministry_form,
            ministry_form_name=ministry_form_name,
        )

    def field_of(self, error: EcertError) -> str | None:
        """The field a refusal of the services belongs beside, or None for the top of the form."""
        name = _FIELD_OF_ERROR.get(error.field, error.field)
        if name == "mail_phone" and not self.cleaned_data.get("mail_phone"):
            name = "phone"  # the parcel carried the applicant's own phone
        elif name == "changes":
            asked = error.where.label[1]
            name = {"new name": "change_name", "new ID number": "change_id_number"}.get(
                asked, next((n for n in CHANGE_FIELDS if self.cleaned_data.get(n)), "change_name")
            )
        return name if name in self.fields else None


def _upload(file: UploadedFile[bytes] | None) -> tuple[bytes | None, str]:
    if file is None:
        return None, ""
    return file.read(UPLOAD_LIMIT + 1), file.name or ""
