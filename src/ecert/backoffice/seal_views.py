"""Back-office page of an authority's seal picture: see it, replace it with an uploaded PNG."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.forms import SealUploadForm
from ecert.core.documents.seals import MAX_BYTES
from ecert.core.errors import EcertError
from ecert.core.rules.roles import Perm
from ecert.documents.seals import seal_image_set
from ecert.documents.selectors import seal_authority_get_for, seal_image_of
from ecert.i18n import in_language


@requires(Perm.MANAGE_AUTHORITY)
@require_http_methods(["GET", "POST"])
def authority_seal(request: HttpRequest, key: str) -> HttpResponse:
    """The authority's seal picture, and a form to replace it with an uploaded PNG."""
    user = staff_user(request)
    authority = seal_authority_get_for(user=user, key=key)
    if authority is None:
        raise Http404
    form = SealUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)  # one byte more is enough to tell it is too big
        try:
            seal_image_set(actor=user, authority=authority, data=data, now=timezone.now())
        except EcertError as error:
            form.add_error("file", in_language(error.zh, error.en))
        else:
            messages.success(request, _("The seal picture was replaced."))
            return redirect("backoffice:authority_seal", key=authority.key)
    seal = seal_image_of(authority)
    picture = (
        "data:image/png;base64," + base64.b64encode(bytes(seal.image)).decode("ascii")
        if seal is not None
        else ""
    )
    return render(
        request,
        "backoffice/authority_seal.html",
        {"authority": authority, "seal": seal, "picture": picture, "form": form},
    )
