"""Back-office forms for a credential's status and its correction: they parse; services decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import ID_TYPE_LABELS, IdNumber, IdType, Sex, parse_id_number
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.status import ALLOWED
from ecert.credentials.services import Correction
from ecert.i18n import in_language
from ecert.vocabulary import LABELS

REASON_MAX = 500
_MONTH = re.compile(r"(\d{4})[-./年]?\s*(\d{1,2})月?")


class StatusChangeForm(forms.Form):
    """The new status (only those the current one may become) and why."""

    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown in the audit log; required"),
    )

    def __init__(self, *args: Any, current: CredentialStatus, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.value, LABELS[s]) for s in sorted(ALLOWED[current])]

    def new_status(self) -> CredentialStatus:
        return CredentialStatus(self.cleaned_data["status"])


class CorrectionForm(forms.Form):
    """The corrected values (blank keeps the credential's), the reason and the evidence."""

    name = forms.CharField(label=_("Name"), max_length=50, required=False)
    id_type = forms.ChoiceField(
        label=_("ID type"),
        choices=[(t.value, label.zh) for t, label in ID_TYPE_LABELS.items()],
        required=False,
    )
    id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", "—"), (Sex.MALE.value, "男"), (Sex.FEMALE.value, "女")],
        required=False,
    )
    birth_month = forms.CharField(
        label=_("Birth month"), max_length=10, required=False, help_text="1990-03"
    )
    level = forms.CharField(label=_("Level"), max_length=32, required=False)
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    approval_date = forms.DateField(label=_("Approval date"), required=False)
    number = forms.CharField(label=_("Management number"), max_length=40, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("A scan or photo of the document the correction rests on (PDF, JPEG or PNG)"),
    )
    confirm = forms.BooleanField(
        label=_("I have checked the corrected values against the evidence"), required=True
    )

    def clean_id_number(self) -> IdNumber | None:
        text = self.cleaned_data.get("id_number", "").strip()
        if not text:
            return None
        id_type = IdType(self.data.get("id_type") or IdType.RESIDENT_ID.value)
        try:
            return parse_id_number(text, id_type)
        except EcertError as error:
            raise forms.ValidationError(in_language(error.zh, error.en)) from error

    def clean_birth_month(self) -> tuple[int, int] | None:
        text = self.cleaned_data.get("birth_month", "").strip()
        if not text:
            return None
        match = _MONTH.fullmatch(text)
        if match is None or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError(_("Write the month as 1990-03"))
        return int(match.group(1)), int(match.group(2))

    def correction(self) -> Correction:
        data = self.cleaned_data
        return Correction(
            name=data["name"].strip() or None,
            id_number=data["id_number"],
            sex=Sex(data["sex"]) if data["sex"] else None,
            birth_month=data["birth_month"],
            level=data["level"].strip() or None,
            specialty=data["specialty"].strip() or None,
            approval_date=data["approval_date"],
            number=data["number"].strip() or None,
        )


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_(
            "JPEG, 295 × 413 pixels, white background, 10–30 KB (over 30 KB for 计算机技术与软件 and 通信)"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,.jpg,.jpeg"}),
    )
