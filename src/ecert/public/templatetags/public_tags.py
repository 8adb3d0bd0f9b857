"""Template tags that show a verification answer in the page's language."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ecert.core.formats.verify import Verdict
from ecert.i18n import in_language
from ecert.public.answer_html import answer_html
from ecert.verification.answers import NOT_FOUND_LABEL, VERDICT_LABELS, Answer

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


@register.simple_tag
def answer_block(answer: Answer) -> SafeString:
    """The verdict in the page's language with the other language beneath, then the facts and
    the checks (ecert.public.answer_html)."""
    return answer_html(answer)
