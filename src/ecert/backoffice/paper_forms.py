"""Forms of the paper-certificate pages: a delivery's arrival, and the months of the overdue list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.rules.paper import Edition

SOURCE_ALL = "all"
SOURCE_LIST = "list"
SOURCE_RECORDS = "records"


class DeliveryForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Received by"),
        empty_label=None,
    )
    qualification = forms.ModelChoiceField(
        queryset=Qualification.objects.order_by("code", "key"),
        to_field_name="key",
        label=_("Exam"),
        empty_label=None,
    )
    level = forms.CharField(
        label=_("Level"),
        max_length=32,
        required=False,
        help_text=_(
            "As the records write it, such as 一级 or 中级; empty for an exam without levels"
        ),
    )
    approval_date = forms.DateField(label=_("Approval date"), help_text=_("Such as 2025-09-01"))
    edition = forms.ChoiceField(
        label=_("Edition"),
        choices=[(Edition.NEW.value, _("new version")), (Edition.OLD.value, _("old version"))],
    )
    arrived_on = forms.DateField(label=_("Arrival date"), help_text=_("Such as 2026-11-02"))
    source = forms.ChoiceField(
        label=_("Certificates"),
        widget=forms.RadioSelect,
        choices=[
            (SOURCE_ALL, _("All records already loaded for this exam, level and approval date")),
            (SOURCE_LIST, _("A list of management numbers (a column headed ZSGLH or 管理号)")),
            (
                SOURCE_RECORDS,
                _("The 11-column records file: load it, then record its certificates"),
            ),
        ],
        initial=SOURCE_ALL,
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("Excel workbook (.xlsx, .xls) or CSV file (UTF-8 or GB18030)"),
    )

    def __init__(self, *args: Any, centres: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = centres

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["level"] = (cleaned.get("level") or "").strip()
        if cleaned.get("source") in (SOURCE_LIST, SOURCE_RECORDS) and not cleaned.get("file"):
            self.add_error("file", _("Choose the file to upload."))
        return cleaned


class OverdueForm(forms.Form):
    months = forms.IntegerField(label=_("Months since arrival"), min_value=1, max_value=120)
