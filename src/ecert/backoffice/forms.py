"""Back-office forms: they parse and check the shape of input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecert.authorities.models import Authority
from ecert.catalogue.models import Qualification
from ecert.core.rules.issuing import ORDER
from ecert.core.rules.kinds import RECORD_KINDS, CredentialKind
from ecert.vocabulary import LABELS, PAPER_KIND_LABELS


class PassListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Pass list"),
        help_text=_("Excel workbook (.xlsx, .xls) or CSV file (UTF-8 or GB18030)"),
    )
    exam = forms.ModelChoiceField(
        queryset=Qualification.objects.order_by("code", "key"),
        to_field_name="key",
        label=_("Exam"),
        empty_label=None,
    )
    kind = forms.ChoiceField(
        label=_("Document to issue"),
        choices=[("", _("Automatic, by the catalogue")), *((k.value, LABELS[k]) for k in ORDER)],
        required=False,
    )
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Importing authority"),
        empty_label=None,
    )
    photos = forms.FileField(
        label=_("Photos (zip)"),
        required=False,
        help_text=_(
            "Optional: the zip of photos the ZP column names (ZJHM.jpg), as seed 001 packs them"
        ),
    )
    accept_valid = forms.BooleanField(
        label=_("Import the valid rows and set the bad ones aside"),
        required=False,
        help_text=_(
            "Leave unticked to store nothing when any row is wrong. When ticked, the valid rows "
            "are issued at once and the bad ones must be corrected and imported again as a "
            "separate list."
        ),
    )

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorities

    def requested_kind(self) -> CredentialKind | None:
        kind = self.cleaned_data.get("kind")
        return CredentialKind(kind) if kind else None


class RecordsUploadForm(PassListUploadForm):
    """Records of paper certificates for the certificate database: the same 11 columns."""

    kind = forms.ChoiceField(
        label=_("Certificate"),
        choices=[(k.value, PAPER_KIND_LABELS[k]) for k in RECORD_KINDS],
        required=False,
    )

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, authorities=authorities, **kwargs)
        self.fields["file"].label = _("Records")
        self.fields["authority"].label = _("Keeping authority")
        self.fields["accept_valid"].label = _("Record the valid rows and set the bad ones aside")


class ProofIssueForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Proof"),
        choices=[
            (k.value, LABELS[k])
            for k in (CredentialKind.SCORE_PROOF, CredentialKind.QUALIFICATION_PROOF)
        ],
    )
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Issuing exam centre"),
        empty_label=None,
    )
    application = forms.CharField(
        label=_("Application"),
        max_length=200,
        help_text=_("The replacement application number, or the reason for the proof"),
    )

    def __init__(self, *args: Any, centres: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = centres


class SealUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Seal picture"),
        help_text=_(
            "PNG with a transparent background, 200–2000 pixels a side, about square, at most 1 MB"
        ),
    )


class PrintFileForm(forms.Form):
    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Printing authority"),
        empty_label=None,
        help_text=_("Only certificates this authority manages are printed"),
    )

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorities


class ElicenceExportForm(forms.Form):
    """What goes into one e-licence exchange zip (docs/formats/elicence.md)."""

    authority = forms.ModelChoiceField(
        queryset=Authority.objects.none(),
        to_field_name="key",
        label=_("Exporting authority"),
        empty_label=None,
        help_text=_("Only credentials whose data this authority manages are exported"),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    issued_from = forms.DateField(label=_("Issued from"), required=False)
    issued_to = forms.DateField(label=_("Issued to"), required=False)
    batch = forms.CharField(label=_("Issuance batch"), required=False, max_length=32)

    def __init__(self, *args: Any, authorities: QuerySet[Authority], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = authorities
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("All kinds"))] + [(k.value, LABELS[k]) for k in CredentialKind]
