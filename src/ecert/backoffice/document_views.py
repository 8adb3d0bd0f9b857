"""Back-office download of a credential's sealed PDF (the same file the holder downloads)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone

from ecert.backoffice.access import requires, staff_user
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.credentials.selectors import credential_get_for
from ecert.documents.services import DOCUMENT_REFUSALS, document_original, document_path
from ecert.i18n import in_language


@requires(Perm.VIEW_CREDENTIAL)
def credential_document(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The sealed PDF of a credential the user may view; made the first time it is asked for."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id)
    if credential is None:
        raise Http404
    try:
        document = document_original(actor=user, credential=credential, now=timezone.now())
    except EcertError as error:
        if error.code not in DOCUMENT_REFUSALS:
            raise  # a key store that fails is not a refusal: as before
        messages.error(request, in_language(error.zh, error.en))
        return redirect("backoffice:credential_detail", public_id=credential.public_id)
    return FileResponse(
        document_path(document).open("rb"),
        as_attachment=True,
        filename=f"证书-{credential.public_id}.pdf",
        content_type="application/pdf",
    )
