"""Collection at the counter with evidence, and the receipt (issue 16).

The collect page reads the collector's ID card through the reader interface of
``static/ecert/paper-collect.js`` (or takes typed details), a picture from the document camera and
the signature from the pad; the clerk confirms and the certificate is handed over. A certificate
out of the clerk's scope answers 404, as one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.collection_forms import CollectForm
from ecert.core.errors import EcertError
from ecert.core.rules.collection import ID_SOURCE_LABELS, EvidenceRefused, IdSource
from ecert.core.rules.paper import ALLOWED, STATE_LABELS, PaperState
from ecert.core.rules.roles import Perm
from ecert.distribution.collection import (
    collection_receipt_pdf,
    paper_collect,
    paper_for_counter,
)
from ecert.distribution.models import Collection
from ecert.i18n import in_language


@requires(Perm.DISTRIBUTE_PAPER)
@require_http_methods(["GET", "POST"])
def paper_collect_page(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: the certificate and the evidence form, or its collection once handed over. POST: the
    collection; any fault is shown beside its field and nothing is kept."""
    user = staff_user(request)
    paper = paper_for_counter(user=user, public_id=public_id)
    if paper is None:
        raise Http404
    collection = Collection.objects.select_related("clerk").filter(certificate=paper).first()
    state = PaperState(paper.state)
    collectable = collection is None and PaperState.HANDED_OVER in ALLOWED[state]
    form = CollectForm(request.POST, request.FILES) if request.method == "POST" else CollectForm()
    if request.method == "POST" and collectable and form.is_valid():
        try:
            paper_collect(
                actor=user, certificate=paper, evidence=form.evidence(), now=timezone.now()
            )
        except EvidenceRefused as refused:
            for problem in refused.problems:
                _show(form, problem)
        except EcertError as error:
            _show(form, error)
        else:
            messages.success(request, _("Handed over. Print the receipt for the collector."))
            return redirect("backoffice:paper_collect", public_id=public_id)
    return render(
        request,
        "backoffice/paper_collect.html",
        {
            "paper": paper,
            "credential": paper.credential,
            "state_label": in_language(*STATE_LABELS[state]),
            "collection": collection,
            "id_source_label": in_language(*ID_SOURCE_LABELS[IdSource(collection.id_source)])
            if collection
            else "",
            "collectable": collectable,
            "form": form,
        },
    )


def _show(form: CollectForm, error: EcertError) -> None:
    """The error beside its field (the signature's beside the pad), else above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, in_language(*error.texts()))


@requires(Perm.DISTRIBUTE_PAPER)
@require_GET
def paper_receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    """The receipt of a certificate handed over at the counter, as a PDF to print."""
    user = staff_user(request)
    paper = paper_for_counter(user=user, public_id=public_id)
    collection = (
        Collection.objects.select_related(
            "certificate__credential__holder",
            "certificate__credential__qualification",
            "unit",
            "clerk",
        )
        .filter(certificate=paper)
        .first()
        if paper is not None
        else None
    )
    if collection is None:
        raise Http404
    try:
        pdf = collection_receipt_pdf(collection=collection)
    except EcertError as error:
        messages.error(request, in_language(*error.texts()))
        return redirect("backoffice:paper_collect", public_id=public_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{collection.receipt_number}.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("paper/<str:public_id>/collect/", paper_collect_page, name="paper_collect"),
    path("paper/<str:public_id>/receipt.pdf", paper_receipt, name="paper_receipt"),
]
