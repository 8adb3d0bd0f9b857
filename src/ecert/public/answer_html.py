"""One verification answer as HTML: the verdict first, then the masked facts and the checks.

The QR landing page is the busiest page of the site (every scan of a certificate opens it), and
this block is most of it. Written in Python rather than as a template (decision 273): Django's
template engine spent about half a millisecond of CPU on it per answer, more than the signature
check. Every page that shows an answer (the landing page, the query, the PDF check, an
organisation's home) uses this one function, through the ``answer_block`` tag.

The words are the catalogue's (gettext), looked up once per language and kept: a catalogue does
not change while the process runs. Every value is escaped; nothing in an answer is trusted HTML.
"""

from __future__ import annotations

import html
from functools import cache, lru_cache
from typing import NamedTuple

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, override

from ecert.core.formats.verify import Outcome, Verdict
from ecert.core.rules.kinds import CredentialKind
from ecert.verification.answers import (
    CHECK_NOT_DONE,
    CHECK_TEXTS,
    VERDICT_LABELS,
    Answer,
    Facts,
    check_key,
)

_MARKS = {Outcome.PASS: "✓", Outcome.FAIL: "✗"}


class _Words(NamedTuple):
    """The block's fixed words in one language, escaped."""

    zh: bool
    verdict_texts: dict[Verdict, str]
    replaced_by: str  # with %(number)s
    replaced_unknown: str
    holder: str
    id_number: str
    certificate: str
    title: str
    qualification: str
    level: str
    specialty: str
    number: str
    number_says: str
    review_year: str  # with %(year)s
    approved_by: str  # with %(approver)s and %(code)s
    approving_code: str  # with %(code)s
    series_named: str  # with %(name)s and %(code)s
    series_code: str  # with %(code)s
    sequence: str  # with %(sequence)s
    grassroots: str
    approval_date: str
    issue_date: str
    purpose: str
    valid_until: str
    issuer: str
    seal_alt: str  # with %(issuer)s
    how_checked: str
    compare: str  # the landing page's advice beneath a genuine answer
    checks: dict[tuple[str, str], str]
    check_not_done: str


def _e(text: str) -> str:
    return html.escape(text)  # as Django's escape: & < > " ' (the latter as &#x27;)


@cache
def _words(language: str) -> _Words:
    with override(language):
        zh = (get_language() or "zh").startswith("zh")
        return _Words(
            zh=zh,
            verdict_texts={
                Verdict.REVOKED: _e(
                    gettext("The issuing authority has revoked this certificate. It is not valid.")
                ),
                Verdict.SUSPENDED: _e(
                    gettext(
                        "The issuing authority has suspended this certificate for now. Contact "
                        "it before relying on it."
                    )
                ),
                Verdict.EXPIRED: _e(gettext("This copy was valid only until the day shown below.")),
                Verdict.NOT_GENUINE: _e(
                    gettext(
                        "The code was not issued by this registry, or it has been altered. Do "
                        "not rely on this certificate."
                    )
                ),
                Verdict.UNTRUSTED: _e(
                    gettext(
                        "The signature is not from a key this registry trusts for this certificate."
                    )
                ),
            },
            replaced_by=_e(
                gettext("Replaced by № %(number)s. Ask the holder for the new certificate.")
            ),
            replaced_unknown=_e(
                gettext("It was replaced by a newer certificate. Ask the holder for it.")
            ),
            holder=_e(gettext("Holder")),
            id_number=_e(gettext("ID number")),
            certificate=_e(gettext("Certificate")),
            title=_e(gettext("Title")),
            qualification=_e(gettext("Qualification")),
            level=_e(gettext("Level")),
            specialty=_e(gettext("Specialty")),
            number=_e(gettext("Number")),
            number_says=_e(gettext("The number says")),
            review_year=_e(gettext("review year %(year)s")),
            approved_by=_e(gettext("approved and published by %(approver)s (code %(code)s)")),
            approving_code=_e(gettext("approving body code %(code)s")),
            series_named=_e(gettext("%(name)s (series-level code %(code)s)")),
            series_code=_e(gettext("series-level code %(code)s")),
            sequence=_e(gettext("certificate No. %(sequence)s of that series")),
            grassroots=_e(gettext("grassroots title (基层)")),
            approval_date=_e(gettext("Approval date")),
            issue_date=_e(gettext("Issue date")),
            purpose=_e(gettext("加注 purpose")),
            valid_until=_e(gettext("Valid until")),
            issuer=_e(gettext("Issuing authority")),
            seal_alt=_e(gettext("Seal of %(issuer)s")),
            how_checked=_e(gettext("How this was checked")),
            compare=_e(
                gettext(
                    "This page checked the certificate's electronic signature and asked the "
                    "registry for its current status. Compare the details above with the "
                    "certificate you were shown."
                )
            ),
            checks={key: _e(texts[0] if zh else texts[1]) for key, texts in CHECK_TEXTS.items()},
            check_not_done=_e(CHECK_NOT_DONE[0] if zh else CHECK_NOT_DONE[1]),
        )


def verdict_in_language(answer: Answer) -> str:
    """The verdict in the page's language (the page's title and heading)."""
    zh, en = VERDICT_LABELS[answer.verdict]
    return zh if _words(get_language() or "zh").zh else en


