"""The catalogue settings the province administrator edits: exam codes (考试代码)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecert.catalogue.models import Qualification


class ExamCodeForm(forms.Form):
    """The code of one exam: a level of the qualification, or the qualification itself when it has
    no levels. The service checks the code (3 digits, not another exam's)."""

    level = forms.ChoiceField(label=_("Level"), required=False)
    code = forms.CharField(
        label=_("Exam code"),
        max_length=8,
        help_text=_("3 digits, as the ministry's file names print it, e.g. 034"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )

    def __init__(self, *args: Any, qualification: Qualification, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [level.name for level in qualification.levels.all()]
        if names:
            level = self.fields["level"]
            assert isinstance(level, forms.ChoiceField)
            level.choices = [(name, name) for name in names]
            level.required = True
        else:
            del self.fields["level"]

    def level_name(self) -> str | None:
        return self.cleaned_data.get("level") or None
