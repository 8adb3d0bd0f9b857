"""Back-office pages for professional titles (seed 003): record approvals one by one or from a
sheet, number and issue their certificates, take and decide reissues, follow reports, and set
region-department codes. Each page parses, calls one service or selector, renders."""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.title_forms import ApprovalForm, RegionCodeForm, ReissueForm, SheetForm
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import AuthorityKind
from ecert.core.rules.roles import Perm
from ecert.core.spreadsheets.title_sheet import SHEET_REFUSALS, refusal_lines
from ecert.documents.printing import PRINT_REFUSALS, print_file_create, title_round_print
from ecert.documents.tasks import print_file_task
from ecert.i18n import in_language
from ecert.titles.certificates import (
    title_certificate_issue,
    title_certificates_issue_all,
    title_reissue_decide,
    title_reissue_submit,
)
from ecert.titles.models import ReissueState, SeriesLevel, TitleCertificate, TitleReissue
from ecert.titles.selectors import (
    region_codes_for,
    reports_due,
    title_approvers_for,
    title_document_round,
    title_get_for,
    title_list_for,
    title_pledge_for,
)
from ecert.titles.services import (
    REFUSALS,
    ApprovalFacts,
    region_code_assign,
    title_approval_record,
    title_approvals_import,
    titles_report,
)

PAGE_SIZE = 50
DOCUMENT_MAX = 50  # TitleApproval.approval_document holds at most this many characters


def _said(error: EcertError) -> str:
    return in_language(error.zh, error.en)


@requires(Perm.MANAGE_TITLE)
def title_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    approvals = title_list_for(user=user)
    document = request.GET.get("document", "").strip()[:DOCUMENT_MAX]
    if document:
        approvals = approvals.filter(approval_document=document)
    page = Paginator(approvals, PAGE_SIZE).get_page(request.GET.get("page"))
    found = title_document_round(user=user, document=document) if document else None
    return render(
        request,
        "backoffice/title_list.html",
        {"page": page, "document": document, "round": found},
    )


@requires(Perm.MANAGE_TITLE)
@require_POST
def title_round(request: HttpRequest) -> HttpResponse:
    """The certificates of a review round (one approval document): issue all, or print the paper
    ones in one print file per approving body."""
    user, now = staff_user(request), timezone.now()
    document = request.POST.get("document", "").strip()[:DOCUMENT_MAX]
    back = f"{reverse('backoffice:title_list')}?{urlencode({'document': document})}"
    if not document:
        messages.error(request, _("Give the approval document number of the round."))
        return redirect("backoffice:title_list")
    if request.POST.get("action") == "issue-all":
        try:
            run = title_certificates_issue_all(actor=user, approval_document=document, now=now)
        except EcertError as error:
            if error.code not in REFUSALS:
                raise  # a key store that fails while signing is not a refusal: as before
            messages.error(request, _said(error))
        else:
            messages.success(
                request,
                _("%(count)d certificates are numbered and issued.") % {"count": len(run.issued)},
            )
            if run.remaining:
                messages.warning(
                    request,
                    _("%(count)d records are still waiting: issue again to continue.")
                    % {"count": run.remaining},
                )
        return redirect(back)
    if request.POST.get("action") == "print-all":
        try:
            jobs = title_round_print(actor=user, approval_document=document, now=now)
        except EcertError as error:  # the round's refusal, or a print file's
            messages.error(request, _said(error))
            return redirect(back)
        for job in jobs:
            transaction.on_commit(partial(print_file_task.enqueue, print_file_id=job.pk))
        if len(jobs) == 1:
            return redirect("backoffice:print_file_detail", reference=jobs[0].reference)
        return redirect("backoffice:print_file_list")
    messages.error(request, _("Choose what to do with the round."))
    return redirect(back)


