"""The one shape of an API error: ``{code, message_zh, message_en}`` with a 4xx status.

A route refuses by raising an ``EcertError``; the API's exception handler answers it with the
status its code has here.
"""

from __future__ import annotations

from typing import Any

from ninja import Schema

from ecert.core.errors import EcertError
from ecert.issuance.services import IMPORT_REFUSALS
from ecert.verification.limits import Refusal

# The status of a refusal, by code; every other refusal is a 400.
STATUS = {
    "not_found": 404,
    "forbidden": 403,
    "not_allowed": 403,
    "too_large": 413,
    "too_big": 413,
    "too_many_rows": 413,
    "quota_exceeded": 429,
    "rate_limited": 429,
}
# Every code a route refuses with: its own and passlist_import_create's. Any other EcertError that
# reaches the API is not a route's refusal (a key store that fails while an import runs within the
# request, say) and answers 500, as it always did.
REFUSALS = IMPORT_REFUSALS | {
    "not_found",
    "not_allowed",
    "unknown_kind",
    "unknown_exam",
    "unknown_authority",
    "bad_columns",
    "too_many_rows",
    "no_rows",
    "quota_exceeded",
    "rate_limited",
    "incomplete_query",
    "no_reason",
    "status_not_allowed",
    "not_allowed_status",
}


class ErrorOut(Schema):
    code: str
    message_zh: str
    message_en: str


class LimitRefusal(EcertError):
    """A call past a rate limit or quota: answered 429 with Retry-After in seconds."""

    def __init__(self, refusal: Refusal, zh: str, en: str) -> None:
        super().__init__(refusal.code, zh, en)
        self.retry_after = refusal.retry_after


def status_of(error: EcertError) -> int:
    return STATUS.get(error.code, 400)


def error_body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message_zh": zh, "message_en": en, **extra}


def not_found() -> EcertError:
    """What a caller hears about a record that does not exist or is not theirs (the same)."""
    return EcertError("not_found", "没有找到", "not found")
