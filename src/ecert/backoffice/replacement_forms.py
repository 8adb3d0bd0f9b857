"""Forms of the receiving unit's replacement pages (issue 17): they parse what the counter types
from 《个人补发（更换）证书申请》; ecert.replacement decides (the rules, the scope, the batch)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType, parse_id_number
from ecert.core.identity.names import normalise_name
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import Reason
from ecert.i18n import in_language
from ecert.vocabulary import label

UPLOAD_LIMIT = 8 * 2**20  # a photo or a scanned form: far below this
# The fields an information change may ask for (ecert.replacement.services.CHANGEABLE), as form
# fields, with how the form labels them.
CHANGE_FIELDS = {
    "change_name": ("name", _("New name")),
    "change_id_number": ("id_number", _("New ID number")),
    "change_level": ("level", _("New level")),
    "change_specialty": ("specialty", _("New specialty")),
}


def _refused(error: EcertError) -> forms.ValidationError:
    return forms.ValidationError(in_language(error.zh, error.en))


class FindRecordForm(forms.Form):
    """The record the applicant's certificate is: its management number, and the holder's name or
    ID number to confirm it."""

    management_number = forms.CharField(label=_("Management number"), max_length=40)
    who = forms.CharField(
        label=_("Holder's name or ID number"),
        max_length=64,
        help_text=_("As on the certificate or the ID card the applicant shows"),
    )


class CounterApplicationForm(forms.Form):
    """《个人补发（更换）证书申请》 as the counter types it for the holder."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(member.value, label(member)) for member in Reason],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Applicant's name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    level = forms.CharField(label=_("Level"), max_length=32, required=False)
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    approval_date = forms.DateField(
        label=_("Approval date"),
        required=False,
        help_text=_("Such as 2015-05-01; as the applicant wrote it, the database decides"),
    )
    phone = forms.CharField(label=_("Phone"), max_length=20)
    method = forms.ChoiceField(
        label=_("How the holder receives it"),
        choices=[
            (Method.MAIL.value, _("by mail (EMS)")),
            (Method.COUNTER.value, _("collect at the counter")),
        ],
        widget=forms.RadioSelect,
        initial=Method.COUNTER.value,
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    mail_phone = forms.CharField(label=_("Recipient's phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Mail address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=6, required=False)
    photo = forms.FileField(label=_("Photo (JPEG)"), required=False)
    ministry_form = forms.FileField(label=_("The ministry's application form"), required=False)
    work_need = forms.CharField(
        label=_("Work need"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    change_name = forms.CharField(label=_("New name"), max_length=50, required=False)
    change_id_number = forms.CharField(label=_("New ID number"), max_length=40, required=False)
    change_level = forms.CharField(label=_("New level"), max_length=32, required=False)
    change_specialty = forms.CharField(label=_("New specialty"), max_length=100, required=False)
    score_proof = forms.BooleanField(
        label=_("The applicant also asks for a score proof (成绩合格证明) meanwhile"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        photo_needed: bool = False,
        id_type: IdType = IdType.RESIDENT_ID,
        **kwargs: Any,
    ) -> None:
        """``photo_needed``: the record was approved before 2017; ``id_type``: the document type of
        the record's holder, which the ID numbers typed here are read as."""
        super().__init__(*args, **kwargs)
        self.fields["photo"].required = photo_needed
        self.id_type = id_type

    def clean_name(self) -> str:
        try:
            return normalise_name(self.cleaned_data["name"])
        except EcertError as error:
            raise _refused(error) from error

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"], self.id_type).value
        except EcertError as error:
            raise _refused(error) from error

    def clean_change_id_number(self) -> str:
        raw = self.cleaned_data["change_id_number"].strip()
        if not raw:
            return ""
        try:
            return parse_id_number(raw, self.id_type).value
        except EcertError as error:
            raise _refused(error) from error

    def _small(self, name: str) -> Any:
        upload = self.cleaned_data.get(name)
        if upload and upload.size > UPLOAD_LIMIT:
            raise forms.ValidationError(_("The file is larger than 8 MiB."))
        return upload

    def clean_photo(self) -> Any:
        return self._small("photo")

    def clean_ministry_form(self) -> Any:
        return self._small("ministry_form")

    def changes(self) -> dict[str, str]:
        data = self.cleaned_data
        return {key: data[name] for name, (key, _label) in CHANGE_FIELDS.items() if data.get(name)}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return (the holder reads it)"),
        max_length=500,
        required=False,  # application_return refuses an empty one, in its words
        widget=forms.Textarea(attrs={"rows": 3}),
    )
