"""The form of a collection at the counter: what the ID-card reader, the document camera and the
signature pad put into the page (src/ecert/backoffice/static/ecert/paper-collect.js), or what the
clerk typed. Only the shape is checked here; the rules are ``ecert.core.rules.collection``'s."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from ecert.core.identity.idnumbers import ID_TYPE_LABELS, IdType
from ecert.core.rules.collection import (
    MAX_CARD_PHOTO_BYTES,
    MAX_IMAGE_BYTES,
    MAX_SIGNATURE_BYTES,
    CounterEvidence,
    IdSource,
)

_IMAGES = "image/jpeg,image/png,.jpg,.jpeg,.png"
# Hidden fields carry base64 and JSON; these bound them before anything is decoded.
_CARD_PHOTO_TEXT = (MAX_CARD_PHOTO_BYTES * 4) // 3 + 64
_STROKES_TEXT = 4 * 2**20


class CollectForm(forms.Form):
    by_proxy = forms.BooleanField(label=_("Someone collects for the holder (代领)"), required=False)
    id_source = forms.ChoiceField(
        choices=[(s.value, s.value) for s in IdSource],
        initial=IdSource.TYPED.value,
        widget=forms.HiddenInput,
    )
    collector_name = forms.CharField(
        label=_("Name of the collector"), max_length=50, required=False
    )
    collector_id_type = forms.ChoiceField(
        label=_("ID type"),
        choices=[(t.value, label.zh) for t, label in ID_TYPE_LABELS.items()],
        initial=IdType.RESIDENT_ID.value,
    )
    collector_id_number = forms.CharField(label=_("ID number"), max_length=40, required=False)
    id_card_photo = forms.CharField(
        required=False, max_length=_CARD_PHOTO_TEXT, widget=forms.HiddenInput
    )
    id_card_data = forms.CharField(required=False, max_length=8000, widget=forms.HiddenInput)
    camera_image = forms.FileField(
        label=_("Picture from the document camera"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _IMAGES}),
    )
    signature = forms.FileField(
        required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/png"})
    )
    signature_strokes = forms.CharField(
        required=False, max_length=_STROKES_TEXT, widget=forms.HiddenInput
    )
    authorisation_image = forms.FileField(
        label=_("Written authorisation (委托书)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _IMAGES}),
    )
    confirm = forms.BooleanField(
        label=_("I have checked the identity and hand the certificate over"), required=True
    )

    def clean_id_card_photo(self) -> bytes | None:
        text = self.cleaned_data.get("id_card_photo", "").strip()
        if not text:
            return None
        if text.startswith("data:"):
            text = text.partition(",")[2]
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise forms.ValidationError(
                _("The card reader's photo could not be read: read the card again.")
            ) from error

    def clean_id_card_data(self) -> dict[str, Any]:
        text = self.cleaned_data.get("id_card_data", "").strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("The card reader's data could not be read: read the card again.")
            ) from error
        if not isinstance(data, dict):
            raise forms.ValidationError(
                _("The card reader's data could not be read: read the card again.")
            )
        return data

    def clean_signature_strokes(self) -> object:
        text = self.cleaned_data.get("signature_strokes", "").strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except ValueError as error:
            raise forms.ValidationError(
                _("The signature could not be read: clear the pad and sign again.")
            ) from error

    def evidence(self) -> CounterEvidence:
        data = self.cleaned_data
        source = IdSource(data["id_source"])
        return CounterEvidence(
            collector_name=data["collector_name"],
            collector_id_type=IdType(data["collector_id_type"]),
            collector_id_number=data["collector_id_number"],
            id_source=source,
            camera_image=_read(data["camera_image"], MAX_IMAGE_BYTES),
            signature_png=_read(data["signature"], MAX_SIGNATURE_BYTES),
            signature_strokes=data["signature_strokes"],
            by_proxy=data["by_proxy"],
            id_card_photo=data["id_card_photo"] if source is IdSource.READER else None,
            id_card_data=data["id_card_data"] if source is IdSource.READER else {},
            authorisation_image=_read(data["authorisation_image"], MAX_IMAGE_BYTES) or None,
        )


def _read(upload: UploadedFile[bytes] | None, limit: int) -> bytes:
    """The upload's bytes, at most one past ``limit`` (the size check then refuses it)."""
    if not upload:
        return b""
    data: bytes = upload.read(limit + 1)
    return data
