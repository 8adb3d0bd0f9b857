"""The holder portal (持证人自助服务): sign in, see one's own credentials, download, print, and
ask for 加注 copies. Each view parses the request, calls one service or selector, renders.

Every read goes through ``Credential.objects.visible_to(user, Perm.VIEW_OWN_CREDENTIAL)``; a
credential that is not the holder's answers exactly like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecert.accounts.errors import REFUSALS as ACTIVATION_REFUSALS
from ecert.accounts.services import (
    IDENTITY_REFUSALS,
    holder_account_activate,
    holder_identity_refused,
    holder_identity_sign_in,
)
from ecert.accounts.throttle import (
    throttle_blocked,
    throttle_failure,
    throttle_keys,
    throttle_success,
)
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialKind, is_paper_record
from ecert.core.rules.paper import Method, interim_note
from ecert.core.rules.roles import Perm
from ecert.credentials.models import Credential
from ecert.credentials.selectors import (
    credential_get_for,
    credential_list_own_for,
    credential_neighbours_for,
)
from ecert.distribution.mail import paper_for_holder
from ecert.distribution.services import MailAddress, paper_choose
from ecert.documents.models import Media, SealedDocument
from ecert.documents.sd_jwt import SD_JWT_REFUSALS, credential_sd_jwt_issue
from ecert.documents.selectors import (
    document_available,
    scoped_copy_get_for,
    scoped_copy_list_for,
)
from ecert.documents.services import (
    DOCUMENT_REFUSALS,
    OFD_MEDIA_TYPE,
    SCOPED_COPY_REFUSALS,
    document_original,
    document_path,
    document_scoped,
    scoped_copy_create,
)
from ecert.i18n import in_language
from ecert.portal.access import holder_required, holder_user, is_holder
from ecert.portal.forms import ActivationForm, PaperChoiceForm, ScopedCopyForm, SignInForm
from ecert.portal.oidc import EXCHANGE_REFUSALS, oidc_claims, oidc_config, oidc_redirect
from ecert.portal.selectors import open_application, recently_closed
from ecert.replacement.selectors import applications_own
from ecert.titles.selectors import title_reissue_latest
from ecert.vocabulary import kind_label

OWN = Perm.VIEW_OWN_CREDENTIAL
# What a holder can cause and fix when choosing how to receive the paper certificate.
PAPER_CHOICE_REFUSALS = frozenset(
    {"no_address", "paper_state", "formula", "control_character", "too_long", "not_found"}
)
HOLDER_BACKEND = "ecert.accounts.backends.HolderIdNumberBackend"
OIDC_NEXT = "portal_oidc_next"  # session: where to go after signing in through the provider
OIDC_REFUSAL = "portal_oidc_refusal"  # session: why the last sign-in through it failed
OIDC_STATUS = {"identity_provider_down": 503, "identity_state_mismatch": 400}


def _address(request: HttpRequest) -> str:
    """The client's address as the server saw it (behind a proxy, set REMOTE_ADDR from the
    proxy's header there: see docs/holders.md)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def _too_many() -> str:
    return _("Too many failed attempts. For your safety, please wait 15 minutes and try again.")


def _own_credential(request: HttpRequest, public_id: str) -> Credential:
    credential = credential_get_for(user=holder_user(request), public_id=public_id, perm=OWN)
    if credential is None:
        raise Http404
    return credential


