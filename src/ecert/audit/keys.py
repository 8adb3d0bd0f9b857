"""The audit chain's key: derived from the master key in the environment, never stored in the database."""

from __future__ import annotations

from functools import cache

from django.conf import settings

from ecert.core.identity.pii import derive_key


@cache
def audit_chain_key() -> bytes:
    return derive_key(settings.ECERT_PII_KEY, b"ecert audit chain v1")
