"""Template tags that show a verification answer in the page's language."""

from __future__ import annotations

from typing import Any

from django import template

from ecert.core.formats.verify import Check, Verdict
from ecert.i18n import in_language
from ecert.verification.answers import NOT_FOUND_LABEL, VERDICT_LABELS, Answer, check_text

register = template.Library()


@register.simple_tag
def verdict_zh(answer: Answer) -> str:
    return in_language(*VERDICT_LABELS[answer.verdict])


@register.filter
def verdict_label(verdict: str) -> str:
    """A logged verdict (a ``Verdict`` or ``not_found``) in the page's language."""
    if verdict not in set(Verdict):
        return in_language(*NOT_FOUND_LABEL)
    return in_language(*VERDICT_LABELS[Verdict(verdict)])


@register.filter
def check_label(check: Check) -> str:
    return in_language(*check_text(check))


@register.inclusion_tag("public/answer.html")
def answer_block(answer: Answer) -> dict[str, Any]:
    """The verdict in the page's language with the other language beneath, then the facts."""
    zh, en = VERDICT_LABELS[answer.verdict]
    kind = in_language(*answer.facts.kind_label()) if answer.facts is not None else ""
    note = answer.facts.interim_note() if answer.facts is not None else None
    return {
        "answer": answer,
        "verdict_zh": in_language(zh, en),
        "verdict_en": in_language(en, zh),
        "kind_label": kind,
        "interim_note": in_language(*note) if note else "",
    }
