"""Forms of the receiving unit's replacement pages (issue 17): they parse what the counter types
from 《个人补发（更换）证书申请》 (the portal's form, ``ecert.replacement.forms``); ecert.replacement
decides (the rules, the scope, the batch)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.replacement.forms import ApplicationForm


class FindRecordForm(forms.Form):
    """The record the applicant's certificate is: its management number, and the holder's name or
    ID number to confirm it."""

    management_number = forms.CharField(label=_("Management number"), max_length=40)
    who = forms.CharField(
        label=_("Holder's name or ID number"),
        max_length=64,
        help_text=_("As on the certificate or the ID card the applicant shows"),
    )


class CounterApplicationForm(ApplicationForm):
    """《个人补发（更换）证书申请》 as the counter types it for the holder: the portal's form, in the
    clerk's words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Applicant's name")
        self.fields["method"].label = _("How the holder receives it")
        self.fields["approval_date"].help_text = _(
            "Such as 2015-05-01; as the applicant wrote it, the database decides"
        )
        if "work_need" in self.fields:
            self.fields["work_need"].label = _("Work need")
        if "score_proof" in self.fields:
            self.fields["score_proof"].label = _(
                "The applicant also asks for a score proof (成绩合格证明) meanwhile"
            )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for return (the holder reads it)"),
        max_length=500,
        required=False,  # application_return refuses an empty one, in its words
        widget=forms.Textarea(attrs={"rows": 3}),
    )