def _pdf(document: SealedDocument, filename: str, *, inline: bool) -> FileResponse:
    """The stored document as it was sealed (a PDF, or an OFD original): an attachment to keep,
    or inline to print from."""
    response = FileResponse(
        document_path(document).open("rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=OFD_MEDIA_TYPE if document.media == Media.OFD else "application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    target = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    config = oidc_config()
    page = {"next": target, "oidc_provider": config.provider_name if config else ""}
    if request.method != "POST":
        if is_holder(request.user):
            return redirect(target or "portal:credential_list")
        return render(request, "portal/sign_in.html", {"form": SignInForm(), **page})
    form = SignInForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        id_number = form.cleaned_data["id_number"]
        keys = throttle_keys(scope="signin", address=_address(request), id_number=id_number)
        if throttle_blocked(keys, now):
            form.add_error(None, _too_many())
        else:
            user = authenticate(
                request, id_number=id_number, password=form.cleaned_data["password"]
            )
            if user is None:
                throttle_failure(keys, now)
                form.add_error(None, _("Wrong ID number or password. Please try again."))
            else:
                throttle_success(keys)
                login(request, user)
                return redirect(target or "portal:credential_list")
    return render(request, "portal/sign_in.html", {"form": form, **page})


def _safe_next(request: HttpRequest, target: str) -> str:
    """``target`` if it is a page of this site, else empty."""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@never_cache
@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    """Off to the government service's sign-in (爱山东 …), which comes back to ``oidc_callback``."""
    config = oidc_config()
    if config is None:
        raise Http404
    target = _safe_next(request, request.GET.get("next", ""))
    if is_holder(request.user):
        return redirect(target or "portal:credential_list")
    redirect_uri = request.build_absolute_uri(reverse("portal:oidc_callback"))
    try:
        response = oidc_redirect(request, config, redirect_uri)
    except EcertError as error:
        return _oidc_refused(request, config.provider_name, error)
    request.session[OIDC_NEXT] = target
    return response


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: its claims checked, the holder found by the verified ID number and
    signed in, or the refusal shown (and audited)."""
    config = oidc_config()
    if config is None:
        raise Http404
    try:
        claims = oidc_claims(request, config)
        user = holder_identity_sign_in(
            claims=claims,
            number_claim=config.id_number_claim,
            verified_claim=config.verified_claim,
            provider=config.provider_name,
            address=_address(request),
            now=timezone.now(),
        )
    except EcertError as error:
        if error.code not in IDENTITY_REFUSALS | EXCHANGE_REFUSALS:
            raise
        return _oidc_refused(request, config.provider_name, error)
    target = request.session.pop(OIDC_NEXT, "")
    request.session.pop(OIDC_REFUSAL, None)
    login(request, user, backend=HOLDER_BACKEND)
    return redirect(target or "portal:credential_list")


def _oidc_refused(request: HttpRequest, provider: str, error: EcertError) -> HttpResponse:
    """Audit a failed exchange (claim refusals were audited by the service), keep the reason in
    the session and show it on a page of its own, which can be switched to English."""
    if error.code in EXCHANGE_REFUSALS:
        holder_identity_refused(
            provider=provider, reason=error.code, address=_address(request), now=timezone.now()
        )
    request.session[OIDC_REFUSAL] = {
        "code": error.code,
        "zh": error.zh,
        "en": error.en,
        "provider": provider,
    }
    return redirect("portal:oidc_refused")


@never_cache
@require_GET
def oidc_refused(request: HttpRequest) -> HttpResponse:
    """Why signing in through the provider did not work, and the other ways in."""
    refusal = request.session.get(OIDC_REFUSAL)
    if not isinstance(refusal, dict):
        return redirect("portal:login")
    return render(
        request,
        "portal/oidc_refused.html",
        {
            "message": in_language(refusal["zh"], refusal["en"]),
            "provider": refusal["provider"],
            "code": refusal["code"],
        },
        status=OIDC_STATUS.get(refusal["code"], 403),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/activate.html", {"form": ActivationForm()})
    form = ActivationForm(request.POST)
    if form.is_valid():
        now = timezone.now()
        keys = throttle_keys(scope="activate", address=_address(request))
        if throttle_blocked(keys, now):
            form.add_error(None, _too_many())
        else:
            try:
                user = holder_account_activate(
                    id_number=form.cleaned_data["id_number"],
                    code=form.cleaned_data["code"],
                    password=form.cleaned_data["password1"],
                    now=now,
                )
            except EcertError as error:
                if error.code not in ACTIVATION_REFUSALS:
                    raise  # a role the account may not hold: not a refusal, as before
                if error.code == "weak_password":
                    form.add_error("password1", in_language(error.zh, error.en))
                else:
                    throttle_failure(keys, now)
                    form.add_error(None, in_language(error.zh, error.en))
            else:
                login(request, user, backend=HOLDER_BACKEND)
                messages.success(request, _("Your account is open. Welcome."))
                return redirect("portal:credential_list")
    return render(request, "portal/activate.html", {"form": form})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


@holder_required
def credential_list(request: HttpRequest) -> HttpResponse:
    user = holder_user(request)
    credentials = credential_list_own_for(user=user)
    return render(
        request,
        "portal/credential_list.html",
        {
            "credentials": credentials,
            "closed_applications": recently_closed(user, timezone.now()),
            "has_applications": applications_own(user).exists(),
        },
    )


@holder_required
def credential_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    _predecessor, successor = credential_neighbours_for(user=user, credential=credential, perm=OWN)
    copies = list(scoped_copy_list_for(user=user, credential=credential, perm=OWN))
    new = request.GET.get("new", "")
    just_made = next((copy for copy in copies if copy.reference == new), None)
    return render(
        request,
        "portal/credential_detail.html",
        {
            "credential": credential,
            "successor": successor,
            "available": document_available(credential),
            "paper_record": is_paper_record(credential.kind, credential.form),
            "kind_label": kind_label(credential.kind, credential.form),
            "copies": copies,
            "today": timezone.localdate(),
            "just_made": just_made,
            "reissue": title_reissue_latest(credential)
            if credential.kind == CredentialKind.TITLE_CERTIFICATE
            else None,
            "paper": paper_for_holder(user=user, public_id=credential.public_id),
            "replacement": open_application(user, credential),
            "interim_note": in_language(*interim_note(credential.interim_ended_on))
            if credential.interim_ended_on
            else "",
        },
    )


@holder_required
@require_http_methods(["GET", "POST"])
def paper_choose_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """The holder chooses mail, with the address, or collection at the counter."""
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    view = paper_for_holder(user=user, public_id=credential.public_id)
    if view is None:
        raise Http404
    paper = view.paper
    initial = {
        "method": paper.method or "mail",
        "recipient": paper.mail_recipient or credential.holder_name,
        "phone": paper.mail_phone,
        "address": paper.mail_address,
        "postcode": paper.mail_postcode,
    }
    form = PaperChoiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and view.choosable and form.is_valid():
        data = form.cleaned_data
        method = Method(data["method"])
        address = (
            MailAddress(data["recipient"], data["phone"], data["address"], data["postcode"])
            if method is Method.MAIL
            else None
        )
        try:
            paper_choose(
                actor=user, certificate=paper, method=method, address=address, now=timezone.now()
            )
        except EcertError as error:
            if error.code not in PAPER_CHOICE_REFUSALS and not error.code.startswith("bad_"):
                raise
            named = "recipient" if error.field == "holder_name" else error.field
            field = named if named in form.fields else None
            form.add_error(field, in_language(error.zh, error.en))
        else:
            messages.success(request, _("Your choice is recorded."))
            return redirect("portal:credential_detail", public_id=credential.public_id)
    return render(
        request,
        "portal/paper_choose_form.html",
        {"credential": credential, "form": form, "view": view},
    )


@holder_required
def credential_document(
    request: HttpRequest, public_id: str, inline: bool = False, media: str = Media.PDF
) -> HttpResponseBase:
    """The sealed original: downloaded (保存), or opened in a tab of its own to print (打印); the
    OFD original with the issuer's electronic seal when ``media`` is ofd."""
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    try:
        document = document_original(
            actor=user, credential=credential, now=timezone.localtime(), media=Media(media)
        )
    except EcertError as error:
        if error.code not in DOCUMENT_REFUSALS:
            raise  # a key store that fails: a fault of ours, never shown to a holder
        messages.error(request, in_language(error.zh, error.en))
        return redirect("portal:credential_detail", public_id=credential.public_id)
    return _pdf(document, f"证书-{credential.public_id}.{document.media}", inline=inline)


@holder_required
@require_http_methods(["GET", "POST"])
def credential_sd_jwt(request: HttpRequest, public_id: str) -> HttpResponseBase:
    """The credential as an SD-JWT VC for a wallet (docs/formats/sd-jwt-vc.md), every field
    included: the wallet chooses what to show a verifier. POSTed with the wallet's public key
    (``holder_jwk``), it is bound to that key (``cnf``)."""
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    holder_jwk = request.POST.get("holder_jwk", "") if request.method == "POST" else None
    try:
        issued = credential_sd_jwt_issue(
            actor=user, credential=credential, now=timezone.now(), holder_jwk=holder_jwk
        )
    except EcertError as error:
        if error.code not in SD_JWT_REFUSALS:
            raise
        messages.error(request, in_language(error.zh, error.en))
        return redirect("portal:credential_detail", public_id=credential.public_id)
    response = HttpResponse(issued, content_type="application/dc+sd-jwt")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"证书-{credential.public_id}.sd-jwt"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@holder_required
@require_http_methods(["GET", "POST"])
def scoped_copy_new(request: HttpRequest, public_id: str) -> HttpResponse:
    """Ask for a 加注 copy; on success go back to the credential, which starts the download."""
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    now = timezone.localtime()  # "tomorrow" is the holder's tomorrow, in China time
    if not document_available(credential):
        messages.error(request, _("No electronic document is available for this credential."))
        return redirect("portal:credential_detail", public_id=credential.public_id)
    form = ScopedCopyForm(request.POST or None, today=now.date())
    if request.method == "POST" and form.is_valid():
        # Each step answers only its own refusals: claims that cannot be signed and a key store
        # that fails go up as they always did.
        refusals = SCOPED_COPY_REFUSALS
        try:
            copy = scoped_copy_create(
                actor=user,
                credential=credential,
                purpose=form.cleaned_data["purpose"],
                valid_until=form.cleaned_data["valid_until"],
                now=now,
            )
            refusals = DOCUMENT_REFUSALS
            document_scoped(actor=user, scoped_copy=copy, now=now)
        except EcertError as error:
            if error.code not in refusals:
                raise
            form.add_error(None, in_language(error.zh, error.en))
        else:
            messages.success(request, _("Your 加注 copy is ready; the download starts by itself."))
            url = reverse("portal:credential_detail", kwargs={"public_id": credential.public_id})
            return redirect(f"{url}?new={copy.reference}")
    return render(request, "portal/scoped_copy_form.html", {"credential": credential, "form": form})


@holder_required
def scoped_copy_document(
    request: HttpRequest, public_id: str, reference: str, inline: bool = False
) -> HttpResponseBase:
    user = holder_user(request)
    credential = _own_credential(request, public_id)
    copy = scoped_copy_get_for(user=user, credential=credential, reference=reference, perm=OWN)
    if copy is None:
        raise Http404
    try:
        document = document_scoped(actor=user, scoped_copy=copy, now=timezone.localtime())
    except EcertError as error:
        if error.code not in DOCUMENT_REFUSALS:
            raise
        messages.error(request, in_language(error.zh, error.en))
        return redirect("portal:credential_detail", public_id=credential.public_id)
    return _pdf(document, f"证书-{credential.public_id}-加注-{copy.reference}.pdf", inline=inline)
