"""Back-office pages of issuance: pass-list imports and proofs issued on request.

Each view parses the request, calls one service or selector, and renders; an import runs as a
background task, and its page follows it until it ends.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.forms import PassListUploadForm, ProofIssueForm, RecordsUploadForm
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.core.rules.roles import Perm
from ecert.credentials.pipeline import ISSUE_REFUSALS
from ecert.credentials.selectors import credential_get_for
from ecert.i18n import in_language, in_language_of
from ecert.issuance.models import ImportState, PassListImport
from ecert.issuance.selectors import (
    import_authorities_for,
    import_batches,
    import_error_workbook,
    passlist_import_get_for,
    passlist_imports_visible_to,
    proof_issuers_for,
)
from ecert.issuance.services import (
    FINISHED,
    PROOF_REFUSALS,
    import_progress,
    passlist_import_create,
    proof_issue,
)
from ecert.issuance.tasks import passlist_import_task
from ecert.vocabulary import kind_label

PAGE_SIZE = 50


def _import_for(request: HttpRequest, reference: str) -> PassListImport:
    job = passlist_import_get_for(user=staff_user(request), reference=reference)
    if job is None:
        raise Http404
    return job


@requires(Perm.ISSUE_CREDENTIAL)
def import_list(request: HttpRequest) -> HttpResponse:
    imports = passlist_imports_visible_to(staff_user(request))
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/import_list.html", {"page": page})


@requires(Perm.ISSUE_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a pass list: its rows become signed electronic credentials."""
    return _upload(request, records=False)


@requires(Perm.ISSUE_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def records_new(request: HttpRequest) -> HttpResponse:
    """Upload records of paper certificates for the certificate database (seed 001 二(一)2)."""
    return _upload(request, records=True)


def _upload(request: HttpRequest, *, records: bool) -> HttpResponse:
    user = staff_user(request)
    authorities = import_authorities_for(user)
    form_class = RecordsUploadForm if records else PassListUploadForm
    context: dict[str, object] = {"records": records}
    if request.method != "POST":
        context["form"] = form_class(
            authorities=authorities, initial={"authority": authorities.first()}
        )
        return render(request, "backoffice/import_new.html", context)
    form = form_class(request.POST, request.FILES, authorities=authorities)
    context["form"] = form
    if form.is_valid():
        upload = form.cleaned_data["file"]
        photos = form.cleaned_data.get("photos")
        try:
            job = passlist_import_create(
                actor=user,
                authority=form.cleaned_data["authority"],
                qualification=form.cleaned_data["exam"],
                file_name=upload.name or "passlist",
                chunks=upload.chunks(),
                requested_kind=form.requested_kind(),
                accept_valid=form.cleaned_data["accept_valid"],
                form=CredentialForm.PAPER if records else CredentialForm.ELECTRONIC,
                photos=(photos.name or "photos.zip", photos.chunks()) if photos else None,
            )
        except EcertError as refused:
            form.add_error(None, in_language(refused.zh, refused.en))
        else:
            transaction.on_commit(partial(passlist_import_task.enqueue, import_id=job.pk))
            return redirect("backoffice:import_detail", reference=job.reference)
    return render(request, "backoffice/import_new.html", context)


@requires(Perm.ISSUE_CREDENTIAL)
def import_detail(request: HttpRequest, reference: str) -> HttpResponse:
    job = _import_for(request, reference)
    records = job.form == CredentialForm.PAPER
    batches = [
        (batch, kind_label(batch.kind, job.form), bytes(batch.merkle_root or b"").hex())
        for batch in import_batches(job)
    ]
    document = (
        kind_label(job.requested_kind or CredentialKind.NATIONAL_CERTIFICATE, job.form)
        if records or job.requested_kind
        else None
    )
    return render(
        request,
        "backoffice/import_detail.html",
        {
            "job": job,
            "message": in_language_of(job.message),
            "records": records,
            "document": document,
            "rows_read": import_progress(job),
            "batches": batches,
            "following": job.state not in FINISHED,
            "has_workbook": import_error_workbook(job) is not None,
        },
    )


@requires(Perm.ISSUE_CREDENTIAL)
def import_progress_json(request: HttpRequest, reference: str) -> JsonResponse:
    job = _import_for(request, reference)
    return JsonResponse(
        {
            "reference": job.reference,
            "state": job.state,
            "state_label": str(ImportState(job.state).label),
            "finished": job.state in FINISHED,
            "rows_read": import_progress(job),
            "issued": job.issued,
            "already_issued": job.already_issued,
            "rows_invalid": job.rows_invalid,
        }
    )


@requires(Perm.ISSUE_CREDENTIAL)
def import_errors(request: HttpRequest, reference: str) -> FileResponse:
    workbook = import_error_workbook(_import_for(request, reference))
    if workbook is None:
        raise Http404
    path, name = workbook
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@requires(Perm.ISSUE_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def credential_proof(request: HttpRequest, public_id: str) -> HttpResponse:
    """Issue a 成绩合格证明 or 职/执业资格证明 for a credential (the form is also on its page)."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.ISSUE_CREDENTIAL)
    if credential is None:
        raise Http404
    centres = proof_issuers_for(user)
    if request.method != "POST":
        form = ProofIssueForm(centres=centres, initial={"authority": centres.first()})
        return render(
            request, "backoffice/proof_form.html", {"credential": credential, "form": form}
        )
    form = ProofIssueForm(request.POST, centres=centres)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("backoffice:credential_detail", public_id=credential.public_id)
    try:
        proof = proof_issue(
            actor=user,
            source=credential,
            kind=CredentialKind(form.cleaned_data["kind"]),
            authority=form.cleaned_data["authority"],
            application=form.cleaned_data["application"],
        )
    except EcertError as error:
        if error.code == "not_found":  # not the user's to issue for: the same as not there
            raise Http404 from error
        if error.code not in PROOF_REFUSALS | ISSUE_REFUSALS:
            raise  # a key store that fails: not a refusal
        messages.error(request, in_language(*error.texts()))
        return redirect("backoffice:credential_detail", public_id=credential.public_id)
    messages.success(request, _("Issued: %(kind)s") % {"kind": proof.get_kind_display()})
    return redirect("backoffice:credential_detail", public_id=proof.public_id)
