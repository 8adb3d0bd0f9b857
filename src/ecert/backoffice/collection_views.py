"""Collection at the counter with evidence, and the receipt (issue 16)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
