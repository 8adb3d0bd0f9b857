"""A credential's status changes (suspend, reinstate, revoke) and its correction (信息修改), from
its back-office page. Each asks for a reason and a confirmation, and acts only within the clerk's
scope: a credential out of it answers like one that does not exist."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.credential_forms import CorrectionForm, PhotoForm, StatusChangeForm
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.credentials.selectors import credential_get_for
from ecert.credentials.services import (
    credential_correct,
    credential_set_status,
    holder_photo_set,
)
from ecert.i18n import in_language
from ecert.vocabulary import LABELS


@requires(Perm.MANAGE_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def credential_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """GET: the form. POST: first the confirmation page, then (``confirmed``) the change."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.MANAGE_CREDENTIAL)
    if credential is None:
        raise Http404
    current = CredentialStatus(credential.status)
    form = StatusChangeForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        new = form.new_status()
        if request.POST.get("confirmed") != "yes":
            return render(
                request,
                "backoffice/credential_status_confirm.html",
                {
                    "credential": credential,
                    "form": form,
                    "current_label": LABELS[current],
                    "new_label": LABELS[new],
                    "final": new is CredentialStatus.REVOKED,
                },
            )
        try:
            credential_set_status(
                actor=user,
                credential=credential,
                status=new,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except EcertError as error:
            form.add_error(None, in_language(error.zh, error.en))
        else:
            messages.success(request, _("The status is now: %(status)s") % {"status": LABELS[new]})
            return redirect("backoffice:credential_detail", public_id=credential.public_id)
    return render(
        request,
        "backoffice/credential_status.html",
        {"credential": credential, "form": form, "current_label": LABELS[current]},
    )


@requires(Perm.CORRECT_CREDENTIAL)
@require_http_methods(["GET", "POST"])
def credential_correction(request: HttpRequest, public_id: str) -> HttpResponse:
    """A correction made by the authority that manages the credential's data: a new credential
    supersedes this one; its page is shown next."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.CORRECT_CREDENTIAL)
    if credential is None:
        raise Http404
    initial = {
        "name": credential.holder_name,
        "id_type": credential.holder.id_type,
        "sex": credential.holder_sex,
        "birth_month": credential.holder_birth_month,
        "level": credential.level,
        "specialty": credential.specialty,
        "approval_date": credential.approval_date,
        "number": credential.management_number,
    }
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["evidence"]
        try:
            replacement = credential_correct(
                actor=user,
                credential=credential,
                correction=form.correction(),
                reason=form.cleaned_data["reason"],
                evidence=upload.read() if upload else None,
                evidence_name=upload.name if upload else "",
                now=timezone.now(),
            )
        except EcertError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, in_language(error.zh, error.en))
        else:
            messages.success(
                request,
                _("Corrected: this credential replaces %(old)s, which now verifies as replaced.")
                % {"old": credential.printed_number()},
            )
            return redirect("backoffice:credential_detail", public_id=replacement.public_id)
    return render(
        request, "backoffice/credential_correct.html", {"credential": credential, "form": form}
    )


@requires(Perm.MANAGE_CREDENTIAL)
@require_POST
def credential_photo(request: HttpRequest, public_id: str) -> HttpResponse:
    """A new photo for the holder (seed 001 附件 二.3: JPEG, 295×413, white background, 10–30 KB);
    a photo breaking a rule is refused with the rule, and nothing is kept."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.MANAGE_CREDENTIAL)
    if credential is None:
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo file (JPEG) to upload."))
    else:
        upload = form.cleaned_data["photo"]
        try:
            holder_photo_set(
                actor=user,
                credential=credential,
                data=upload.read(),
                file_name=upload.name or "",
                now=timezone.now(),
            )
        except EcertError as error:
            messages.error(request, in_language(*error.texts()))
        else:
            messages.success(request, _("The photo is kept; faces that carry a photo print it."))
    return redirect("backoffice:credential_detail", public_id=credential.public_id)
