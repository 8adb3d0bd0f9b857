"""The interface is Chinese first: every message has a translation and the compiled file matches."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import ecert

LOCALE = Path(ecert.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries() -> dict[tuple[str, str], str]:
    """(context, msgid) → msgstr; the context is "" for a message without one."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        if msgid and msgid.group(1) and msgstr:
            entries[(context.group(1) if context else "", msgid.group(1))] = msgstr.group(1)
    return entries


def test_every_message_is_translated_into_chinese() -> None:
    untranslated = [msgid for msgid, msgstr in _po_entries().items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def _unescaped(text: str) -> str:
    return text.replace('\\"', '"')


def test_the_compiled_catalogue_is_up_to_date() -> None:
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = [
        (context, msgid)
        for (context, msgid), msgstr in _po_entries().items()
        if "%(" not in msgid
        and (
            catalogue.pgettext(context, _unescaped(msgid))
            if context
            else catalogue.gettext(_unescaped(msgid))
        )
        != _unescaped(msgstr)
    ]
    assert stale == []
