"""Forms of the registration-form and counter-check pages: they parse; ``ecert.distribution``
decides (what the record says, what is missing, what differs)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.rules.paper import RegistrationFormType

# The typed fields of the registration form, in form order (registration_forms.TYPED_FIELDS).
FORM_LABELS = {
    "name": _("Full name"),
    "sex": _("Sex"),
    "birth_month": _("Birth month"),
    "work_unit": _("Work unit"),
    "qualification": _("Qualification"),
    "level": _("Level"),
    "specialty": _("Specialty"),
    "exam_year": _("Exam year"),
    "approval_date": _("Approval date"),
    "management_number": _("Management number"),
    "education": _("Education"),
    "job_title": _("Present professional post"),
    "phone": _("Phone"),
    "note": _("Note"),
}
TICK_LABELS = {
    "photo": _("The photo is stuck on the form"),
    "unit_seal": _("The reviewing unit's seal is on the form, clear"),
    "exam_body_seal": _("The exam body's seal is on the form, clear"),
}


class RegistrationFormForm(forms.Form):
    form_type = forms.ChoiceField(
        label=_("Form"),
        choices=[
            (RegistrationFormType.PROFESSIONAL.value, "专业技术资格考试登记表"),
            (RegistrationFormType.PRACTISING.value, "执（职）业资格考试登记表"),
        ],
    )

    def __init__(self, *args: Any, on_record: dict[str, str], **kwargs: Any) -> None:
        """``on_record``: the record's values; their fields are shown read-only (the record
        wins)."""
        super().__init__(*args, **kwargs)
        for key, label in FORM_LABELS.items():
            attrs = {"readonly": "readonly"} if on_record.get(key) else {}
            self.fields[key] = forms.CharField(
                label=label,
                max_length=100,
                required=False,
                widget=forms.TextInput(attrs=attrs),
            )
        for key, label in TICK_LABELS.items():
            self.fields[key] = forms.BooleanField(label=label, required=False)


class CounterCheckForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Checked by"),
        empty_label=None,
    )
    organisation_name = forms.CharField(label=_("Organisation"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    management_number = forms.CharField(label=_("Management number"), max_length=40)
    name = forms.CharField(label=_("Full name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    qualification = forms.ModelChoiceField(
        queryset=Qualification.objects.order_by("name"),
        to_field_name="key",
        label=_("Qualification"),
    )
    level = forms.CharField(label=_("Level"), max_length=32, required=False)
    approval_date = forms.DateField(
        label=_("Approval date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, units: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
