"""The one shape of an API error: ``{code, message_zh, message_en}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.errors import HttpError


class ErrorOut(Schema):
    code: str
    message_zh: str
    message_en: str


class ApiError(HttpError):
    """An error the caller caused; ``code`` is stable snake_case for programs to branch on."""

    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(status, f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.zh, self.en)


def error_body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message_zh": zh, "message_en": en, **extra}


def not_found() -> ApiError:
    """What a caller hears about a record that does not exist or is not theirs (the same)."""
    return ApiError(404, "not_found", "没有找到", "not found")
