"""Forms of the title pages: they parse; ``ecert.titles`` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import (
    IdNumber,
    IdType,
    detect_id_type,
    parse_id_number,
)
from ecert.core.rules.kinds import CredentialForm
from ecert.titles.certificates import PLEDGE_MAX_BYTES
from ecert.titles.models import SeriesLevel
from ecert.vocabulary import choices


class ApproverField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Authority.objects.none(),
            to_field_name="key",
            label=_("Approved and published by"),
            empty_label=None,
            **kwargs,
        )


class ApprovalForm(forms.Form):
    approver = ApproverField()
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    series_level = forms.ModelChoiceField(
        queryset=SeriesLevel.objects.select_related("scheme").order_by("scheme__mark", "code"),
        label=_("Series and level"),
        empty_label=None,
    )
    specialty = forms.CharField(label=_("Specialty"), max_length=100, required=False)
    work_unit = forms.CharField(label=_("Work unit"), max_length=100, required=False)
    review_body = forms.CharField(label=_("Review body"), max_length=100, required=False)
    review_year = forms.IntegerField(label=_("Review year"), min_value=2000, max_value=2099)
    approval_date = forms.DateField(
        label=_("Approval date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    approval_document = forms.CharField(label=_("Approval document number"), max_length=50)
    grassroots = forms.BooleanField(label=_("Grassroots title (基层)"), required=False)
    form = forms.ChoiceField(
        label=_("Certificate form"), choices=choices(CredentialForm), initial="electronic"
    )

    def __init__(self, *args: Any, approvers: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers  # type: ignore[attr-defined]

    def clean_id_number(self) -> IdNumber:
        raw = self.cleaned_data["id_number"]
        try:
            return parse_id_number(raw, detect_id_type(raw) or IdType.RESIDENT_ID)
        except EcertError as error:
            raise forms.ValidationError(str(error)) from error


class SheetForm(forms.Form):
    approver = ApproverField()
    file = forms.FileField(
        label=_("Sheet of approved titles"),
        help_text=_("Excel workbook (.xlsx, .xls) or CSV file (UTF-8 or GB18030)"),
    )

    def __init__(self, *args: Any, approvers: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers  # type: ignore[attr-defined]


class ReissueForm(forms.Form):
    pledge = forms.FileField(
        label=_("Signed pledge (职称证书遗失补办个人承诺书)"),
        help_text=_("PDF, JPEG or PNG scan, at most 10 MB"),
    )
    reviewing_unit = forms.CharField(label=_("Reviewed by (unit)"), max_length=100)
    reviewed_on = forms.DateField(
        label=_("Reviewed on"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_pledge(self) -> Any:
        """Refuse an oversized upload by its size, before anything reads it into memory."""
        pledge = self.cleaned_data["pledge"]
        if pledge.size > PLEDGE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return pledge


class RegionCodeForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(), to_field_name="key", label=_("Authority")
    )
    code = forms.CharField(label=_("Region-department code"), min_length=5, max_length=5)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities  # type: ignore[attr-defined]
