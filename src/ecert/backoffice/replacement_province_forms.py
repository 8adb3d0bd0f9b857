"""Forms of the level above's replacement pages: they parse; ecert.replacement decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecert.replacement.models import Application, Batch, FoundBy


class DateInput(forms.DateInput):
    input_type = "date"


class BatchReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons for the return"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit reads them, corrects its batch and submits it again."),
    )


class BatchErrorForm(forms.Form):
    found_by = forms.ChoiceField(label=_("Found by"), choices=FoundBy.choices)
    application = forms.ModelChoiceField(
        label=_("Application"),
        queryset=Application.objects.none(),
        required=False,
        empty_label=_("The whole batch"),
        to_field_name="reference",
    )
    description = forms.CharField(
        label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, batch: Batch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["application"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = batch.applications.select_related("credential").order_by("pk")
        field.label_from_instance = lambda a: (  # type: ignore[method-assign,assignment]
            f"{a.reference} {a.credential.holder_name} {a.credential.management_number}"
        )


class DispatchForm(forms.Form):
    batches = forms.ModelMultipleChoiceField(
        label=_("Batches sent on"),
        queryset=Batch.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        to_field_name="reference",
    )
    paper_mailed_on = forms.DateField(
        label=_("Paper forms mailed on"), required=False, widget=DateInput
    )
    data_uploaded_on = forms.DateField(
        label=_("Data uploaded on"), required=False, widget=DateInput
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, batches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["batches"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = batches
        field.label_from_instance = lambda b: (  # type: ignore[method-assign,assignment]
            gettext("%(unit)s: %(count)s applications") % {"unit": b.unit.name, "count": b.size}
        )
