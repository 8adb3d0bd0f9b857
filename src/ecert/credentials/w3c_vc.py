"""The W3C VC 2.0 exports (docs/formats/w3c-vc.md): a credential as ``application/vc+jwt`` for the
holder's wallet, and each published status list as a ``BitstringStatusListCredential`` read from
the same stored COSE document, so the W3C and COSE forms of a list never disagree."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from ecert.authorities.models import Authority
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.claims import Claims, claims_from_cbor
from ecert.core.formats.status_list import StatusListDocument
from ecert.core.formats.trust_list import Purpose
from ecert.core.formats.w3c_vc import credential_vc, status_list_vc, vc_jwt
from ecert.credentials.models import Credential
from ecert.credentials.status_lists import status_list_other_form
from ecert.signing.models import SignerKey
from ecert.signing.services import current_key, keystore_open


def w3c_base_url() -> str:
    """Where this deployment's verification host serves the status lists and our context."""
    return f"{settings.ECERT_VERIFY_SCHEME}://{settings.ECERT_VERIFY_HOST}"


def credential_claims(credential: Credential) -> Claims:
    """The claims exactly as signed (the QR code's content)."""
    if credential.signed is None:
        raise EcertError("not_signed", "该证书尚未签发", "this credential has not been signed")
    return claims_from_cbor(cose.decode_sign1(bytes(credential.signed)).payload)


def credential_w3c_vc(*, credential: Credential, now: datetime) -> str:
    """The credential as a W3C VC 2.0 ``vc+jwt``, signed by its authority's current credential
    key (the ``kid`` names it in the trust list)."""
    claims = credential_claims(credential)
    authority = Authority.objects.get(pk=claims.issuer)
    key = current_key(authority, Purpose.CREDENTIALS, now)
    if key is None:
        raise EcertError(
            "no_key", "发证机构当前没有可签发凭证的密钥", "the issuer has no valid credential key"
        )
    qualification = credential.qualification
    vc = credential_vc(
        claims,
        base_url=w3c_base_url(),
        issuer_name=authority.name,
        qualification_name=qualification.name if qualification is not None else None,
    )
    return vc_jwt(vc, keystore_open().signer(key.key_label), kid=bytes(key.kid))


def status_list_w3c(*, list_number: int, now: datetime) -> str | None:
    """The ``BitstringStatusListCredential`` of list ``list_number`` as ``vc+jwt``: the entries,
    times and signing key of the stored COSE list (decision 298). None when the list does not
    exist."""

    def make(document: StatusListDocument, key: SignerKey, signer: Signer) -> str:
        vc = status_list_vc(
            document,
            base_url=w3c_base_url(),
            authority=key.authority.pk,
            issuer_name=key.authority.name,
        )
        return vc_jwt(vc, signer, kid=bytes(key.kid))

    return status_list_other_form(list_number=list_number, now=now, form="w3c", make=make)