def answer_html(answer: Answer) -> SafeString:
    """The answer block in the active language, with the verdict in the other language beneath."""
    words = _words(get_language() or "zh")
    verdict = answer.verdict
    zh, en = VERDICT_LABELS[verdict]
    first, second = (zh, en) if words.zh else (en, zh)
    mark = "✓" if verdict is Verdict.VALID else "!" if answer.genuine else "✗"
    out = [
        f'<section class="verdict {verdict.value}" data-testid="verdict" '
        f'data-verdict="{verdict.value}">\n'
        f'  <p class="mark" aria-hidden="true">{mark}</p>\n  <div>\n'
        f'    <h1 data-testid="verdict-text">{_e(first)}</h1>\n'
        f'    <p class="en" lang="en">{_e(second)}</p>\n'
    ]
    if verdict is Verdict.SUPERSEDED:
        said = (
            words.replaced_by % {"number": _e(answer.replaced_by)}
            if answer.replaced_by
            else words.replaced_unknown
        )
        out.append(f'    <p data-testid="replaced-by">{said}</p>\n')
    elif verdict in words.verdict_texts:
        out.append(f"    <p>{words.verdict_texts[verdict]}</p>\n")
    out.append("  </div>\n</section>\n")
    facts = answer.facts
    if facts is not None:
        note = facts.interim_note()
        if note:
            said = note[0] if words.zh else note[1]
            out.append(f'<p class="notice" data-testid="interim-note">{_e(said)}</p>\n')
        out.append(_facts_html(facts, words))
    out.append(f'<details class="checks"><summary>{words.how_checked}</summary>\n<ul>')
    for check in answer.checks:
        text = words.checks.get(check_key(check), words.check_not_done)
        out.append(
            f'<li class="check {check.outcome.value}" data-check="{_e(check.name)}" '
            f'data-reason="{_e(check.reason)}"><span aria-hidden="true">'
            f"{_MARKS.get(check.outcome, '–')}</span> {text}</li>"
        )
    out.append("</ul>\n</details>\n")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def landing_html(answer: Answer) -> SafeString:
    """The QR landing page's content: the answer, and beneath facts the advice to compare them."""
    block = answer_html(answer)
    if answer.facts is None:
        return block
    advice = _words(get_language() or "zh").compare
    return mark_safe(f'{block}<p class="help">{advice}</p>\n')  # noqa: S308 - both escaped


@lru_cache(maxsize=1024)
def _seal_url(issuer_key: str, prefix: str) -> str:
    """The address of an authority's seal picture (a few hundred authorities; reversed once)."""
    return reverse("verify:seal", args=[issuer_key])


def _facts_html(facts: Facts, words: _Words) -> str:
    kind = facts.kind_label()
    out = [
        '<dl class="panel facts" data-testid="facts">\n',
        f'  <dt>{words.holder}</dt><dd data-testid="holder">{_e(facts.holder_name)}</dd>\n',
        f'  <dt>{words.id_number}</dt><dd><code data-testid="id-number">'
        f"{_e(facts.id_number)}</code></dd>\n",
        f'  <dt>{words.certificate}</dt><dd data-testid="kind">'
        f"{_e(kind[0] if words.zh else kind[1])}</dd>\n",
    ]
    if facts.qualification:
        label = (
            words.title if facts.kind is CredentialKind.TITLE_CERTIFICATE else words.qualification
        )
        out.append(
            f'  <dt>{label}</dt><dd data-testid="qualification">{_e(facts.qualification)}</dd>\n'
        )
    if facts.level:
        out.append(f"  <dt>{words.level}</dt><dd>{_e(facts.level)}</dd>\n")
    if facts.specialty:
        out.append(f"  <dt>{words.specialty}</dt><dd>{_e(facts.specialty)}</dd>\n")
    out.append(
        f'  <dt>{words.number}</dt><dd><code data-testid="number">{_e(facts.number)}</code></dd>\n'
    )
    reading = facts.reading
    if reading is not None:
        approver = (
            words.approved_by % {"approver": _e(reading.approver), "code": _e(reading.region_code)}
            if reading.approver
            else words.approving_code % {"code": _e(reading.region_code)}
        )
        series = (
            words.series_named % {"name": _e(reading.series_level), "code": _e(reading.series_code)}
            if reading.series_level
            else words.series_code % {"code": _e(reading.series_code)}
        )
        grassroots = f" · {words.grassroots}" if reading.grassroots else ""
        out.append(
            f'  <dt>{words.number_says}</dt><dd data-testid="number-reading"><ul class="reading">\n'
            f"    <li>{words.review_year % {'year': reading.review_year}}</li>\n"
            f"    <li>{approver}</li>\n"
            f"    <li>{series}</li>\n"
            f"    <li>{words.sequence % {'sequence': reading.sequence}}{grassroots}</li>\n"
            "  </ul></dd>\n"
        )
    out.append(
        f"  <dt>{words.approval_date}</dt><dd>{facts.approval_date.isoformat()}</dd>\n"
        f"  <dt>{words.issue_date}</dt><dd>{facts.issue_date.isoformat()}</dd>\n"
    )
    if facts.purpose:
        out.append(
            f'  <dt>{words.purpose}</dt><dd data-testid="purpose">{_e(facts.purpose)}</dd>\n'
        )
    if facts.valid_until:
        out.append(
            f'  <dt>{words.valid_until}</dt><dd data-testid="valid-until">'
            f"{facts.valid_until.isoformat()}</dd>\n"
        )
    out.append(
        f'  <dt>{words.issuer}</dt><dd data-testid="issuer">{_e(facts.issuer)}</dd>\n</dl>\n'
    )
    if facts.issuer_key:
        seal = _seal_url(facts.issuer_key, get_script_prefix())
        alt = words.seal_alt % {"issuer": _e(facts.issuer)}
        out.append(
            f'<p class="seal"><img src="{_e(seal)}" alt="{alt}" width="120" height="120" '
            'loading="lazy" onerror="this.remove()"></p>\n'
        )
    return "".join(out)
