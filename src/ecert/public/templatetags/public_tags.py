"""Template tags that show a verification answer in the page's language."""

from __future__ import annotations

from typing import Any

from django import template

from ecert.i18n import in_language
from ecert.verification.answers import VERDICT_LABELS, Answer

register = template.Library()


@register.simple_tag
def verdict_zh(answer: Answer) -> str:
    return in_language(*VERDICT_LABELS[answer.verdict])


@register.inclusion_tag("public/answer.html")
def answer_block(answer: Answer) -> dict[str, Any]:
    """The verdict in the page's language with the other language beneath, then the facts."""
    zh, en = VERDICT_LABELS[answer.verdict]
    kind = in_language(*answer.facts.kind_label()) if answer.facts is not None else ""
    return {
        "answer": answer,
        "verdict_zh": in_language(zh, en),
        "verdict_en": in_language(en, zh),
        "kind_label": kind,
    }
