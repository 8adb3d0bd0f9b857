"""The offline verifier at /verify/offline/: a page that verifies a QR code in the browser with no
server, its service worker and its web app manifest (docs/verification.md, "Offline verifier").

The page carries the server's own words for every verdict and check (``VERDICT_LABELS``,
``CHECK_TEXTS``), so the browser shows what the online page would; the script itself
(static/ecert/offline/verifier.js) is built from web/offline-verifier/ and committed.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ecert.core.formats.claims import KindCode
from ecert.core.formats.verify import Verdict
from ecert.core.rules.issuing import KIND_LABELS
from ecert.i18n import in_language
from ecert.signing.models import StatusListPublication, TrustListPublication
from ecert.verification.answers import CHECK_NOT_DONE, CHECK_TEXTS, VERDICT_LABELS

# The browser cannot check SM2 (WebCrypto has no SM2): such a credential is sent to the server.
NEEDS_SERVER_LABEL = ("此证书须联网核验", "This certificate must be checked online")
NEEDS_SERVER_CHECK = (
    "签名采用国密 SM2 算法，浏览器无法离线核对，请联网核验",
    "Signed with SM2, which the browser cannot check offline: verify it online",
)
ICON_SIZES = (192, 512)
CACHE_VERSION = "1"


def _files() -> dict[str, Any]:
    lists = StatusListPublication.objects.order_by("list_number").values_list(
        "list_number", flat=True
    )
    return {
        "root": reverse("api:root_certificate"),
        "trust": reverse("api:trust_list"),
        "status": [reverse("api:status_list", args=[n]) for n in lists],
    }


def _texts() -> dict[str, Any]:
    verdicts = {str(v): in_language(*VERDICT_LABELS[v]) for v in Verdict}
    verdicts["needs_server"] = in_language(*NEEDS_SERVER_LABEL)
    checks = {
        f"{name}:{reason}": in_language(*text) for (name, reason), text in CHECK_TEXTS.items()
    }
    checks["integrity:needs_server"] = in_language(*NEEDS_SERVER_CHECK)
    return {
        "verdicts": verdicts,
        "checks": checks,
        "not_checked": in_language(*CHECK_NOT_DONE),
        "kinds": {int(code): in_language(*KIND_LABELS[code.kind]) for code in KindCode},
        "notes": {
            "revoked": _("The issuing authority has revoked this certificate. It is not valid."),
            "suspended": _(
                "The issuing authority has suspended this certificate for now. "
                "Contact it before relying on it."
            ),
            "superseded": _("It was replaced by a newer certificate. Ask the holder for it."),
            "expired": _("This copy was valid only until the day shown below."),
            "not_genuine": _(
                "The code was not issued by this registry, or it has been altered. "
                "Do not rely on this certificate."
            ),
            "untrusted": _(
                "The signature is not from a key this registry trusts for this certificate."
            ),
            "valid_status_unknown": _(
                "The signature holds, but the status lists this phone keeps are missing or out "
                "of date. Go online once to update them."
            ),
            "needs_server": _("Open the code's address while online to verify it on the server."),
        },
        "facts": {
            "holder": _("Holder"),
            "id_number": _("ID number"),
            "kind": _("Certificate"),
            "qualification": _("Qualification"),
            "title": _("Title"),
            "level": _("Level"),
            "specialty": _("Specialty"),
            "number": _("Number"),
            "approval_date": _("Approval date"),
            "issue_date": _("Issue date"),
            "purpose": _("加注 purpose"),
            "valid_until": _("Valid until"),
            "issuer": _("Issuing authority"),
        },
        "grassroots": _("(grassroots)"),
        "fetched": _("Files last updated from the server: {at}"),
        "trust": _("Trust list No. {n} of {at}; next update due {next}"),
        "trust_stale": _(
            "Trust list No. {n} of {at} is out of date (next update was due {next}): go online "
            "to update it"
        ),
        "status": _("Status list {n} of {at}; next update due {next}"),
        "status_stale": _(
            "Status list {n} of {at} is out of date (due {next}): statuses from it are reported "
            "as unknown"
        ),
        "status_refused": _("A status list ({url}) failed its checks and is not used"),
        "no_files": _(
            "This phone has not kept the verification files yet. Open this page once while online."
        ),
        "root_needs_server": _(
            "This registry's root key uses SM2, which the browser cannot check: verify online."
        ),
        "no_camera": _("The camera cannot be opened here. Choose a photo of the QR code instead."),
        "no_code": _("No QR code was found in this picture. Try a sharper, closer photo."),
    }


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The offline verifier, and the files it keeps for use without a network."""
    trust = TrustListPublication.objects.order_by("-sequence").only("sequence", "issued_at").first()
    lists = StatusListPublication.objects.order_by("list_number").only("list_number", "issued_at")
    config = {
        "files": _files(),
        "worker": reverse("verify:offline_worker"),
        "scope": reverse("verify:offline"),
        "texts": _texts(),
    }
    return render(
        request,
        "public/offline.html",
        {"trust": trust, "status_lists": lists, "config": config},
    )


def _shell() -> list[str]:
    """What the service worker keeps so that the page opens without a network."""
    return [
        reverse("verify:offline"),
        static("ecert/offline/verifier.js"),
        static("ecert/portal.css"),
        static("ecert/public.css"),
        reverse("verify:offline_manifest"),
        *(static(f"ecert/offline/icon-{size}.png") for size in ICON_SIZES),
    ]


@require_GET
def offline_worker(request: HttpRequest) -> HttpResponse:
    """The service worker; served from /verify/offline/ so that its scope covers the page."""
    files = _files()
    keep = [*_shell(), files["root"], files["trust"], *files["status"]]
    response = render(
        request,
        "public/offline-sw.js",
        {"keep": json.dumps(keep), "version": CACHE_VERSION},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("verify:offline")
    return response


@require_GET
def offline_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the offline verifier installs as an app on a phone's home screen."""
    manifest = {
        "name": _("Offline certificate verification"),
        "short_name": _("Verify offline"),
        "lang": "zh-CN",
        "start_url": reverse("verify:offline"),
        "scope": reverse("verify:offline"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b91c1c",
        "icons": [
            {
                "src": static(f"ecert/offline/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in ICON_SIZES
        ],
    }
    response = HttpResponse(
        json.dumps(manifest, ensure_ascii=False),
        content_type="application/manifest+json; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
