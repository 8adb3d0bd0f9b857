"""Paper certificates: arrival, lists, search, timelines, export, overdue lists (issue 16).

The exam centre records each delivery (Perm.RECEIVE_PAPER); everyone who hands certificates out
(Perm.DISTRIBUTE_PAPER) finds them, reads each one's timeline, exports a search and lists the
ones not collected in time. Every read is scoped by ``PaperCertificate.objects.visible_to``.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.authorities.selectors import user_has_perm
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.paper_forms import (
    SOURCE_LIST,
    SOURCE_RECORDS,
    DeliveryForm,
    OverdueForm,
)
from ecert.core.errors import EcertError
from ecert.core.rules.paper import Edition, PaperState
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.text_workbook import write_text_workbook
from ecert.credentials.selectors import credential_get_for
from ecert.distribution.selectors import (
    EDITION_LABELS,
    EXPORT_HEADERS,
    EXPORT_WIDTHS,
    PaperFilters,
    deliveries_visible_to,
    delivery_counts,
    delivery_get_for,
    export_rows,
    method_label,
    overdue_flag,
    paper_get_for,
    paper_list_for,
    paper_overdue_for,
    paper_timeline,
    paper_units_for,
    receiving_centres_for,
    state_label,
)
from ecert.distribution.services import (
    DeliveryReport,
    Sitting,
    delivery_record,
    delivery_record_from_list,
    delivery_record_from_records,
)
from ecert.i18n import in_language

if TYPE_CHECKING:
    from ecert.accounts.models import User

PAGE_SIZE = 50


def _in_language(pair: tuple[str, str] | None) -> str:
    return in_language(*pair) if pair else ""


# ── Arrival (the exam centre) ──────────────────────────────────────────────────────────────────


@requires(Perm.RECEIVE_PAPER)
def delivery_list(request: HttpRequest) -> HttpResponse:
    deliveries = deliveries_visible_to(staff_user(request))
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (delivery, _in_language(EDITION_LABELS.get(Edition(delivery.edition)))) for delivery in page
    ]
    return render(request, "backoffice/paper_delivery_list.html", {"page": page, "rows": rows})


def _refusal_lines(error: EcertError) -> list[str]:
    """A refusal as the page lists it: where first, then each problem on its own line."""
    return in_language(*error.texts()).split("\n")


def _record(
    user: User, form: DeliveryForm, sitting: Sitting, now: datetime
) -> tuple[DeliveryReport, str | None]:
    source = form.cleaned_data["source"]
    upload = form.cleaned_data["file"]  # the form requires one for a list or records file
    if source == SOURCE_LIST:
        report = delivery_record_from_list(
            actor=user,
            sitting=sitting,
            file_name=upload.name or "list",
            chunks=upload.chunks(),
            now=now,
        )
        return report, None
    if source == SOURCE_RECORDS:
        return delivery_record_from_records(
            actor=user,
            sitting=sitting,
            file_name=upload.name or "records",
            chunks=upload.chunks(),
            now=now,
        )
    report = delivery_record(
        actor=user,
        authority=sitting.authority,
        qualification=sitting.qualification,
        level=sitting.level,
        approval_date=sitting.approval_date,
        edition=sitting.edition,
        arrived_on=sitting.arrived_on,
        numbers=None,
        source_name="",
        now=now,
    )
    return report, None


@requires(Perm.RECEIVE_PAPER)
@require_http_methods(["GET", "POST"])
def delivery_new(request: HttpRequest) -> HttpResponse:
    """Record that a sitting's paper certificates arrived; each is assigned to its unit."""
    user = staff_user(request)
    centres = receiving_centres_for(user)
    if request.method != "POST":
        form = DeliveryForm(centres=centres, initial={"authority": centres.first()})
        return render(request, "backoffice/paper_delivery_new.html", {"form": form})
    form = DeliveryForm(request.POST, request.FILES, centres=centres)
    problems: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        sitting = Sitting(
            authority=data["authority"],
            qualification=data["qualification"],
            level=data["level"],
            approval_date=data["approval_date"],
            edition=Edition(data["edition"]),
            arrived_on=data["arrived_on"],
        )
        try:
            report, records_import = _record(user, form, sitting, timezone.now())
        except EcertError as refused:
            problems = _refusal_lines(refused)
        else:
            if report.added:
                messages.success(
                    request,
                    _("%(added)d certificates recorded and assigned to %(units)d units.")
                    % {"added": report.added, "units": len(report.units)},
                )
            if report.already:
                messages.info(
                    request,
                    _(
                        "%(already)d certificates had been recorded before; nothing changed for "
                        "them."
                    )
                    % {"already": report.already},
                )
            if records_import:
                messages.info(
                    request,
                    _("The records were loaded by import %(reference)s.")
                    % {"reference": records_import},
                )
            return redirect("backoffice:paper_delivery_detail", reference=report.delivery.reference)
    return render(
        request, "backoffice/paper_delivery_new.html", {"form": form, "problems": problems}
    )


@requires(Perm.RECEIVE_PAPER)
def delivery_detail(request: HttpRequest, reference: str) -> HttpResponse:
    delivery = delivery_get_for(user=staff_user(request), reference=reference)
    if delivery is None:
        raise Http404
    counts = delivery_counts(delivery)
    states = [state for state, _n in counts.by_state]
    table = [
        (unit, total, [counts.by_unit_state.get((unit.pk, state.value), 0) for state in states])
        for unit, total in counts.by_unit
    ]
    return render(
        request,
        "backoffice/paper_delivery_detail.html",
        {
            "delivery": delivery,
            "edition": _in_language(EDITION_LABELS.get(Edition(delivery.edition))),
            "states": [_in_language(state_label(state)) for state in states],
            "state_totals": [n for _state, n in counts.by_state],
            "table": table,
            "total": sum(n for _unit, n in counts.by_unit),
        },
    )


