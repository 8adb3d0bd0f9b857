"""Forms of the public verification pages and the organisation pages: they parse and bound input;
the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.verification.organisations import city_bureaus
from ecert.verification.services import PDF_MAX_BYTES

_PLAIN = {"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"}


class QueryForm(forms.Form):
    """Name, ID number and number: all three, so that nobody learns of a certificate by guessing."""

    name = forms.CharField(label=_("Holder's name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, widget=forms.TextInput(attrs=_PLAIN)
    )
    number = forms.CharField(
        label=_("Management or certificate number"),
        max_length=40,
        widget=forms.TextInput(attrs=_PLAIN),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        help_text=_("Printed on an electronic title certificate (职称电子证书)."),
        widget=forms.TextInput(attrs=_PLAIN),
    )


class PdfForm(forms.Form):
    file = forms.FileField(
        label=_("PDF or OFD file"),
        help_text=_("The electronic certificate exactly as you received it (at most 10 MB)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,.pdf,application/ofd,.ofd"}
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > PDF_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class QrForm(forms.Form):
    text = forms.CharField(
        label=_("QR code text"),
        max_length=700,
        help_text=_(
            "The text a scanner reads from the certificate's QR code (it starts HTTPS://)."
        ),
        widget=forms.TextInput(attrs=_PLAIN),
    )


class ListForm(forms.Form):
    file = forms.FileField(
        label=_("List of certificates"),
        help_text=_(
            "Excel (.xlsx, .xls) or CSV with the columns 姓名, 证件号码 and 证书编号 "
            "(or 验证码); at most 2,000 rows."
        ),
    )


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=100)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        min_length=18,
        max_length=18,
        widget=forms.TextInput(attrs=_PLAIN),
    )
    city = forms.ModelChoiceField(
        label=_("City bureau"),
        queryset=Authority.objects.none(),
        help_text=_("The city human-resources bureau that approves your organisation."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    username = forms.RegexField(
        label=_("User name"),
        max_length=40,
        regex=r"^[A-Za-z0-9_.-]{4,40}$",
        help_text=_("4 to 40 letters, digits or _ . -"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["city"].queryset = Authority.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in city_bureaus()]
        ).order_by("path")


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name of the system that will use the key"), max_length=100)
