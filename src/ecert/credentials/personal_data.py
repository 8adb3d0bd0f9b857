"""The process-wide cipher for personal data, keyed from settings.ECERT_PII_KEY."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from ecert.core.pii import PiiCipher


@cache
def pii_cipher() -> PiiCipher:
    return PiiCipher(settings.ECERT_PII_KEY)
