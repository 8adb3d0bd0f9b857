"""Mail (EMS): the clerk's choice for the holder, order export, waybills and tracking (issue 16).

Each view parses, calls one service or selector of ``ecert.distribution.mail``, renders. A unit or
a batch outside the clerk's DISTRIBUTE_PAPER scope answers 404, like one that does not exist.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecert.authorities.models import Authority
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.mail_forms import (
    MailExportForm,
    MailSyncForm,
    MailUploadForm,
    PaperChoiceForm,
)
from ecert.core.errors import EcertError
from ecert.core.rules.paper import ALLOWED, Method, PaperState
from ecert.core.rules.roles import Perm
from ecert.distribution.mail import (
    CARRIER_LABELS,
    MailReport,
    carrier_configured,
    mail_batch_get_for,
    mail_batch_workbook,
    mail_batches_for,
    mail_carrier_sync,
    mail_orders_export,
    mail_tracking_import,
    mail_units_for,
    mail_waiting_for,
    mail_waybills_import,
    mailable_for,
    parcels_of,
)
from ecert.distribution.models import MailBatch, PaperCertificate
from ecert.distribution.services import MailAddress, paper_choose
from ecert.i18n import in_language

DISTRIBUTE = Perm.DISTRIBUTE_PAPER
# The refusals a person can fix; anything else is a fault of ours and goes up.
_REFUSALS = frozenset(
    {
        "not_found",
        "nothing_to_mail",
        "bad_phone",
        "bad_address",
        "bad_recipient",
        "bad_postcode",
        "no_address",
        "paper_state",
        "formula",
        "control_character",
        "too_long",
        "carrier_refused",
        "carrier_error",
        "carrier_unreachable",
        "carrier_bad_answer",
    }
)
_CHOOSABLE = frozenset(state for state, moves in ALLOWED.items() if PaperState.TO_MAIL in moves)


def _certificate(request: HttpRequest, public_id: str) -> PaperCertificate:
    paper = (
        mailable_for(staff_user(request))
        .filter(credential__public_id=public_id)
        .select_related("credential", "credential__qualification", "unit")
        .first()
    )
    if paper is None:
        raise Http404
    return paper


def _unit(request: HttpRequest, key: str) -> Authority:
    unit = mail_units_for(staff_user(request)).filter(key=key).first()
    if unit is None:
        raise Http404
    return unit


def _shown(error: EcertError) -> str:
    if error.code not in _REFUSALS and not error.code.startswith("bad_"):
        raise error
    return in_language(*error.texts())


@requires(DISTRIBUTE)
@require_http_methods(["GET", "POST"])
def paper_choose_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The holder tells the clerk at the counter how they will receive the certificate."""
    paper = _certificate(request, public_id)
    initial = {
        "method": paper.method or Method.MAIL.value,
        "recipient": paper.mail_recipient or paper.credential.holder_name,
        "phone": paper.mail_phone,
        "address": paper.mail_address,
        "postcode": paper.mail_postcode,
    }
    form = PaperChoiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        method = Method(data["method"])
        address = None
        if method is Method.MAIL:
            address = MailAddress(
                data["recipient"], data["phone"], data["address"], data["postcode"]
            )
        try:
            paper_choose(
                actor=staff_user(request),
                certificate=paper,
                method=method,
                address=address,
                now=timezone.now(),
            )
        except EcertError as error:
            shown = _shown(error)
            named = "recipient" if error.field == "holder_name" else error.field
            form.add_error(named if named in form.fields else None, shown)
        else:
            messages.success(request, _("The holder's choice is recorded."))
            return redirect("backoffice:paper_choose", public_id=public_id)
    return render(
        request,
        "backoffice/paper_choose.html",
        {"paper": paper, "form": form, "choosable": paper.state in _CHOOSABLE},
    )


@requires(DISTRIBUTE)
def mail_list(request: HttpRequest) -> HttpResponse:
    """A unit's certificates waiting for mail, and the form that exports them as the day's orders."""
    user = staff_user(request)
    units = list(mail_units_for(user))
    chosen = request.GET.get("unit", "")
    unit = next((u for u in units if u.key == chosen), units[0] if units else None)
    if chosen and (unit is None or unit.key != chosen):
        raise Http404
    waiting = Paginator(mail_waiting_for(user, unit), 100).get_page(1) if unit else None
    last = MailBatch.objects.filter(unit=unit).order_by("-created_at").first() if unit else None
    form = MailExportForm(
        initial={
            "unit": unit.key if unit else "",
            "sender_phone": last.sender_phone if last else "",
            "sender_address": last.sender_address if last else "",
        }
    )
    return render(
        request,
        "backoffice/mail_list.html",
        {
            "units": units,
            "unit": unit,
            "waiting": waiting,
            "form": form,
            "sync": MailSyncForm(initial={"unit": unit.key})
            if unit and carrier_configured()
            else None,
        },
    )


@requires(DISTRIBUTE)
@require_POST
def mail_export(request: HttpRequest) -> HttpResponse:
    form = MailExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in the sender's phone and address."))
        return redirect("backoffice:mail_list")
    unit = _unit(request, form.cleaned_data["unit"])
    carrier = carrier_configured()
    try:
        batch = mail_orders_export(
            actor=staff_user(request),
            unit=unit,
            sender_phone=form.cleaned_data["sender_phone"],
            sender_address=form.cleaned_data["sender_address"],
            carrier_key=carrier.key if carrier else "file",
            now=timezone.now(),
        )
    except EcertError as error:
        messages.error(request, _shown(error))
        return redirect(f"{_list_url()}?unit={unit.key}")
    return redirect("backoffice:mail_batch_detail", reference=batch.reference)


