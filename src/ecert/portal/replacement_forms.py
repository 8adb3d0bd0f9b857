"""The holder's replacement application (《个人补发（更换）证书申请》) in the portal: the form parses
and bounds what is typed and uploaded; ``application_submit`` and the rules decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import Reason
from ecert.distribution.services import MailAddress
from ecert.portal.forms import MailFields
from ecert.replacement.services import ApplicationInput
from ecert.vocabulary import label

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
    "receive": ("method", "phone", "recipient", "address", "postcode"),
    "score_proof": ("score_proof",),
}


@dataclass(frozen=True)
class Situation:
    """What the form asks for this certificate: the rules say which parts apply."""

    electronic: bool  # an electronic certificate or e-proof exists: the work need is asked
    photo: bool  # approved before 2017: a photo is needed to reprint it
    photo_over_30kb: bool  # 计算机技术与软件 and 通信: the photo is larger than 30 KB
    ministry_form: bool  # 计算机技术与软件 and 通信: their ministry's own form
    abolished: bool  # a qualification the state abolished: a 职/执业资格证明 instead


class ApplicationForm(MailFields):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(reason.value, label(reason)) for reason in Reason],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
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
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
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
    score_proof = forms.BooleanField(label=_("Also issue me a score proof"), required=False)

    def __init__(self, *args: Any, situation: Situation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.situation = situation
        self.fields["phone"].required = True
        self.fields["phone"].help_text = _(
            "The unit calls this number about your application; a parcel carries it too."
        )
        self.fields["recipient"].help_text = _("Only for mail.")
        if not situation.electronic:
            del self.fields["work_need"]
        if not situation.photo:
            del self.fields["photo"]
        if not situation.ministry_form:
            del self.fields["ministry_form"]
        if situation.abolished:
            del self.fields["score_proof"]

    @property
    def groups(self) -> dict[str, list[forms.BoundField]]:
        """The bound fields of each part of the page, in order (absent ones left out)."""
        return {
            part: [self[name] for name in names if name in self.fields]
            for part, names in GROUPS.items()
        }

    def application_input(self, id_type: IdType) -> ApplicationInput:
        """What the holder wrote, as the services take it."""
        data = self.cleaned_data
        method = Method(data["method"])
        address = (
            MailAddress(data["recipient"], data["phone"], data["address"], data["postcode"])
            if method is Method.MAIL
            else None
        )
        photo, photo_name = _upload(data.get("photo"))
        ministry_form, ministry_form_name = _upload(data.get("ministry_form"))
        return ApplicationInput(
            reason=Reason(data["reason"]),
            name=data["name"],
            id_number=data["id_number"],
            id_type=id_type,
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

    def show_error(self, error: EcertError, text: str) -> None:
        """Put a refusal of the services beside the field it names (at the top when none)."""
        self.add_error(self._field_of(error), text)

    def _field_of(self, error: EcertError) -> str | None:
        name = error.field
        if name == "holder_name":  # the recipient, checked as a printed name
            name = "recipient"
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
