"""Forms of the holder portal: they parse and bound what is typed; the services decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.distribution.forms import MailFields
from ecert.documents.services import PURPOSE_LIMIT

_ID_NUMBER_ATTRS = {
    "autocomplete": "username",
    "autocapitalize": "characters",
    "spellcheck": "false",
    "inputmode": "text",
}


class SignInForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs=_ID_NUMBER_ATTRS)
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ActivationForm(forms.Form):
    id_number = forms.CharField(
        label=_("ID number"), max_length=32, widget=forms.TextInput(attrs=_ID_NUMBER_ATTRS)
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=32,
        help_text=_("On the notice the bureau gave you, e.g. ABCDE-FGHJK."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    password1 = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        help_text=_(
            "At least 10 characters, not only digits, not a common password, not your ID number."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Please type them again."))
        return cleaned


def one_year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


class ScopedCopyForm(forms.Form):
    """A 加注 copy: what it is for, and the last day it may be used."""

    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=PURPOSE_LIMIT,
        help_text=_("At most 20 characters, e.g. 办理执业注册."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_day = today + timedelta(days=1)
        self.last_day = one_year_after(today)
        widget = self.fields["valid_until"].widget
        widget.attrs.update({"min": self.first_day.isoformat(), "max": self.last_day.isoformat()})
        if not self.is_bound:
            self.initial.setdefault("valid_until", today + timedelta(days=30))

    def clean_valid_until(self) -> date:
        valid_until: date = self.cleaned_data["valid_until"]
        if not self.first_day <= valid_until <= self.last_day:
            raise forms.ValidationError(
                _("Choose a day from %(first)s to %(last)s.")
                % {"first": self.first_day.isoformat(), "last": self.last_day.isoformat()}
            )
        return valid_until


class PaperChoiceForm(MailFields):
    """How the holder wants to receive their paper certificate (seed 001 一(一))."""