def _list_url() -> str:
    return reverse("backoffice:mail_list")


@requires(DISTRIBUTE)
def mail_batch_list(request: HttpRequest) -> HttpResponse:
    batches = Paginator(mail_batches_for(staff_user(request)), 50).get_page(request.GET.get("page"))
    return render(request, "backoffice/mail_batch_list.html", {"page": batches})


@requires(DISTRIBUTE)
def mail_batch_detail(request: HttpRequest, reference: str) -> HttpResponse:
    batch = mail_batch_get_for(user=staff_user(request), reference=reference)
    if batch is None:
        raise Http404
    return render(
        request,
        "backoffice/mail_batch_detail.html",
        {
            "batch": batch,
            "parcels": parcels_of(batch),
            "carrier": in_language(*CARRIER_LABELS.get(batch.carrier, ("EMS", "EMS"))),
        },
    )


@requires(DISTRIBUTE)
def mail_batch_download(request: HttpRequest, reference: str) -> HttpResponse:
    batch = mail_batch_get_for(user=staff_user(request), reference=reference)
    if batch is None:
        raise Http404
    response = HttpResponse(
        mail_batch_workbook(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"{batch.reference}.xlsx\"; filename*=UTF-8''"
        f"EMS%E6%89%B9%E9%87%8F%E4%B8%8B%E5%8D%95-{batch.reference}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _upload(request: HttpRequest, kind: str) -> tuple[MailUploadForm, MailReport | None, str]:
    """Read an uploaded export with the service of ``kind``; (form, report, refusal)."""
    form = MailUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return form, None, ""
    upload: UploadedFile[bytes] = form.cleaned_data["file"]
    name = Path(upload.name or "export").name
    service = mail_waybills_import if kind == "waybills" else mail_tracking_import
    with tempfile.TemporaryDirectory(prefix="ecert-mail-") as folder:
        target = Path(folder) / "upload"
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            report = service(
                actor=staff_user(request), path=target, display_name=name, now=timezone.now()
            )
        except EcertError as error:
            if error.file or error.code in _REFUSALS or error.code in _FILE_REFUSALS:
                return form, None, in_language(*error.texts())
            raise
    return form, report, ""


# What the bounded readers and the export readers refuse (a whole file, or a located row).
_FILE_REFUSALS = frozenset(
    {"unknown_order", "unknown_waybill", "waybill_taken", "waybill_differs", "order_withdrawn"}
)


def _upload_page(request: HttpRequest, kind: str) -> HttpResponse:
    form, report, refusal = _upload(request, kind)
    if report is not None:
        messages.success(
            request,
            _("%(recorded)d recorded, %(already)d already recorded before.")
            % {"recorded": report.recorded, "already": report.already},
        )
        return redirect(f"backoffice:mail_{kind}")
    return render(
        request,
        "backoffice/mail_upload.html",
        {"form": form, "kind": kind, "refusal": refusal},
    )


@requires(DISTRIBUTE)
@require_http_methods(["GET", "POST"])
def mail_waybills(request: HttpRequest) -> HttpResponse:
    return _upload_page(request, "waybills")


@requires(DISTRIBUTE)
@require_http_methods(["GET", "POST"])
def mail_tracking(request: HttpRequest) -> HttpResponse:
    return _upload_page(request, "tracking")


@requires(DISTRIBUTE)
@require_POST
def mail_sync(request: HttpRequest) -> HttpResponse:
    """Send the unit's orders to the HTTP carrier and read its waybills and tracking back."""
    form = MailSyncForm(request.POST)
    carrier = carrier_configured()
    if not form.is_valid() or carrier is None:
        raise Http404
    unit = _unit(request, form.cleaned_data["unit"])
    try:
        report = mail_carrier_sync(
            actor=staff_user(request), unit=unit, carrier=carrier, now=timezone.now()
        )
    except EcertError as error:
        messages.error(request, _shown(error))
    else:
        messages.success(
            request,
            _("The carrier gave %(waybills)d waybills and %(events)d tracking events.")
            % {"waybills": report.waybills.recorded, "events": report.tracking.recorded},
        )
    return redirect(f"{_list_url()}?unit={unit.key}")


urlpatterns: list[URLPattern] = [
    path("paper/<str:public_id>/choose/", paper_choose_view, name="paper_choose"),
    path("mail/", mail_list, name="mail_list"),
    path("mail/export/", mail_export, name="mail_export"),
    path("mail/batches/", mail_batch_list, name="mail_batch_list"),
    path("mail/batches/<str:reference>/", mail_batch_detail, name="mail_batch_detail"),
    path(
        "mail/batches/<str:reference>/orders.xlsx", mail_batch_download, name="mail_batch_download"
    ),
    path("mail/waybills/", mail_waybills, name="mail_waybills"),
    path("mail/tracking/", mail_tracking, name="mail_tracking"),
    path("mail/sync/", mail_sync, name="mail_sync"),
]
