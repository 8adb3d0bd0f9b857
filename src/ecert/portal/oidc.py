"""The holder portal as an OpenID Connect relying party of the province's government service
(爱山东, 河南政务服务网 …), through Authlib's Django client.

Authlib does the protocol: discovery from the issuer's ``/.well-known/openid-configuration``, the
authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in the session, the code
exchanged with the client secret, and the ID token's signature (the provider's JWKS) and claims
(issuer, audience, expiry, nonce, at_hash) checked. This module turns what can go wrong into the
holder's language and hands the validated claims on; who is signed in is decided by
``ecert.accounts.services.holder_identity_sign_in``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError

from ecert.config import OidcConfig
from ecert.core.errors import EcertError

log = logging.getLogger(__name__)
CLIENT_NAME = "government"
# The exchange with the provider failed (the view answers these; nothing else is caught).
EXCHANGE_REFUSALS = frozenset(
    {"identity_provider_down", "identity_state_mismatch", "identity_cancelled", "identity_invalid"}
)
# Anything Authlib, joserfc or requests raise while talking to the provider or checking its answer.
_PROVIDER_FAULTS = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError)


def oidc_config() -> OidcConfig | None:
    """The configured provider, or None when the portal offers only its own sign-in."""
    config: OidcConfig | None = getattr(settings, "ECERT_OIDC", None)
    return config


@lru_cache(maxsize=4)
def _client(config: OidcConfig) -> DjangoOAuth2App:
    """One Authlib client per configuration; it keeps the provider's metadata and keys once read."""
    client: DjangoOAuth2App = OAuth().register(
        name=CLIENT_NAME,
        client_id=config.client_id,
        client_secret=config.client_secret,
        server_metadata_url=config.metadata_url,
        client_kwargs={
            "scope": config.scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": config.timeout,
        },
    )
    return client


def _exchange_error(code: str, provider: str) -> EcertError:
    zh, en = {
        "identity_provider_down": (
            f"暂时无法连接{provider}，未登录。请稍后再试，或使用证件号码和密码登录。",
            f"{provider} cannot be reached just now; you are not signed in. Try again later, or "
            "sign in with your ID number and password.",
        ),
        "identity_state_mismatch": (
            f"本次{provider}登录请求已失效或不是从本站发起的，未登录。请返回登录页重新开始。",
            f"this {provider} sign-in has expired or was not started on this site; you are not "
            "signed in. Go back to the sign-in page and start again.",
        ),
        "identity_cancelled": (
            f"您在{provider}取消了登录或未同意授权，未登录。",
            f"the sign-in was cancelled or not authorised at {provider}; you are not signed in.",
        ),
        "identity_invalid": (
            f"{provider}返回的身份信息未通过校验，未登录。请稍后再试；如持续出现，请联系经办机构。",
            f"what {provider} returned failed our checks; you are not signed in. Try again later; "
            "if it keeps happening, contact the bureau.",
        ),
    }[code]
    return EcertError(code, zh, en)


def oidc_redirect(request: HttpRequest, config: OidcConfig, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider's authorization endpoint (state, nonce and PKCE verifier kept
    in the session); EcertError ``identity_provider_down`` when its metadata cannot be read."""
    client = _client(config)
    _metadata(client, config)
    try:
        response: HttpResponse = client.authorize_redirect(request, redirect_uri)
    except (*_PROVIDER_FAULTS, RuntimeError) as error:
        log.warning("OIDC provider %s unreachable: %r", config.issuer, error)
        raise _exchange_error("identity_provider_down", config.provider_name) from error
    return response


def _metadata(client: DjangoOAuth2App, config: OidcConfig) -> dict[str, Any]:
    """The provider's discovery document, once it is known to be the configured issuer's
    (OpenID Connect Discovery 4.3: its ``issuer`` must be the URL it was read from)."""
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (*_PROVIDER_FAULTS, RuntimeError) as error:
        log.warning("OIDC provider %s unreachable: %r", config.issuer, error)
        raise _exchange_error("identity_provider_down", config.provider_name) from error
    if str(metadata.get("issuer", "")).rstrip("/") != config.issuer.rstrip("/"):
        log.error(
            "OIDC discovery at %s names the issuer %r", config.metadata_url, metadata.get("issuer")
        )
        client.server_metadata.clear()  # read it again next time: the operator may fix it
        raise _exchange_error("identity_invalid", config.provider_name)
    return metadata


def oidc_claims(request: HttpRequest, config: OidcConfig) -> dict[str, Any]:
    """The claims about the person from the provider's answer at the callback: the validated ID
    token's, completed from the userinfo endpoint when the ID number (or the verified claim) is
    not among them (whose
    ``sub`` must then be the ID token's, OpenID Connect Core 5.3.2). EcertError with a code in
    ``EXCHANGE_REFUSALS`` when the answer cannot be used."""
    client = _client(config)
    name = config.provider_name
    metadata = _metadata(client, config)
    try:
        token = client.authorize_access_token(request)
    except MismatchingStateError as error:
        raise _exchange_error("identity_state_mismatch", name) from error
    except OAuthError as error:
        if error.error in {"access_denied", "consent_required", "login_required"}:
            raise _exchange_error("identity_cancelled", name) from error
        log.warning("OIDC answer from %s refused: %r", config.issuer, error)
        raise _exchange_error("identity_invalid", name) from error
    except requests.RequestException as error:
        log.warning("OIDC provider %s unreachable: %r", config.issuer, error)
        raise _exchange_error("identity_provider_down", name) from error
    except _PROVIDER_FAULTS as error:
        log.warning("OIDC answer from %s refused: %r", config.issuer, error)
        raise _exchange_error("identity_invalid", name) from error
    id_token = token.get("userinfo")
    if not id_token or not id_token.get("sub"):
        raise _exchange_error("identity_invalid", name)  # no ID token: not OpenID Connect
    claims = dict(id_token)
    wanted = {config.id_number_claim, config.verified_claim} - {""}
    if wanted <= claims.keys():
        return claims
    if not metadata.get("userinfo_endpoint"):
        return claims
    try:
        extra = dict(client.userinfo(token=token))
    except requests.RequestException as error:
        raise _exchange_error("identity_provider_down", name) from error
    except _PROVIDER_FAULTS as error:
        log.warning("OIDC userinfo from %s refused: %r", config.issuer, error)
        raise _exchange_error("identity_invalid", name) from error
    if extra.get("sub") != claims["sub"]:
        log.warning("OIDC userinfo from %s is about another subject", config.issuer)
        raise _exchange_error("identity_invalid", name)
    return {**extra, **claims}  # what the signed ID token says wins
