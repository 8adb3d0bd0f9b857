"""What the exam centre writes when it completes a replacement application (issue 17)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CompleteForm(forms.Form):
    """The new certificate's management number (the old one when it is unchanged) and the day it
    arrived; an abolished qualification's proof needs neither."""

    number = forms.CharField(
        label=_("Management number of the new certificate"),
        max_length=32,
        required=False,
        help_text=_("As printed on the new certificate; leave the old number if it is unchanged."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    arrived_on = forms.DateField(
        label=_("Day the new certificate arrived"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