# ── Finding certificates ───────────────────────────────────────────────────────────────────────


def _filters(request: HttpRequest) -> PaperFilters:
    return PaperFilters(
        text=request.GET.get("q", "")[:64],
        state=request.GET.get("state", "")[:16],
        unit=request.GET.get("unit", "")[:64],
        delivery=request.GET.get("delivery", "")[:20],
    )


def _months(request: HttpRequest) -> tuple[OverdueForm, int]:
    default = int(settings.ECERT_PAPER_OVERDUE_MONTHS)
    form = OverdueForm(request.GET if "months" in request.GET else {"months": default})
    months = form.cleaned_data["months"] if form.is_valid() else default
    return form, months


def _rows(page: Any, *, months: int) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "paper": paper,
            "state": _in_language(state_label(paper.state)),
            "method": _in_language(method_label(paper.method)),
            "overdue": overdue_flag(paper, today=today, months=months),
        }
        for paper in page
    ]


def _filter_context(request: HttpRequest, filters: PaperFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "states": [(state.value, _in_language(state_label(state))) for state in PaperState],
        "units": paper_units_for(staff_user(request)),
        "query": request.GET.urlencode(),
    }


@requires(Perm.DISTRIBUTE_PAPER)
def paper_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    papers = paper_list_for(user=staff_user(request), filters=filters)
    page = Paginator(papers, PAGE_SIZE).get_page(request.GET.get("page"))
    _form, months = _months(request)
    return render(
        request,
        "backoffice/paper_list.html",
        {
            **_filter_context(request, filters),
            "page": page,
            "rows": _rows(page, months=months),
            "months": months,
        },
    )


@requires(Perm.DISTRIBUTE_PAPER)
def paper_overdue(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    form, months = _months(request)
    papers = paper_overdue_for(
        user=staff_user(request), filters=filters, months=months, today=timezone.localdate()
    )
    page = Paginator(papers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/paper_overdue.html",
        {
            **_filter_context(request, filters),
            "page": page,
            "rows": _rows(page, months=months),
            "months": months,
            "form": form,
        },
    )


def _workbook(papers: Any, file_name: str) -> FileResponse:
    """The certificates as an .xlsx of text, written to a temporary file row by row and streamed
    from it (the file goes when the response is closed)."""
    out = tempfile.TemporaryFile(prefix="ecert-paper-")  # noqa: SIM115 (closed by the response)
    write_text_workbook(
        out,
        sheet="纸质证书",
        headers=EXPORT_HEADERS,
        rows=export_rows(papers),
        widths=EXPORT_WIDTHS,
    )
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=file_name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@requires(Perm.DISTRIBUTE_PAPER)
def paper_export(request: HttpRequest) -> FileResponse:
    papers = paper_list_for(user=staff_user(request), filters=_filters(request))
    return _workbook(papers, f"纸质证书-{timezone.localdate():%Y%m%d}.xlsx")


@requires(Perm.DISTRIBUTE_PAPER)
def paper_overdue_export(request: HttpRequest) -> FileResponse:
    _form, months = _months(request)
    papers = paper_overdue_for(
        user=staff_user(request),
        filters=_filters(request),
        months=months,
        today=timezone.localdate(),
    )
    return _workbook(papers, f"逾期未领取纸质证书-{months}个月-{timezone.localdate():%Y%m%d}.xlsx")


@requires(Perm.DISTRIBUTE_PAPER)
def paper_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_user(request)
    paper = paper_get_for(user=user, public_id=public_id)
    if paper is None:
        raise Http404
    _form, months = _months(request)
    timeline = [
        {
            "at": line.at,
            "state": _in_language(line.state),
            "text": _in_language(line.text),
            "actor": _in_language(line.actor),
        }
        for line in paper_timeline(paper)
    ]
    sees_delivery = user_has_perm(user, Perm.RECEIVE_PAPER) and (
        delivery_get_for(user=user, reference=paper.delivery.reference) is not None
    )
    sees_credential = user_has_perm(user, Perm.VIEW_CREDENTIAL) and (
        credential_get_for(user=user, public_id=paper.credential.public_id) is not None
    )
    return render(
        request,
        "backoffice/paper_detail.html",
        {
            "paper": paper,
            "credential": paper.credential,
            "state": _in_language(state_label(paper.state)),
            "method": _in_language(method_label(paper.method)),
            "edition": _in_language(EDITION_LABELS.get(Edition(paper.delivery.edition))),
            "overdue": overdue_flag(paper, today=timezone.localdate(), months=months),
            "months": months,
            "timeline": timeline,
            "sees_delivery": sees_delivery,
            "sees_credential": sees_credential,
        },
    )


# Fixed paths first: ``paper/<public_id>/`` only matches a public id (16 letters and digits of
# its alphabet), so no fixed ``paper/…/`` path of another module can be taken for one.
urlpatterns: list[URLPattern] = [
    path("paper/", paper_list, name="paper_list"),
    path("paper/export.xlsx", paper_export, name="paper_export"),
    path("paper/overdue/", paper_overdue, name="paper_overdue"),
    path("paper/overdue/export.xlsx", paper_overdue_export, name="paper_overdue_export"),
    path("paper/deliveries/", delivery_list, name="paper_delivery_list"),
    path("paper/deliveries/new/", delivery_new, name="paper_delivery_new"),
    path("paper/deliveries/<str:reference>/", delivery_detail, name="paper_delivery_detail"),
    re_path(r"^paper/(?P<public_id>[0-9A-HJKMNP-TV-Z]{16})/$", paper_detail, name="paper_detail"),
]
