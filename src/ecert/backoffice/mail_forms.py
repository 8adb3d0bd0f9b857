"""Forms of the back office's mail pages and of the holder's choice recorded at the counter: they
parse and bound what is typed; ecert.distribution decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.core.rules.paper import Method

UPLOAD_LIMIT = 64 * 2**20  # a carrier's export of a year's parcels is a few megabytes


class PaperChoiceForm(forms.Form):
    """The holder's choice, told to the clerk at the counter (or on the phone)."""

    method = forms.ChoiceField(
        label=_("How the holder receives it"),
        choices=[
            (Method.MAIL.value, _("by mail (EMS)")),
            (Method.COUNTER.value, _("collect at the counter")),
        ],
        widget=forms.RadioSelect,
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Mail address"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=6, required=False)


class MailExportForm(forms.Form):
    unit = forms.CharField(widget=forms.HiddenInput)
    sender_phone = forms.CharField(label=_("Sender's phone"), max_length=20)
    sender_address = forms.CharField(label=_("Sender's address"), max_length=200)


class MailUploadForm(forms.Form):
    file = forms.FileField(
        label=_("The carrier's export (.xlsx or .csv)"),
        help_text=_(
            "The whole file is recorded or nothing is; uploading it again changes nothing."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_LIMIT:
            raise forms.ValidationError(_("The file is larger than 64 MiB."))
        return upload


class MailSyncForm(forms.Form):
    unit = forms.CharField(widget=forms.HiddenInput)
