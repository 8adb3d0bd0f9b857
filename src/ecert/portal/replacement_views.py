"""Replacement in the holders' portal (补换, 信息修改; issue 17): the holder applies for a paper
certificate of the certificate database, follows each application step by step and may withdraw
it until it is accepted. Each view parses, calls one service or selector, renders.

An application that is not the holder's answers exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdType
from ecert.core.rules.kinds import CredentialStatus, is_paper_record
from ecert.core.rules.paper import Method
from ecert.credentials.services import holder_id_number
from ecert.i18n import in_language
from ecert.portal.access import holder_required, holder_user
from ecert.portal.replacement_timeline import application_view
from ecert.portal.selectors import open_application
from ecert.portal.views import _own_credential
from ecert.replacement.forms import ApplicationForm, situation_of
from ecert.replacement.models import Application
from ecert.replacement.selectors import applications_own
from ecert.replacement.services import application_submit, application_withdraw


def _own_application(request: HttpRequest, reference: str) -> Application:
    found = applications_own(holder_user(request)).filter(reference=reference).first()
    if found is None:
        raise Http404
    return found


@never_cache
@holder_required
@require_http_methods(["GET", "POST"])
def replacement_apply(request: HttpRequest, public_id: str) -> HttpResponse:
    """《个人补发（更换）证书申请》 for one of the holder's paper certificates."""
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    if not is_paper_record(credential.kind, credential.form) or credential.qualification is None:
        raise Http404
    under_way = open_application(user, credential)
    if under_way is not None:
        messages.info(request, _("This certificate already has an application under way."))
        return redirect("portal:replacement_detail", reference=under_way.reference)
    situation = situation_of(credential)
    initial = {
        "reason": "lost",
        "name": credential.holder_name,
        "id_number": holder_id_number(credential.holder),
        "level": credential.level,
        "specialty": credential.specialty,
        "approval_date": credential.approval_date,
        "method": Method.MAIL.value,
        "recipient": credential.holder_name,
    }
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        situation=situation,
        id_type=IdType(credential.holder.id_type),
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit(
                actor=user,
                credential=credential,
                form=form.application_input(),
                now=timezone.now(),
            )
        except EcertError as error:
            if error.code == "not_found":
                raise Http404 from error
            form.add_error(form.field_of(error), in_language(error.zh, error.en))
        else:
            messages.success(
                request,
                _("Your application %(reference)s is submitted.")
                % {"reference": application.reference},
            )
            return redirect("portal:replacement_detail", reference=application.reference)
    return render(
        request,
        "portal/replacement_form.html",
        {
            "credential": credential,
            "form": form,
            "situation": situation,
            "valid": credential.status == CredentialStatus.VALID,
        },
    )


@never_cache
@holder_required
def replacement_list(request: HttpRequest) -> HttpResponse:
    applications = [application_view(a) for a in applications_own(holder_user(request))]
    return render(request, "portal/replacement_list.html", {"applications": applications})


@never_cache
@holder_required
def replacement_detail(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own_application(request, reference)
    return render(
        request,
        "portal/replacement_detail.html",
        {"view": application_view(application, user=holder_user(request), timeline=True)},
    )


@holder_required
@require_POST
def replacement_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    application = _own_application(request, reference)
    try:
        application_withdraw(actor=holder_user(request), application=application)
    except EcertError as error:
        if error.code == "not_found":
            raise Http404 from error
        messages.error(request, in_language(error.zh, error.en))
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("portal:replacement_detail", reference=application.reference)
