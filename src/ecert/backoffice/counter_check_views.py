"""Counter verification for organisations and old-version registration forms (issue 16)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
