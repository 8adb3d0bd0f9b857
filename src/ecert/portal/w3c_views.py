"""The holder's W3C VC 2.0 download (docs/formats/w3c-vc.md), apart from the other downloads."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ecert.core.formats.w3c_vc import MEDIA_TYPE
from ecert.core.rules.roles import Perm
from ecert.credentials.selectors import credential_get_for
from ecert.credentials.w3c_vc import credential_w3c_vc
from ecert.portal.access import holder_required, holder_user


@holder_required
@require_GET
def credential_w3c_vc_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """下载 W3C 可验证凭证 / The holder's own signed credential as ``application/vc+jwt``, for a
    wallet; another holder's credential, or one never signed, is not found."""
    credential = credential_get_for(
        user=holder_user(request), public_id=public_id, perm=Perm.VIEW_OWN_CREDENTIAL
    )
    if credential is None or credential.signed is None:
        raise Http404
    token = credential_w3c_vc(credential=credential, now=timezone.now())
    response = HttpResponse(token.encode("ascii"), content_type=MEDIA_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="credential-{credential.public_id}.jwt"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