@requires(Perm.MANAGE_TITLE)
@require_http_methods(["GET", "POST"])
def title_new(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    approvers = title_approvers_for(user)
    form = ApprovalForm(request.POST or None, approvers=approvers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facts = ApprovalFacts(
            name=data["name"],
            id_number=data["id_number"],
            series_code=data["series_level"].code,
            specialty=data["specialty"],
            work_unit=data["work_unit"],
            review_body=data["review_body"],
            review_year=data["review_year"],
            approval_date=data["approval_date"],
            approval_document=data["approval_document"],
            grassroots=data["grassroots"],
            form=data["form"],
            scheme_mark=data["series_level"].scheme.mark,
        )
        try:
            approval = title_approval_record(
                actor=user, approver=data["approver"], facts=facts, now=timezone.now()
            )
        except EcertError as error:
            if error.code == "holder_name_mismatch":
                form.add_error("name", str(error))
            else:  # a title refusal: on its field, if the form has it
                form.add_error(error.field if error.field in form.fields else None, _said(error))
        else:
            messages.success(request, _("The approval was recorded."))
            return redirect("backoffice:title_detail", reference=approval.reference)
    return render(request, "backoffice/title_new.html", {"form": form})


@requires(Perm.MANAGE_TITLE)
@require_http_methods(["GET", "POST"])
def title_import(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = SheetForm(
        request.POST or None, request.FILES or None, approvers=title_approvers_for(user)
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = Path(upload.name or "sheet").name
        with tempfile.TemporaryDirectory(prefix="ecert-titles-") as folder:
            path = Path(folder) / f"upload{Path(name).suffix.lower()}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                recorded = title_approvals_import(
                    actor=user,
                    approver=form.cleaned_data["approver"],
                    path=path,
                    display_name=name,
                    now=timezone.now(),
                )
            except EcertError as error:
                if error.code in SHEET_REFUSALS:  # the sheet itself: every mistake, one a line
                    problems = refusal_lines(error)
                elif error.code in {*REFUSALS, "holder_name_mismatch"}:  # a row the rules refuse
                    problems = [in_language(*error.texts())]  # names the file and the row
                else:
                    raise
            else:
                messages.success(
                    request,
                    _("%(count)d approvals are recorded from %(name)s.")
                    % {"count": len(recorded), "name": name},
                )
                return redirect("backoffice:title_list")
    return render(request, "backoffice/title_import.html", {"form": form, "problems": problems})


@requires(Perm.MANAGE_TITLE)
@require_http_methods(["GET", "POST"])
def title_detail(request: HttpRequest, reference: str) -> HttpResponse:
    user = staff_user(request)
    approval = title_get_for(user=user, reference=reference)
    if approval is None:
        raise Http404
    reissue_form = ReissueForm()
    if request.method == "POST":
        action, now = request.POST.get("action"), timezone.now()
        try:
            if action == "issue":
                certificate = title_certificate_issue(actor=user, approval=approval, now=now)
                messages.success(
                    request,
                    _("Certificate %(number)s is issued.")
                    % {"number": certificate.credential.printed_number()},
                )
                return redirect("backoffice:title_detail", reference=reference)
            if action == "reissue":
                reissue_form = ReissueForm(request.POST, request.FILES)
                if reissue_form.is_valid():
                    pledge = reissue_form.cleaned_data["pledge"]
                    title_reissue_submit(
                        actor=user,
                        certificate=approval.certificates.get(
                            pk=request.POST.get("certificate", "")
                        ),
                        pledge_name=Path(pledge.name or "pledge").name,
                        pledge=pledge.read(),
                        reviewing_unit=reissue_form.cleaned_data["reviewing_unit"],
                        reviewed_on=reissue_form.cleaned_data["reviewed_on"],
                        now=now,
                    )
                    messages.success(request, _("The reissue application is recorded."))
                    return redirect("backoffice:title_detail", reference=reference)
            if action == "print":
                current = approval.certificates.select_related("credential").get(
                    pk=request.POST.get("certificate", "")
                )
                job = print_file_create(
                    actor=user,
                    authority=approval.approver,
                    public_ids=[current.credential.public_id],
                    now=now,
                )
                transaction.on_commit(partial(print_file_task.enqueue, print_file_id=job.pk))
                return redirect("backoffice:print_file_detail", reference=job.reference)
            if action in ("reissue-approve", "reissue-refuse"):
                application = TitleReissue.objects.get(
                    certificate__approval=approval, reference=request.POST.get("reissue", "")
                )
                title_reissue_decide(
                    actor=user,
                    reissue=application,
                    approve=action == "reissue-approve",
                    note=request.POST.get("note", "")[:200],
                    now=now,
                )
                messages.success(request, _("The decision was recorded."))
                return redirect("backoffice:title_detail", reference=reference)
        except EcertError as error:
            if error.code in REFUSALS | PRINT_REFUSALS:  # the title services' or a print file's
                messages.error(request, _said(error))
            else:  # anything else met here was a ValueError before, and answered so
                messages.error(request, _("Choose a certificate or application of this record."))
        except (ValueError, TitleReissue.DoesNotExist, TitleCertificate.DoesNotExist):
            messages.error(request, _("Choose a certificate or application of this record."))
    certificates = approval.certificates.select_related("credential").order_by("-id")
    reissues = TitleReissue.objects.filter(certificate__approval=approval).select_related(
        "certificate__credential", "replacement__credential"
    )
    return render(
        request,
        "backoffice/title_detail.html",
        {
            "approval": approval,
            "certificates": certificates,
            "reissues": reissues,
            "open": ReissueState.SUBMITTED,
            "reissue_form": reissue_form,
        },
    )


@requires(Perm.MANAGE_TITLE)
@require_GET
@never_cache
def title_pledge(request: HttpRequest, reissue: str) -> HttpResponse:
    """The holder's signed pledge of a reissue application, to read before deciding."""
    pledge = title_pledge_for(user=staff_user(request), reissue=reissue)
    if pledge is None:
        raise Http404
    response = HttpResponse(pledge.content, content_type=pledge.media_type)
    response["Content-Disposition"] = f'inline; filename="{pledge.file_name}"'
    return response


@requires(Perm.MANAGE_TITLE)
def title_reports(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    today = timezone.localdate()
    own = title_approvers_for(user).filter(kind=AuthorityKind.INSTITUTION)
    return render(
        request,
        "backoffice/title_reports.html",
        {"due": reports_due(user, today), "today": today, "own_institutions": own},
    )


@requires(Perm.MANAGE_TITLE)
@require_POST
def title_report_send(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    institution = title_approvers_for(user).filter(key=request.POST.get("institution", "")).first()
    if institution is None:
        raise Http404
    try:
        count = titles_report(actor=user, institution=institution, now=timezone.now())
    except EcertError as error:
        messages.error(request, _said(error))
    else:
        messages.success(request, _("%(count)d records are reported.") % {"count": count})
    return redirect("backoffice:title_reports")


@requires(Perm.MANAGE_TITLE_CODES)
@require_http_methods(["GET", "POST"])
def title_codes(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    authorities = region_codes_for(user)
    form = RegionCodeForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        try:
            region_code_assign(
                actor=user, authority=form.cleaned_data["authority"], code=form.cleaned_data["code"]
            )
        except EcertError as error:
            form.add_error("code", _said(error))
        else:
            messages.success(request, _("The code is set."))
            return redirect("backoffice:title_codes")
    series = SeriesLevel.objects.select_related("scheme__province").order_by("scheme", "code")
    return render(
        request,
        "backoffice/title_codes.html",
        {"form": form, "authorities": authorities, "series": series},
    )
