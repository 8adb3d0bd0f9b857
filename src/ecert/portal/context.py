"""Template context for the holder portal: error pages under /my/ wear the portal's layout, and
a signed-in holder is named as on their certificates."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from ecert.portal.access import is_holder
from ecert.portal.selectors import holder_name_for


def portal(request: HttpRequest) -> dict[str, Any]:
    on_portal = request.path.startswith(reverse("portal:credential_list"))
    user = getattr(request, "user", None)
    holder_name = holder_name_for(user) if on_portal and is_holder(user) else ""
    return {"portal_page": on_portal, "holder_name": holder_name}
