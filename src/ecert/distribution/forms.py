"""The mail-or-collection fields that every form offering a paper certificate asks (the holder's
paper choice, the replacement application); ``ecert.distribution.services.MailAddress`` checks what
they carry."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MailFields(forms.Form):
    """Mail or collection, with the address a parcel carries: the paper-choice form's fields,
    shared by the replacement application (the services check them: MailAddress)."""

    method = forms.ChoiceField(
        label=_("How you receive it"),
        choices=[("mail", _("by mail (EMS)")), ("counter", _("collect at the counter"))],
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Mail address"),
        max_length=200,
        required=False,
        help_text=_("Province, city, district, street and house number."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
