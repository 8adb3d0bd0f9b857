"""The level above's replacement pages (issue 17; seed 001 二(一) and 附件 三): the batches every unit
sent, returning one with reasons, the errors found later and their yearly count per unit, the
month's aggregate package per exam, and the record of what was sent on (dispatch).

"The level above" is whoever a batch is sent to (``Batch.target``): in Shandong the provincial exam
centre, in Henan the province industry department. Every read goes through the selectors of
ecert.replacement; a batch out of scope answers "not found". Also here: a unit's download of its
own batch's package and forms (url names ``replacement_batch_package`` and
``replacement_batch_forms``), which the receiving unit's batch page links to.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecert.authorities.models import Authority
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.replacement_province_forms import (
    BatchErrorForm,
    BatchReturnForm,
    DispatchForm,
)
from ecert.core.errors import EcertError
from ecert.core.rules.replacement import BatchState
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.replacement_package import ExamPackage
from ecert.i18n import in_language
from ecert.replacement.models import Batch, Dispatch, FoundBy
from ecert.replacement.packages import (
    aggregate_packages,
    batch_packages,
    forms_file_name,
    forms_zip,
    package_file_name,
    package_files,
    unit_label,
)
from ecert.replacement.selectors import (
    batch_above_get,
    batch_get_for,
    batches_above,
    dispatch_get_for,
    dispatches_for,
    error_table,
    error_years,
    months_above,
    next_step,
    targets_above,
)
from ecert.replacement.services import (
    DispatchInput,
    batch_error_record,
    batch_return,
    dispatch_record,
)
from ecert.vocabulary import label

PERM = Perm.HANDLE_REPLACEMENT
PAGE_SIZE = 50
FIRST_YEAR = 2000  # the error table's earliest year (the system's records start later)


def _said(error: EcertError) -> str:
    return in_language(*error.texts())


def _zip(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(name)}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _target(request: HttpRequest) -> tuple[Authority | None, list[Authority]]:
    """The gathering unit the page is about (``?target=key``, else the first in scope)."""
    targets = targets_above(staff_user(request))
    key = request.GET.get("target") or request.POST.get("target") or ""
    chosen = next((t for t in targets if t.key == key), targets[0] if targets else None)
    return chosen, targets


def _month(request: HttpRequest, months: Sequence[str]) -> str:
    month = (request.GET.get("month") or request.POST.get("month") or "")[:6]
    if month.isdigit() and len(month) == 6:
        return month
    return months[0] if months else f"{timezone.localdate():%Y%m}"


# ── Batches ────────────────────────────────────────────────────────────────────────────────────


@requires(PERM)
def batch_list(request: HttpRequest) -> HttpResponse:
    """Every unit's batches sent to the user's level, by month and state."""
    user = staff_user(request)
    target, targets = _target(request)
    months = months_above(user)
    month = request.GET.get("month", "")[:6]
    state = request.GET.get("state", "")
    batches = batches_above(user)
    if target is not None:
        batches = batches.filter(target=target)
    if month:
        batches = batches.filter(month=month)
    if state in {s.value for s in BatchState}:
        batches = batches.filter(state=state)
    page = Paginator(batches.order_by("-month", "unit__path"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/replacement_province_batches.html",
        {
            "page": page,
            "target": target,
            "targets": targets,
            "months": months,
            "month": month,
            "state": state,
            "states": [(s.value, label(s)) for s in BatchState],
            "aggregate_month": _month(request, months),
        },
    )


def _batch(request: HttpRequest, reference: str) -> Batch:
    try:
        return batch_above_get(staff_user(request), reference)
    except EcertError:
        raise Http404 from None


@requires(PERM)
def batch_detail(request: HttpRequest, reference: str) -> HttpResponse:
    batch = _batch(request, reference)
    return _batch_page(request, batch, BatchReturnForm(), BatchErrorForm(batch=batch))


def _batch_page(
    request: HttpRequest, batch: Batch, return_form: BatchReturnForm, error_form: BatchErrorForm
) -> HttpResponse:
    applications = list(
        batch.applications.select_related(
            "credential__qualification", "unit", "target", "exam_centre"
        ).order_by("credential__approval_date", "credential__management_number")
    )
    return render(
        request,
        "backoffice/replacement_province_batch.html",
        {
            "batch": batch,
            "state_label": label(BatchState(batch.state)),
            "applications": [(a, next_step(a)) for a in applications],
            "errors": batch.errors.select_related("application", "recorded_by"),
            "return_form": return_form,
            "error_form": error_form,
            "returnable": batch.state == BatchState.SUBMITTED,
            "errors_open": batch.state != BatchState.OPEN,
        },
    )


@requires(PERM)
@require_POST
def batch_return_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Return a submitted batch to its unit with the reasons."""
    batch = _batch(request, reference)
    form = BatchReturnForm(request.POST)
    if form.is_valid():
        try:
            batch_return(
                actor=staff_user(request),
                batch=batch,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except EcertError as error:
            form.add_error(error.field if error.field in form.fields else None, _said(error))
        else:
            messages.success(
                request,
                _("The batch was returned to %(unit)s; its applications are open to it again.")
                % {"unit": batch.unit.name},
            )
            return redirect("backoffice:replacement_province_batch", reference=batch.reference)
    return _batch_page(request, batch, form, BatchErrorForm(batch=batch))


@requires(PERM)
@require_POST
def batch_error_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Record an error found in the batch (by the level above or the ministry)."""
    batch = _batch(request, reference)
    form = BatchErrorForm(request.POST, batch=batch)
    if form.is_valid():
        data = form.cleaned_data
        try:
            batch_error_record(
                actor=staff_user(request),
                batch=batch,
                description=data["description"],
                found_by=FoundBy(data["found_by"]),
                application=data["application"],
                now=timezone.now(),
            )
        except EcertError as error:
            form.add_error(error.field if error.field in form.fields else None, _said(error))
        else:
            messages.success(
                request,
                _("The error was recorded against %(unit)s.") % {"unit": batch.unit.name},
            )
            return redirect("backoffice:replacement_province_batch", reference=batch.reference)
    return _batch_page(request, batch, BatchReturnForm(), form)


# ── Errors per unit and year ───────────────────────────────────────────────────────────────────


@requires(PERM)
def error_counts_view(request: HttpRequest) -> HttpResponse:
    """Seed 001 二(一)3: the errors of each unit's data, counted per year."""
    user = staff_user(request)
    today = timezone.localdate()
    years = error_years(user, today)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = years[0]
    if not FIRST_YEAR <= year <= today.year:
        year = years[0]
    years = sorted({*years, year}, reverse=True)
    rows = error_table(user, year)
    return render(
        request,
        "backoffice/replacement_province_errors.html",
        {
            "year": year,
            "years": years,
            "rows": rows,
            "total": sum(row.total for row in rows),
        },
    )


# ── Packages ───────────────────────────────────────────────────────────────────────────────────


def _month_batches(request: HttpRequest) -> tuple[Authority, str, list[Batch]]:
    """The gathering unit, the month and its submitted batches (not yet sent on)."""
    user = staff_user(request)
    target, _targets = _target(request)
    if target is None:
        raise Http404
    month = _month(request, months_above(user))
    batches = list(
        batches_above(user).filter(target=target, month=month, state=BatchState.SUBMITTED)
    )
    return target, month, batches


def _aggregate(
    request: HttpRequest,
) -> tuple[list[ExamPackage] | None, HttpResponseBase | None]:
    target, month, batches = _month_batches(request)
    back = redirect(
        reverse("backoffice:replacement_province_batches")
        + "?"
        + urlencode({"target": target.key, "month": month})
    )
    if not batches:
        messages.error(
            request,
            _("No batch of %(month)s is waiting to be sent on: there is nothing to aggregate.")
            % {"month": month},
        )
        return None, back
    try:
        return aggregate_packages(batches, authority=target, month=month), None
    except EcertError as error:
        messages.error(request, _said(error))
        return None, back


@requires(PERM)
def aggregate_package(request: HttpRequest) -> HttpResponseBase:
    """The month's package per exam over every unit's submitted batch, under the gathering
    unit's own name: what it forwards."""
    packages, refused = _aggregate(request)
    if packages is None:
        assert refused is not None
        return refused
    data, _files = package_files(packages)
    return _zip(data, package_file_name(packages))


@requires(PERM)
def aggregate_forms(request: HttpRequest) -> HttpResponseBase:
    """The two paper forms of the month's aggregate, as PDFs in a zip."""
    packages, refused = _aggregate(request)
    if packages is None:
        assert refused is not None
        return refused
    try:
        data = forms_zip(packages)
    except EcertError as error:
        messages.error(request, _said(error))
        return redirect("backoffice:replacement_province_batches")
    return _zip(data, forms_file_name(packages))


def _own_batch(request: HttpRequest, reference: str) -> Batch:
    try:
        return batch_get_for(staff_user(request), reference)
    except EcertError:
        raise Http404 from None


def _batch_refused(request: HttpRequest, batch: Batch, error: EcertError) -> HttpResponseBase:
    messages.error(request, _said(error))
    back = request.headers.get("Referer", "")
    if back.startswith(request.build_absolute_uri("/")):
        return redirect(back)
    return redirect("backoffice:dashboard")


@requires(PERM)
def batch_package(request: HttpRequest, reference: str) -> HttpResponseBase:
    """A batch's own package (the unit's name in the files): for the unit that submits it and
    the level above that receives it."""
    batch = _own_batch(request, reference)
    try:
        packages = batch_packages(batch)
        data, _files = package_files(packages)
    except EcertError as error:
        return _batch_refused(request, batch, error)
    return _zip(data, package_file_name(packages))


@requires(PERM)
def batch_forms(request: HttpRequest, reference: str) -> HttpResponseBase:
    """A batch's two paper forms, as PDFs in a zip."""
    batch = _own_batch(request, reference)
    try:
        packages = batch_packages(batch)
        data = forms_zip(packages)
    except EcertError as error:
        return _batch_refused(request, batch, error)
    return _zip(data, forms_file_name(packages))


# ── Dispatch ───────────────────────────────────────────────────────────────────────────────────


@requires(PERM)
@require_http_methods(["GET", "POST"])
def dispatch_new(request: HttpRequest) -> HttpResponse:
    """Record what was sent on: the month's submitted batches chosen, the day the paper forms were
    mailed and the day the data was uploaded; the package is built from those batches and its
    files' names and SHA-256 are kept."""
    user = staff_user(request)
    target, month, batches = _month_batches(request)
    choosable = batches_above(user).filter(target=target, month=month, state=BatchState.SUBMITTED)
    form = DispatchForm(request.POST or None, batches=choosable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = list(data["batches"])
        try:
            packages = aggregate_packages(chosen, authority=target, month=month)
            _zip_data, files = package_files(packages)
            dispatch = dispatch_record(
                actor=user,
                authority=target,
                form=DispatchInput(
                    month=month,
                    batches=chosen,
                    paper_mailed_on=data["paper_mailed_on"],
                    data_uploaded_on=data["data_uploaded_on"],
                    note=data["note"],
                    files=[file.as_dict() for file in files],
                ),
                now=timezone.now(),
            )
        except EcertError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, _said(error))
        else:
            messages.success(request, _("The dispatch was recorded."))
            return redirect(
                "backoffice:replacement_province_dispatch", reference=dispatch.reference
            )
    return render(
        request,
        "backoffice/replacement_province_dispatch_new.html",
        {
            "form": form,
            "target": target,
            "targets": targets_above(user),
            "month": month,
            "months": months_above(user),
            "size": sum(batch.size for batch in batches),  # type: ignore[attr-defined]
            "name": unit_label(target),
        },
    )


@requires(PERM)
def dispatch_list(request: HttpRequest) -> HttpResponse:
    dispatches = dispatches_for(staff_user(request))
    page = Paginator(dispatches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/replacement_province_dispatches.html", {"page": page})


def _dispatch(request: HttpRequest, reference: str) -> Dispatch:
    try:
        return dispatch_get_for(staff_user(request), reference)
    except EcertError:
        raise Http404 from None


@requires(PERM)
def dispatch_detail(request: HttpRequest, reference: str) -> HttpResponse:
    dispatch = _dispatch(request, reference)
    return render(
        request,
        "backoffice/replacement_province_dispatch.html",
        {
            "dispatch": dispatch,
            "batches": dispatch.batches.select_related("unit").order_by("unit__path"),
        },
    )


urlpatterns: list[URLPattern] = [
    path(
        "replacement/province/",
        batch_list,
        name="replacement_province_batches",
    ),
    path(
        "replacement/province/errors/",
        error_counts_view,
        name="replacement_province_errors",
    ),
    path(
        "replacement/province/package.zip",
        aggregate_package,
        name="replacement_province_package",
    ),
    path(
        "replacement/province/forms.zip",
        aggregate_forms,
        name="replacement_province_forms",
    ),
    path(
        "replacement/province/dispatches/",
        dispatch_list,
        name="replacement_province_dispatches",
    ),
    path(
        "replacement/province/dispatches/new/",
        dispatch_new,
        name="replacement_province_dispatch_new",
    ),
    path(
        "replacement/province/dispatches/<str:reference>/",
        dispatch_detail,
        name="replacement_province_dispatch",
    ),
    path(
        "replacement/province/batches/<str:reference>/",
        batch_detail,
        name="replacement_province_batch",
    ),
    path(
        "replacement/province/batches/<str:reference>/return/",
        batch_return_view,
        name="replacement_province_batch_return",
    ),
    path(
        "replacement/province/batches/<str:reference>/errors/",
        batch_error_view,
        name="replacement_province_batch_error",
    ),
    path(
        "replacement/batches/<str:reference>/package.zip",
        batch_package,
        name="replacement_batch_package",
    ),
    path(
        "replacement/batches/<str:reference>/forms.zip",
        batch_forms,
        name="replacement_batch_forms",
    ),
]
