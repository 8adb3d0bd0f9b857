"""Mail (EMS): the clerk's choice for the holder, order export, waybills and tracking (issue 16)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
