"""Paper certificates: arrival, lists, search, timelines, export, overdue lists (issue 16)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
