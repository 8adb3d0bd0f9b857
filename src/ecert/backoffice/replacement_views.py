"""Replacements at the receiving unit (issue 17 items 1, 3 and 4): the unit's applications, the
counter registering one for a holder (窗口代为登记), the check against the certificate database
with accept or return, and the month's batch the unit submits to the level above.

Every read goes through ``ecert.replacement.selectors`` (scoped by ``visible_to``); every write
through ``ecert.replacement.services``, which checks scope again. An application, a record or a
batch outside the clerk's scope answers 404, as one that does not exist. docs/replacement.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecert.authorities.models import Authority
from ecert.authorities.selectors import scope_for
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.replacement_forms import CounterApplicationForm, FindRecordForm, ReturnForm
from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType
from ecert.core.rules.kinds import is_paper_record
from ecert.core.rules.paper import Method
from ecert.core.rules.replacement import (
    BATCH_EDITABLE,
    BatchState,
    Channel,
    Outcome,
    Reason,
    State,
    month_of,
)
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.selectors import credential_text_condition, holders_with_id_number
from ecert.distribution.services import handing_out
from ecert.i18n import in_language
from ecert.replacement.forms import CHANGE_FIELDS, ApplicationForm, situation_of
from ecert.replacement.models import Application, Batch, BatchQuerySet
from ecert.replacement.selectors import (
    application_get_for,
    applications_for,
    batches_for,
    next_step,
    record_lines,
)
from ecert.replacement.services import (
    application_accept,
    application_return,
    application_submit,
    batch_submit,
)
from ecert.vocabulary import choices

if TYPE_CHECKING:
    from ecert.accounts.models import User

PERM = Perm.HANDLE_REPLACEMENT
PAGE_SIZE = 50


# Where a service's error about a field of the form goes (its ``field`` → the form's field).
def _said(error: EcertError) -> str:
    return in_language(error.zh, error.en)


def _said_with_place(error: EcertError) -> str:
    return in_language(*error.texts())


def _acts_for(user: User, unit: Authority) -> bool:
    """Whether the user acts for ``unit`` (receives its applications, submits its batches)."""
    return scope_for(user, PERM).contains(unit.path)


def _units(user: User) -> Any:
    return Authority.objects.visible_to(user, PERM)


# ── The unit's applications ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Filters:
    text: str = ""
    state: str = ""
    reason: str = ""
    month: str = ""  # "YYYY-MM", as <input type=month> sends it


def _filtered(user: User, filters: Filters) -> Any:
    applications = applications_for(user).select_related("holder")
    text = filters.text.strip()
    if text:
        applications = applications.filter(
            Q(reference=text.upper())
            | Q(applicant_name__startswith=text)
            | credential_text_condition(text, "credential__")
        )
    if filters.state in {s.value for s in State}:
        applications = applications.filter(state=filters.state)
    if filters.reason in {r.value for r in Reason}:
        applications = applications.filter(reason=filters.reason)
    year, _dash, month = filters.month.partition("-")
    if year.isdigit() and month.isdigit():
        applications = applications.filter(created_at__year=int(year), created_at__month=int(month))
    return applications.order_by("-created_at", "-id")


@requires(PERM)
def replacement_list(request: HttpRequest) -> HttpResponse:
    """The applications the clerk's units received (and those they gather or complete), newest
    first, with where each one is and who acts next."""
    user = staff_user(request)
    filters = Filters(
        text=request.GET.get("q", "")[:64],
        state=request.GET.get("state", ""),
        reason=request.GET.get("reason", ""),
        month=request.GET.get("month", "")[:7],
    )
    page = Paginator(_filtered(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(application, next_step(application)) for application in page]
    waiting = (
        applications_for(user)
        .filter(state=State.SUBMITTED, unit__in=_units(user).values("pk"))
        .count()
    )
    return render(
        request,
        "backoffice/replacement_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "states": choices(State),
            "reasons": choices(Reason),
            "waiting": waiting,
        },
    )


# ── The counter registers an application for the holder ────────────────────────────────────────


def _record_found(user: User, number: str, who: str) -> Credential | None:
    """The paper record numbered ``number`` whose holder is called ``who`` or has ID number
    ``who``, if the clerk's unit receives its applications; None otherwise (the same answer for a
    record that does not exist and one out of scope)."""
    number, who = number.strip(), who.strip()
    if not number or not who:
        return None
    holders = holders_with_id_number(who).values("pk")
    candidates = (
        Credential.objects.select_related(
            "holder", "qualification", "registration_authority", "issuing_authority"
        )
        .filter(credential_text_condition(number))
        .filter(Q(holder_name=who) | Q(holder__in=holders))
        .order_by("-approval_date", "-pk")
    )
    for credential in candidates[:5]:
        if credential.management_number != number:
            continue
        if not is_paper_record(credential.kind, credential.form):
            continue
        try:
            unit = handing_out(credential).unit
        except EcertError:
            continue
        if _acts_for(user, unit):
            return credential
    return None


def _record_for(user: User, public_id: str) -> Credential:
    """The record of the form's hidden field, checked again as on the search."""
    credential = (
        Credential.objects.select_related("holder", "qualification").filter(
            public_id=public_id[:16]
        )
    ).first()
    if credential is None or not is_paper_record(credential.kind, credential.form):
        raise Http404
    try:
        unit = handing_out(credential).unit
    except EcertError as error:
        raise Http404 from error
    if not _acts_for(user, unit):
        raise Http404
    return credential


