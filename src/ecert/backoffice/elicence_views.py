"""Back-office page of the e-licence platform exchange: choose a selection, download its zip.

The view parses the form and calls the one export service (``elicence_export``), which checks the
scope, writes the zip atomically and audits it; the zip is handed over and not kept.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.forms import ElicenceExportForm
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialKind
from ecert.core.rules.roles import Perm
from ecert.credentials.models import IssuanceBatch
from ecert.documents.elicence import ElicenceSelection, elicence_export
from ecert.documents.selectors import print_authorities_for
from ecert.i18n import in_language


@requires(Perm.VIEW_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def elicence_export_page(request: HttpRequest) -> HttpResponseBase:
    user = staff_user(request)
    authorities = print_authorities_for(user)
    form = ElicenceExportForm(
        request.POST or None, authorities=authorities, initial={"authority": authorities.first()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reference = data["batch"].strip()
        batch = IssuanceBatch.objects.filter(reference=reference).first() if reference else None
        if reference and batch is None:
            form.add_error(
                "batch",
                in_language(f"没有签发批次 {reference}", f"there is no issuance batch {reference}"),
            )
        else:
            selection = ElicenceSelection(
                authority=data["authority"],
                kind=CredentialKind(data["kind"]) if data["kind"] else None,
                issued_from=data["issued_from"],
                issued_to=data["issued_to"],
                batch=batch,
            )
            folder = Path(tempfile.mkdtemp(prefix="elicence-"))
            try:
                done = elicence_export(
                    actor=user,
                    selection=selection,
                    output=folder / "export.zip",
                    now=timezone.now(),
                )
                handle = done.path.open("rb")  # stays readable once its name is gone
            except EcertError as refused:
                form.add_error(None, in_language(refused.zh, refused.en))
            else:
                name = f"elicence-{selection.authority.key}-{done.sha256[:12]}.zip"
                return FileResponse(
                    handle, as_attachment=True, filename=name, content_type="application/zip"
                )
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    return render(request, "backoffice/elicence_export.html", {"form": form})
