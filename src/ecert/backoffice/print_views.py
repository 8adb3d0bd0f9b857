"""Back-office pages of print files: ask for one of a batch, follow it, download it.

Each view parses the request, calls one service or selector, renders. A print file is made by a
background task; its page follows it until it ends.
"""

from __future__ import annotations

from functools import partial

from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.forms import PrintFileForm
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.documents.models import PrintFile, PrintFileState
from ecert.documents.printing import (
    FINISHED,
    print_file_create,
    print_file_path,
    print_file_progress,
)
from ecert.documents.selectors import (
    batch_printable_count,
    print_authorities_for,
    print_file_get_for,
    print_files_visible_to,
    printable_batch_get_for,
    printable_batches_for,
)
from ecert.documents.tasks import print_file_task
from ecert.i18n import in_language, in_language_of

PAGE_SIZE = 50


BATCHES_SHOWN = 20  # the newest; older batches are reached from their imports


def _print_file_for(request: HttpRequest, reference: str) -> PrintFile:
    job = print_file_get_for(user=staff_user(request), reference=reference)
    if job is None:
        raise Http404
    return job


@requires(Perm.VIEW_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def batch_print(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask for a print file of an issuance batch: the certificates of it the user may see."""
    user = staff_user(request)
    batch = printable_batch_get_for(user=user, reference=reference)
    if batch is None:
        raise Http404
    authorities = print_authorities_for(user)
    form = PrintFileForm(
        request.POST or None, authorities=authorities, initial={"authority": authorities.first()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = print_file_create(
                actor=user,
                authority=form.cleaned_data["authority"],
                batch=batch,
                now=timezone.now(),
            )
        except EcertError as refused:
            form.add_error(None, in_language(refused.zh, refused.en))
        else:
            transaction.on_commit(partial(print_file_task.enqueue, print_file_id=job.pk))
            return redirect("backoffice:print_file_detail", reference=job.reference)
    return render(
        request,
        "backoffice/batch_print.html",
        {"batch": batch, "form": form, "printable": batch_printable_count(user=user, batch=batch)},
    )


@requires(Perm.VIEW_CREDENTIAL)
def print_file_list(request: HttpRequest) -> HttpResponse:
    jobs = print_files_visible_to(staff_user(request))
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The batches the user may print, so that a city bureau reaches them from the navigation
    # (the exam centre also reaches them from its imports).
    batches = printable_batches_for(user=staff_user(request))[:BATCHES_SHOWN]
    return render(request, "backoffice/print_file_list.html", {"page": page, "batches": batches})


@requires(Perm.VIEW_CREDENTIAL)
def print_file_detail(request: HttpRequest, reference: str) -> HttpResponse:
    job = _print_file_for(request, reference)
    return render(
        request,
        "backoffice/print_file_detail.html",
        {
            "job": job,
            "message": in_language_of(job.message),
            "done": print_file_progress(job),
            "following": job.state not in FINISHED,
            "downloadable": print_file_path(job) is not None,
        },
    )


@requires(Perm.VIEW_CREDENTIAL)
def print_file_progress_json(request: HttpRequest, reference: str) -> JsonResponse:
    job = _print_file_for(request, reference)
    return JsonResponse(
        {
            "reference": job.reference,
            "state": job.state,
            "state_label": str(PrintFileState(job.state).label),
            "finished": job.state in FINISHED,
            "pages_done": print_file_progress(job),
            "pages": job.pages,
        }
    )


@requires(Perm.VIEW_CREDENTIAL)
def print_file_download(request: HttpRequest, reference: str) -> FileResponse:
    job = _print_file_for(request, reference)
    path = print_file_path(job)
    if path is None:
        raise Http404
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"打印文件-{job.reference}.pdf",
        content_type="application/pdf",
    )