def _show(form: CounterApplicationForm, error: EcertError) -> None:
    """The service's refusal beside the field it names; otherwise above the form."""
    field = form.field_of(error)
    if field is not None and field not in form.errors:
        form.add_error(field, _said(error))
    else:
        form.add_error(None, _said_with_place(error))


@requires(PERM)
@require_http_methods(["GET", "POST"])
def replacement_new(request: HttpRequest) -> HttpResponse:
    """Find the record (management number, and the holder's name or ID number), then fill in
    《个人补发（更换）证书申请》 for the holder. Nothing is stored unless the whole application is.
    Both steps are POSTs, so that no ID number lands in an address."""
    user = staff_user(request)
    public_id = request.POST.get("credential", "")
    if not public_id:
        find = FindRecordForm(request.POST or None)
        if request.method == "POST" and find.is_valid():
            who = find.cleaned_data["who"].strip()
            credential = _record_found(user, find.cleaned_data["management_number"], who)
            if credential is not None:
                initial = {"method": Method.COUNTER.value, "reason": Reason.LOST.value}
                if holders_with_id_number(who).filter(pk=credential.holder_id).exists():
                    initial["id_number"] = who
                else:
                    initial["name"] = who
                return _application_page(request, credential, initial=initial)
            find.add_error(
                None,
                _(
                    "No paper certificate with this management number and this name or ID "
                    "number is received by your unit."
                ),
            )
        return render(request, "backoffice/replacement_find.html", {"find": find})
    return _application_page(request, _record_for(user, public_id))


def _application_page(
    request: HttpRequest, credential: Credential, *, initial: dict[str, str] | None = None
) -> HttpResponse:
    """The form of 《个人补发（更换）证书申请》 for ``credential``: blank with ``initial`` after the
    search, or the POSTed one, submitted."""
    situation = situation_of(credential)
    id_type = IdType(credential.holder.id_type)
    if initial is not None:
        form = CounterApplicationForm(initial=initial, situation=situation, id_type=id_type)
    else:
        form = CounterApplicationForm(
            request.POST, request.FILES, situation=situation, id_type=id_type
        )
        if form.is_valid():
            try:
                application = application_submit(
                    actor=staff_user(request),
                    credential=credential,
                    form=form.application_input(),
                    now=timezone.now(),
                )
            except EcertError as error:
                _show(form, error)
            else:
                messages.success(
                    request,
                    _("Application %(reference)s registered; check it against the record.")
                    % {"reference": application.reference},
                )
                return redirect("backoffice:replacement_detail", reference=application.reference)
    return render(
        request,
        "backoffice/replacement_new.html",
        {"credential": credential, "form": form, "situation": situation},
    )


# ── One application: the check against the database, accept or return ─────────────────────────


def _application(request: HttpRequest, reference: str) -> Application:
    try:
        return application_get_for(staff_user(request), reference[:24])
    except EcertError as error:
        raise Http404 from error


@requires(PERM)
def replacement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = staff_user(request)
    application = _application(request, reference)
    lines = record_lines(application)
    state = State(application.state)
    batch = application.batch
    receiving = _acts_for(user, application.unit)
    may_accept = receiving and state is State.SUBMITTED
    may_return = receiving and (
        state is State.SUBMITTED
        or (
            state is State.ACCEPTED
            and batch is not None
            and BatchState(batch.state) in BATCH_EDITABLE
        )
    )
    events = application.events.select_related("actor", "unit").order_by("at", "id")
    changes = [
        (ApplicationForm.base_fields[f"change_{key}"].label, value)
        for key, value in application.changes.items()
        if f"change_{key}" in CHANGE_FIELDS
    ]
    return render(
        request,
        "backoffice/replacement_detail.html",
        {
            "application": application,
            "credential": application.credential,
            "lines": [(in_language(*line.label), line) for line in lines],
            "differs": any(line.differs for line in lines),
            "next_step": next_step(application),
            "events": events,
            "changes": changes,
            "may_accept": may_accept,
            "may_return": may_return,
            "return_form": ReturnForm(),
            "photo": application.photo_jpeg is not None,
            "ministry_form": application.ministry_form is not None,
            "mail": application.method == Method.MAIL,
            "counter": application.channel == Channel.COUNTER,
            "proof_instead": application.outcome == Outcome.QUALIFICATION_PROOF,
        },
    )


