"""Staff back-office pages. Each view parses the request, calls one selector, renders."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ecert.accounts.selectors import audit_list_for, audit_may_verify
from ecert.accounts.services import ACTIVATION_LIFETIME, activation_code_issue
from ecert.audit.selectors import audit_chain_break
from ecert.authorities.models import Authority
from ecert.authorities.selectors import user_has_perm
from ecert.backoffice.access import requires, staff_user
from ecert.backoffice.audit_sentences import audit_rows
from ecert.backoffice.catalogue_forms import ExamCodeForm
from ecert.backoffice.credential_forms import PhotoForm
from ecert.backoffice.forms import ProofIssueForm
from ecert.catalogue.models import CatalogueList, Qualification
from ecert.catalogue.selectors import catalogue_list_get, qualification_get, responsibility_rows
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.core.rules.roles import Perm
from ecert.core.rules.status import ALLOWED
from ecert.credentials.models import Credential
from ecert.credentials.selectors import (
    CredentialFilters,
    credential_get_for,
    credential_list_for,
    credential_neighbours_for,
)
from ecert.distribution.collection import paper_for_counter
from ecert.documents.selectors import seal_authority_get_for
from ecert.issuance.selectors import proof_issuers_for
from ecert.vocabulary import LABELS, choices

PAGE_SIZE = 50


@requires(Perm.USE_BACKOFFICE)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    by_status = (
        Credential.objects.visible_to(user, Perm.VIEW_CREDENTIAL)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    return render(
        request,
        "backoffice/dashboard.html",
        {
            "by_status": [
                {"label": LABELS[CredentialStatus(row["status"])], "n": row["n"]}
                for row in by_status
            ],
            "authority_count": Authority.objects.visible_to(user, Perm.VIEW_AUTHORITY).count(),
            "assignments": user.active_assignments(),
        },
    )


@requires(Perm.VIEW_AUTHORITY)
def authority_list(request: HttpRequest) -> HttpResponse:
    authorities = Authority.objects.visible_to(staff_user(request), Perm.VIEW_AUTHORITY)
    return render(request, "backoffice/authority_list.html", {"authorities": authorities})


@requires(Perm.VIEW_AUTHORITY)
def authority_detail(request: HttpRequest, key: str) -> HttpResponse:
    user = staff_user(request)
    authority = Authority.objects.visible_to(user, Perm.VIEW_AUTHORITY).filter(key=key).first()
    if authority is None:
        raise Http404
    children = Authority.objects.visible_to(user, Perm.VIEW_AUTHORITY).filter(parent=authority)
    may_change_seal = seal_authority_get_for(user=user, key=authority.key) is not None
    return render(
        request,
        "backoffice/authority_detail.html",
        {"authority": authority, "children": children, "may_change_seal": may_change_seal},
    )


@requires(Perm.VIEW_CATALOGUE)
def catalogue_index(request: HttpRequest) -> HttpResponse:
    qualifications = Qualification.objects.prefetch_related("levels")
    lists = CatalogueList.objects.annotate(size=Count("entries")).select_related(
        "issuer", "province"
    )
    return render(
        request,
        "backoffice/catalogue_index.html",
        {"qualifications": qualifications, "lists": lists, "responsibility": responsibility_rows()},
    )


@requires(Perm.VIEW_CATALOGUE)
def qualification_detail(request: HttpRequest, key: str) -> HttpResponse:
    qualification = qualification_get(key=key)
    if qualification is None:
        raise Http404
    form = None
    if user_has_perm(staff_user(request), Perm.MANAGE_CATALOGUE):
        form = ExamCodeForm(qualification=qualification)
    return render(
        request,
        "backoffice/qualification_detail.html",
        {"qualification": qualification, "exam_code_form": form},
    )


@requires(Perm.VIEW_CATALOGUE)
def catalogue_list_detail(request: HttpRequest, key: str) -> HttpResponse:
    catalogue_list = catalogue_list_get(key=key)
    if catalogue_list is None:
        raise Http404
    return render(request, "backoffice/catalogue_list_detail.html", {"list": catalogue_list})


@requires(Perm.VIEW_CREDENTIAL)
def credential_list(request: HttpRequest) -> HttpResponse:
    filters = CredentialFilters(
        text=request.GET.get("q", "")[:64],
        kind=request.GET.get("kind", ""),
        status=request.GET.get("status", ""),
        qualification=request.GET.get("qualification", ""),
        authority=request.GET.get("authority", ""),
    )
    credentials = credential_list_for(user=staff_user(request), filters=filters)
    page = Paginator(credentials, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/credential_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": choices(CredentialKind),
            "statuses": choices(CredentialStatus),
            "qualifications": Qualification.objects.only("key", "name"),
            "authorities": Authority.objects.visible_to(
                staff_user(request), Perm.VIEW_CREDENTIAL
            ).only("key", "name"),
        },
    )


@requires(Perm.VIEW_CREDENTIAL)
def credential_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id)
    if credential is None:
        raise Http404
    predecessor, successor = credential_neighbours_for(user=user, credential=credential)
    proof_form = None
    if user_has_perm(user, Perm.ISSUE_CREDENTIAL) and credential_get_for(
        user=user, public_id=public_id, perm=Perm.ISSUE_CREDENTIAL
    ):
        centres = proof_issuers_for(user)
        proof_form = ProofIssueForm(centres=centres, initial={"authority": centres.first()})
    manages = user_has_perm(user, Perm.MANAGE_CREDENTIAL) and bool(
        credential_get_for(user=user, public_id=public_id, perm=Perm.MANAGE_CREDENTIAL)
    )
    may_issue_code = manages
    status = CredentialStatus(credential.status)
    may_change_status = manages and bool(ALLOWED[status])
    may_correct = (
        status in (CredentialStatus.VALID, CredentialStatus.SUSPENDED)
        and user_has_perm(user, Perm.CORRECT_CREDENTIAL)
        and bool(credential_get_for(user=user, public_id=public_id, perm=Perm.CORRECT_CREDENTIAL))
    )
    return render(
        request,
        "backoffice/credential_detail.html",
        {
            "credential": credential,
            "predecessor": predecessor,
            "successor": successor,
            "proof_form": proof_form,
            "may_issue_code": may_issue_code,
            "may_change_status": may_change_status,
            "photo_form": PhotoForm() if manages else None,
            "may_correct": may_correct,
            # Paper certificates: the counter of the unit that hands this one out (issue 16).
            "paper_counter": paper_for_counter(user=user, public_id=public_id)
            if user_has_perm(user, Perm.DISTRIBUTE_PAPER)
            else None,
        },
    )


@requires(Perm.MANAGE_CREDENTIAL)
@require_http_methods(["GET", "POST"])
@never_cache
def credential_activation_code(request: HttpRequest, public_id: str) -> HttpResponse:
    """Issue a holder's portal activation code (持证人账户激活) and show it once, on a slip to print
    and hand over; GET only asks to confirm, since a new code voids the previous one."""
    user = staff_user(request)
    credential = credential_get_for(user=user, public_id=public_id, perm=Perm.MANAGE_CREDENTIAL)
    if credential is None:
        raise Http404
    if request.method != "POST":
        return render(request, "backoffice/activation_confirm.html", {"credential": credential})
    now = timezone.now()
    code = activation_code_issue(
        actor=user,
        holder=credential.holder,
        now=now,
        authority=credential.registration_authority or credential.issuing_authority,
    )
    return render(
        request,
        "backoffice/activation_slip.html",
        {
            "credential": credential,
            "code": code,
            "issued_at": now,
            "expires_at": now + ACTIVATION_LIFETIME,
            "portal_url": request.build_absolute_uri(reverse("portal:activate")),
            "sign_in_url": request.build_absolute_uri(reverse("portal:login")),
        },
    )


@requires(Perm.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    events = audit_list_for(user=staff_user(request), action=request.GET.get("action", "")[:64])
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = audit_rows(list(page))
    # Re-hashing covers every event, so only an auditor who may read every event runs it here.
    verified = request.GET.get("verify") == "1" and audit_may_verify(user=staff_user(request))
    chain_break = audit_chain_break() if verified else None
    return render(
        request,
        "backoffice/audit_log.html",
        {
            "page": page,
            "rows": rows,
            "verified": verified,
            "chain_break": chain_break,
            "may_verify": audit_may_verify(user=staff_user(request)),
        },
    )
