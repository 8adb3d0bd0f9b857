"""The province exam centre's side of replacements (issue 17): the applications sent up that it
completes, the score proof asked for, and the completion itself (the new certificate recorded, a
correction made, or an abolished qualification's 职/执业资格证明 issued).

Pages need Perm.RECEIVE_PAPER (completing records the new certificate's arrival, as a delivery
does); the applications are those whose ``exam_centre`` is in the user's scope for
Perm.HANDLE_REPLACEMENT (``ecert.replacement.selectors.applications_at_centre``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.replacement_centre_forms import CompleteForm
from ecert.core.errors import EcertError
from ecert.core.rules.replacement import Outcome, Reason, State
from ecert.core.rules.roles import Perm
from ecert.i18n import in_language
from ecert.replacement.models import Application
from ecert.replacement.selectors import (
    AT_CENTRE,
    application_at_centre,
    application_timeline,
    applications_at_centre,
    next_step,
)
from ecert.replacement.services import CHANGEABLE, application_complete, score_proof_issue
from ecert.vocabulary import label

PAGE_SIZE = 50


def _application(request: HttpRequest, reference: str) -> Application:
    try:
        return application_at_centre(staff_user(request), reference[:24])
    except EcertError:
        raise Http404 from None


@requires(Perm.RECEIVE_PAPER)
@require_http_methods(["GET"])
def replacement_centre_list(request: HttpRequest) -> HttpResponse:
    """The applications sent up to the user's exam centre, oldest first; or those completed."""
    completed = request.GET.get("state") == "completed"
    applications = applications_at_centre(staff_user(request), completed=completed)
    if completed:
        applications = applications.order_by("-state_since", "-id")
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "application": a,
            "outcome": label(Outcome(a.outcome)),
            "reason": label(Reason(a.reason)),
            "state": label(State(a.state)),
            "proof_waiting": a.score_proof_asked and a.score_proof_id is None,
        }
        for a in page
    ]
    return render(
        request,
        "backoffice/replacement_centre_list.html",
        {"page": page, "rows": rows, "completed": completed},
    )


def _detail(
    request: HttpRequest, application: Application, form: CompleteForm | None = None
) -> HttpResponse:
    open_here = State(application.state) in AT_CENTRE
    if form is None and open_here:
        form = CompleteForm(
            initial={
                "number": application.credential.management_number,
                "arrived_on": timezone.localdate(),
            }
        )
    changes = [
        (in_language(*CHANGEABLE[name]), value)
        for name, value in sorted(application.changes.items())
        if name in CHANGEABLE
    ]
    outcome = Outcome(application.outcome)
    return render(
        request,
        "backoffice/replacement_centre_detail.html",
        {
            "application": application,
            "credential": application.credential,
            "outcome": outcome.value,
            "outcome_label": label(outcome),
            "reason_label": label(Reason(application.reason)),
            "state_label": label(State(application.state)),
            "method_label": application.get_method_display(),
            "next_step": next_step(application),
            "changes": changes,
            "timeline": [
                (event, event.get_kind_display()) for event in application_timeline(application)
            ],
            "open_here": open_here,
            "proof_issuable": open_here
            and application.score_proof_asked
            and application.score_proof_id is None,
            "form": form,
        },
        status=200,
    )


@requires(Perm.RECEIVE_PAPER)
@require_http_methods(["GET"])
def replacement_centre_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, _application(request, reference))


@requires(Perm.RECEIVE_PAPER)
@require_POST
def replacement_centre_complete(request: HttpRequest, reference: str) -> HttpResponseBase:
    """Record the application's end; errors beside their field, the page shown again."""
    application = _application(request, reference)
    form = CompleteForm(request.POST)
    if form.is_valid():
        proof_only = application.outcome == Outcome.QUALIFICATION_PROOF
        try:
            done = application_complete(
                actor=staff_user(request),
                application=application,
                number="" if proof_only else form.cleaned_data["number"] or "",
                arrived_on=None if proof_only else form.cleaned_data["arrived_on"],
            )
        except EcertError as error:
            if error.code == "already_completed":  # no form left to show it beside
                messages.error(request, in_language(*error.texts()))
                return redirect(
                    "backoffice:replacement_centre_detail", reference=application.reference
                )
            field = error.field if error.field in form.fields else None
            if error.code == "number_taken":  # the pipeline names no field
                field = "number"
            form.add_error(field, in_language(*error.texts()))
        else:
            messages.success(
                request,
                _("Application %(reference)s completed: %(result)s.")
                % {
                    "reference": done.reference,
                    "result": (done.result.management_number or done.result.public_id)
                    if done.result
                    else "",
                },
            )
            return redirect("backoffice:replacement_centre_detail", reference=done.reference)
    application.refresh_from_db()
    return _detail(request, application, form)


@requires(Perm.RECEIVE_PAPER)
@require_POST
def replacement_centre_score_proof(request: HttpRequest, reference: str) -> HttpResponseBase:
    """Issue the 成绩合格证明 the application asked for (seed 001 二(二)1)."""
    application = _application(request, reference)
    try:
        done = score_proof_issue(actor=staff_user(request), application=application)
    except EcertError as error:
        messages.error(request, in_language(*error.texts()))
    else:
        assert done.score_proof is not None
        messages.success(
            request, _("Score proof %(id)s issued.") % {"id": done.score_proof.public_id}
        )
    return redirect("backoffice:replacement_centre_detail", reference=application.reference)


urlpatterns: list[URLPattern] = [
    path("replacement/centre/", replacement_centre_list, name="replacement_centre_list"),
    path(
        "replacement/centre/<str:reference>/",
        replacement_centre_detail,
        name="replacement_centre_detail",
    ),
    path(
        "replacement/centre/<str:reference>/complete/",
        replacement_centre_complete,
        name="replacement_centre_complete",
    ),
    path(
        "replacement/centre/<str:reference>/score-proof/",
        replacement_centre_score_proof,
        name="replacement_centre_score_proof",
    ),
]
