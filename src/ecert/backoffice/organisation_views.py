"""Back-office pages where a city bureau approves, refuses or suspends employer organisations."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.i18n import in_language
from ecert.verification.organisations import REFUSALS, organisation_decide
from ecert.verification.selectors import (
    organisation_get_for,
    organisation_list_for,
    verifications_recent,
)

PAGE_SIZE = 50


@requires(Perm.MANAGE_ORGANISATION)
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = organisation_list_for(user=staff_user(request))
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/organisation_list.html", {"page": page})


@requires(Perm.MANAGE_ORGANISATION)
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = staff_user(request)
    organisation = organisation_get_for(user=user, reference=reference)
    if organisation is None:
        raise Http404
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in ("approve", "refuse"):
            messages.error(request, _("Choose approve or refuse."))
        else:
            try:
                organisation_decide(
                    actor=user,
                    organisation=organisation,
                    approve=decision == "approve",
                    note=request.POST.get("note", "")[:200],
                    now=timezone.now(),
                )
            except EcertError as error:
                if error.code not in REFUSALS:
                    raise  # a role the account may not hold: not a refusal, as before
                messages.error(request, in_language(error.zh, error.en))
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("backoffice:organisation_detail", reference=reference)
    recent = verifications_recent(organisation=organisation, count=20)
    return render(
        request,
        "backoffice/organisation_detail.html",
        {"organisation": organisation, "recent": recent},
    )
