"""Showing a service's two-language message (Chinese, English) in the language of the page."""

from __future__ import annotations

from django.utils.translation import get_language


def in_language(zh: str, en: str) -> str:
    """``zh`` on a Chinese page (the default), ``en`` on an English one."""
    return zh if (get_language() or "zh").startswith("zh") else en


def in_language_of(message: str) -> str:
    """A message a job stored in both languages ("中文 / English") in the language of the page; a
    message in one language only is shown as it is."""
    zh, separator, en = message.partition(" / ")
    return in_language(zh, en) if separator else message
