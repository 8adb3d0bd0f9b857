"""Which characters the certificate fonts draw, for the checks made before anything is issued.

A credential whose printed text has a character no certificate font has is refused at issuance
(DESIGN.md §6), not discovered later as a blank box on the page.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from ecert.core.documents.render import FontSet


@cache
def certificate_fonts() -> FontSet:
    """The fonts of this deployment (committed subset plus ECERT_FONT_DIRS), read once."""
    return FontSet.from_dirs(settings.ECERT_FONT_DIRS)


def unprintable(text: str) -> list[str]:
    """Characters of ``text`` that no certificate font draws."""
    return certificate_fonts().missing(text)
