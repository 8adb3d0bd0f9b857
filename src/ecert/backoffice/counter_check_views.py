"""Counter verification for organisations and old-version registration forms (issue 16)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.counter_check_forms import (
    FORM_LABELS,
    CounterCheckForm,
    RegistrationFormForm,
)
from ecert.core.errors import EcertError
from ecert.core.rules.paper import TICKED_FIELDS, Edition, RegistrationFormType
from ecert.core.rules.roles import Perm
from ecert.distribution.counter_checks import (
    NOTICE_REFUSALS,
    OrganisationFacts,
    Presented,
    counter_check_notice,
    counter_check_record,
    counter_check_units,
    counter_checks_for,
)
from ecert.distribution.models import CounterCheck, PaperCertificate, RegistrationForm
from ecert.distribution.registration_forms import (
    TICKED,
    record_values,
    registration_form_initial,
    registration_form_missing,
    registration_form_pdf,
    registration_form_record,
)
from ecert.i18n import in_language

PAGE_SIZE = 50


def _said(error: EcertError) -> str:
    return in_language(error.zh, error.en)


def _paper_for(request: HttpRequest, public_id: str) -> PaperCertificate:
    """The paper certificate if the user hands it out; otherwise as if it did not exist."""
    paper = (
        PaperCertificate.objects.visible_to(staff_user(request), Perm.DISTRIBUTE_PAPER)
        .select_related(
            "credential__holder", "credential__qualification", "unit", "delivery__authority"
        )
        .filter(credential__public_id=public_id[:16])
        .first()
    )
    if paper is None:
        raise Http404
    return paper


@requires(Perm.DISTRIBUTE_PAPER)
@require_http_methods(["GET", "POST"])
def paper_registration_form(request: HttpRequest, public_id: str) -> HttpResponse:
    """Record an old-version certificate's registration form; say which key fields are missing."""
    paper = _paper_for(request, public_id)
    credential = paper.credential
    old = paper.delivery.edition == Edition.OLD
    on_record = record_values(credential)
    form_type, initial = registration_form_initial(paper)
    form = RegistrationFormForm(
        request.POST or None,
        on_record=on_record,
        initial={
            **initial,
            "form_type": form_type,
            **{key: value == TICKED for key, value in initial.items() if key in TICKED_FIELDS},
        },
    )
    if request.method == "POST" and old and form.is_valid():
        data = form.cleaned_data
        try:
            report = registration_form_record(
                actor=staff_user(request),
                certificate=paper,
                form_type=RegistrationFormType(data.pop("form_type")),
                fields=data,
                now=timezone.now(),
            )
        except EcertError as error:
            form.add_error(error.field if error.field in form.fields else None, _said(error))
        else:
            if report.missing:
                messages.warning(request, _("The form was recorded, but key fields are missing."))
            else:
                messages.success(request, _("The form was recorded; it is complete."))
            return redirect("backoffice:paper_registration_form", public_id=credential.public_id)
    recorded = RegistrationForm.objects.filter(credential=credential).first()
    missing = registration_form_missing(credential, recorded.fields) if recorded else []
    return render(
        request,
        "backoffice/paper_registration_form.html",
        {
            "paper": paper,
            "credential": credential,
            "old": old,
            "form": form,
            "recorded": recorded,
            "missing": [in_language(zh, en) for _key, zh, en in missing],
            "labels": FORM_LABELS,
        },
    )


@requires(Perm.DISTRIBUTE_PAPER)
def paper_registration_form_pdf(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The registration form printed, for the holder's signature and the seals."""
    paper = _paper_for(request, public_id)
    try:
        pdf = registration_form_pdf(
            actor=staff_user(request), certificate=paper, now=timezone.now()
        )
    except EcertError as error:
        messages.error(request, _said(error))
        return redirect("backoffice:paper_registration_form", public_id=public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="registration-form-{public_id}.pdf"'
    return response


@requires(Perm.COUNTER_VERIFY)
def counter_check_list(request: HttpRequest) -> HttpResponse:
    checks = counter_checks_for(staff_user(request))
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/counter_check_list.html", {"page": page})


@requires(Perm.COUNTER_VERIFY)
@require_http_methods(["GET", "POST"])
def counter_check_new(request: HttpRequest) -> HttpResponse:
    """Record what an organisation's original certificate shows and compare it."""
    user = staff_user(request)
    form = CounterCheckForm(request.POST or None, units=counter_check_units(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check = counter_check_record(
                actor=user,
                unit=data["unit"],
                organisation=OrganisationFacts(
                    data["organisation_name"], data["credit_code"], data["contact_name"]
                ),
                presented=Presented(
                    data["management_number"],
                    data["name"],
                    data["id_number"],
                    data["qualification"],
                    data["level"],
                    data["approval_date"],
                ),
                now=timezone.now(),
            )
        except EcertError as error:
            form.add_error(error.field if error.field in form.fields else None, _said(error))
        else:
            return redirect("backoffice:counter_check_detail", reference=check.reference)
    return render(request, "backoffice/counter_check_new.html", {"form": form})


def _check_for(request: HttpRequest, reference: str) -> CounterCheck:
    """The check if it was made at a unit in the user's scope; otherwise as if it did not exist."""
    check = counter_checks_for(staff_user(request)).filter(reference=reference[:20]).first()
    if check is None:
        raise Http404
    return check


@requires(Perm.COUNTER_VERIFY)
def counter_check_detail(request: HttpRequest, reference: str) -> HttpResponse:
    check = _check_for(request, reference)
    return render(request, "backoffice/counter_check_detail.html", {"check": check})


@requires(Perm.COUNTER_VERIFY)
def counter_check_notice_pdf(request: HttpRequest, reference: str) -> HttpResponseBase:
    """The sealed result notice for the organisation (the same file every time)."""
    check = _check_for(request, reference)
    try:
        notice = counter_check_notice(actor=staff_user(request), check=check, now=timezone.now())
    except EcertError as error:
        if error.code not in NOTICE_REFUSALS:
            raise
        messages.error(request, _said(error))
        return redirect("backoffice:counter_check_detail", reference=check.reference)
    return FileResponse(
        notice.open("rb"),
        as_attachment=True,
        filename=f"现场查询验证结果告知书-{check.reference}.pdf",
        content_type="application/pdf",
    )


urlpatterns: list[URLPattern] = [
    path(
        "paper/<str:public_id>/registration-form/",
        paper_registration_form,
        name="paper_registration_form",
    ),
    path(
        "paper/<str:public_id>/registration-form.pdf",
        paper_registration_form_pdf,
        name="paper_registration_form_pdf",
    ),
    path("counter-checks/", counter_check_list, name="counter_check_list"),
    path("counter-checks/new/", counter_check_new, name="counter_check_new"),
    path(
        "counter-checks/<str:reference>/notice.pdf",
        counter_check_notice_pdf,
        name="counter_check_notice",
    ),
    path("counter-checks/<str:reference>/", counter_check_detail, name="counter_check_detail"),
]