@requires(PERM)
def replacement_photo(request: HttpRequest, reference: str) -> HttpResponse:
    """The applicant's photo, for the clerk who checks it (scoped as the application)."""
    application = _application(request, reference)
    if application.photo_jpeg is None:
        raise Http404
    response = HttpResponse(bytes(application.photo_jpeg), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@requires(PERM)
def replacement_ministry_form(request: HttpRequest, reference: str) -> HttpResponse:
    """The form the ministry names (计算机技术与软件, 通信), as the applicant attached it."""
    application = _application(request, reference)
    if application.ministry_form is None:
        raise Http404
    response = HttpResponse(
        bytes(application.ministry_form),
        content_type=application.ministry_form_type or "application/octet-stream",
    )
    name = application.ministry_form_name or f"{application.reference}"
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{_quoted(f'{application.reference}-{name}')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@requires(PERM)
@require_POST
def replacement_accept(request: HttpRequest, reference: str) -> HttpResponse:
    application = _application(request, reference)
    try:
        accepted = application_accept(
            actor=staff_user(request), application=application, now=timezone.now()
        )
    except EcertError as error:
        if error.code == "not_found":
            raise Http404 from error
        messages.error(request, _said_with_place(error))
    else:
        assert accepted.batch is not None
        messages.success(
            request,
            _("Accepted: it is in the batch of %(month)s.") % {"month": accepted.batch.month},
        )
    return redirect("backoffice:replacement_detail", reference=application.reference)


@requires(PERM)
@require_POST
def replacement_return(request: HttpRequest, reference: str) -> HttpResponse:
    application = _application(request, reference)
    form = ReturnForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        application_return(
            actor=staff_user(request), application=application, reason=reason, now=timezone.now()
        )
    except EcertError as error:
        if error.code == "not_found":
            raise Http404 from error
        messages.error(request, _said_with_place(error))
    else:
        messages.success(request, _("Returned; the holder reads the reason."))
    return redirect("backoffice:replacement_detail", reference=application.reference)


# ── The month's batch ──────────────────────────────────────────────────────────────────────────


def _unit_batches(user: User) -> BatchQuerySet:
    """The batches of the units the clerk acts for (the level above has its own pages)."""
    return (
        batches_for(user)
        .filter(unit__in=_units(user).values("pk"))
        .annotate(size=Count("applications"))
        .order_by("-month", "unit__name")
    )


@requires(PERM)
def replacement_batch_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    batches = list(_unit_batches(user)[:200])
    this_month = month_of(timezone.localdate())
    current = [b for b in batches if BatchState(b.state) in BATCH_EDITABLE]
    return render(
        request,
        "backoffice/replacement_batch_list.html",
        {
            "batches": batches,
            "current": current,
            "this_month": this_month,
            "units": list(_units(user).filter(pk__in=[b.unit_id for b in batches])),
        },
    )


def _batch(request: HttpRequest, reference: str) -> Batch:
    batch = _unit_batches(staff_user(request)).filter(reference=reference[:24]).first()
    if batch is None:
        raise Http404
    return batch


@requires(PERM)
def replacement_batch_detail(request: HttpRequest, reference: str) -> HttpResponse:
    batch = _batch(request, reference)
    applications = (
        batch.applications.select_related("credential__qualification", "holder")
        .order_by("credential__qualification__name", "applicant_approval_date", "id")
        .all()
    )
    editable = BatchState(batch.state) in BATCH_EDITABLE
    return render(
        request,
        "backoffice/replacement_batch_detail.html",
        {
            "batch": batch,
            "applications": applications,
            "editable": editable,
            "returned": batch.state == BatchState.RETURNED,
            "may_submit": editable and _acts_for(staff_user(request), batch.unit),
        },
    )


@requires(PERM)
@require_POST
def replacement_batch_submit(request: HttpRequest, reference: str) -> HttpResponse:
    batch = _batch(request, reference)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Tick the confirmation that the batch has been reviewed, then submit it."),
        )
        return redirect("backoffice:replacement_unit_batch_detail", reference=batch.reference)
    try:
        submitted = batch_submit(actor=staff_user(request), batch=batch, now=timezone.now())
    except EcertError as error:
        if error.code == "not_found":
            raise Http404 from error
        messages.error(request, _said_with_place(error))
    else:
        messages.success(
            request,
            _("The batch of %(month)s is submitted to %(target)s; it is now frozen.")
            % {"month": submitted.month, "target": submitted.target.name},
        )
    return redirect("backoffice:replacement_unit_batch_detail", reference=batch.reference)


urlpatterns: list[URLPattern] = [
    path("replacement/", replacement_list, name="replacement_list"),
    path("replacement/new/", replacement_new, name="replacement_new"),
    path("replacement/unit-batches/", replacement_batch_list, name="replacement_unit_batch_list"),
    path(
        "replacement/unit-batches/<str:reference>/",
        replacement_batch_detail,
        name="replacement_unit_batch_detail",
    ),
    path(
        "replacement/unit-batches/<str:reference>/submit/",
        replacement_batch_submit,
        name="replacement_unit_batch_submit",
    ),
    path("replacement/<str:reference>/", replacement_detail, name="replacement_detail"),
    path("replacement/<str:reference>/photo.jpg", replacement_photo, name="replacement_photo"),
    path(
        "replacement/<str:reference>/ministry-form/",
        replacement_ministry_form,
        name="replacement_ministry_form",
    ),
    path("replacement/<str:reference>/accept/", replacement_accept, name="replacement_accept"),
    path("replacement/<str:reference>/return/", replacement_return, name="replacement_return"),
]
