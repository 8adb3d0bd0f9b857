"""Back-office forms for signing in, one's own password, and staff accounts: they parse and bound
what is typed; the account services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.core.rules.roles import ROLE_LABELS, STAFF_ROLES, Role
from ecert.i18n import in_language

_NEW_PASSWORD = {"autocomplete": "new-password"}


class StaffSignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Current password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    password1 = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        help_text=_("At least 10 characters; not only digits, not a common password."),
        widget=forms.PasswordInput(attrs=_NEW_PASSWORD),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs=_NEW_PASSWORD),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, in_language(*ROLE_LABELS[role])) for role in STAFF_ROLES]


class _RoleFields(forms.Form):
    """A staff role and the authority it is held at, chosen among those the administrator
    manages."""

    role = forms.ChoiceField(label=_("Role"))
    authority = forms.ModelChoiceField(
        label=_("Authority"), queryset=Authority.objects.none(), to_field_name="key"
    )

    def __init__(self, *args: Any, authorities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        authority = self.fields["authority"]
        assert isinstance(role, forms.ChoiceField)
        assert isinstance(authority, forms.ModelChoiceField)
        role.choices = _role_choices()
        authority.queryset = authorities

    def chosen_role(self) -> Role:
        return Role(self.cleaned_data["role"])


class RoleAssignForm(_RoleFields):
    pass


class TemporaryPasswordField(forms.CharField):
    def __init__(self) -> None:
        super().__init__(
            label=_("Temporary password"),
            max_length=128,
            strip=False,
            required=False,
            help_text=_(
                "Leave empty to have one made and shown once. Either way the user must choose "
                "their own at their next sign-in."
            ),
            widget=forms.PasswordInput(attrs=_NEW_PASSWORD),
        )


class StaffAccountForm(_RoleFields):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(label=_("Display name"), max_length=64, required=False)
    password = TemporaryPasswordField()

    field_order = ["username", "display_name", "role", "authority", "password"]


class PasswordResetForm(forms.Form):
    password = TemporaryPasswordField()
