"""The holder's SD-JWT VC (docs/formats/sd-jwt-vc.md): the credential's signed claims issued again
as an SD-JWT VC by its issuing authority's current key, every disclosure included (the holder's
wallet chooses what to show). Nothing is stored; each export is a new signature, so it is audited
as a 加注 copy is. The IETF Status List Token its ``status`` names is made here too, from the
stored COSE list."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction

from ecert.accounts.models import User
from ecert.audit.services import audit_record
from ecert.core.errors import EcertError
from ecert.core.formats import cose, sd_jwt_vc
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.status_list import StatusListDocument
from ecert.core.formats.token_status_list import status_list_token
from ecert.core.rules.kinds import CredentialKind, CredentialStatus, is_paper_record
from ecert.credentials.models import Credential
from ecert.credentials.pipeline import signing_setup
from ecert.credentials.status_lists import status_list_other_form
from ecert.signing.models import SignerKey

# What the export refuses with, by code: a holder can be told these; anything else is ours.
SD_JWT_REFUSALS = frozenset(
    {"unsigned", "not_valid", "paper_record", "no_key", "unsupported_algorithm", "bad_holder_key"}
)


def issuer_url() -> str:
    """``iss``: the deployment's origin, the host of its QR codes and status lists."""
    return f"{settings.ECERT_VERIFY_SCHEME.lower()}://{settings.ECERT_VERIFY_HOST.lower()}"


def credential_sd_jwt_issue(
    *, actor: User | None, credential: Credential, now: datetime, holder_jwk: str | None = None
) -> str:
    """The SD-JWT VC of ``credential`` (valid, electronic, signed) with all its disclosures; bound
    by ``cnf`` to the wallet's public key when ``holder_jwk`` (a JWK's text) is given."""
    holder_key = sd_jwt_vc.holder_jwk(holder_jwk) if holder_jwk is not None else None
    if credential.signed is None:
        raise EcertError("unsigned", "证书尚未签发", "the credential has not been signed")
    if credential.status != CredentialStatus.VALID:
        raise EcertError(
            "not_valid",
            "证书当前不是有效状态，不提供钱包凭证",
            f"the credential is {credential.status}; no wallet credential is made",
        )
    if is_paper_record(credential.kind, credential.form):
        raise EcertError(
            "paper_record",
            "这是纸质证书在证书数据库中的记录，没有电子证书可放入钱包",
            "this is the record of a paper certificate: there is no electronic credential to export",
        )
    claims = claims_from_cbor(cose.decode_sign1(bytes(credential.signed)).payload)
    authority = credential.issuing_authority
    _key, setup = signing_setup(authority, CredentialKind(credential.kind), now)
    qualification = credential.qualification
    issuance = sd_jwt_vc.Issuance(
        issuer_url=issuer_url(),
        kid=setup.kid,
        authority_name=authority.name,
        qualification_name=qualification.name if qualification is not None else None,
        issued_at=int(now.timestamp()),
    )
    issued = sd_jwt_vc.issue(claims, setup.signer, issuance, holder_key=holder_key)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="document.sd_jwt_issued",
            authority=authority,
            object_type="credential",
            object_id=credential.public_id,
            at=now,
            data={"holder_key_bound": True} if holder_key is not None else None,
        )
    return issued


def status_list_token_of(*, list_number: int, now: datetime) -> str | None:
    """Status list ``list_number`` as an IETF Status List Token (``statuslist+jwt``): the entries,
    times and signing key of the stored COSE list, ``sub`` the URI the SD-JWT VCs name
    (decision 331). None when the list does not exist."""

    def make(document: StatusListDocument, key: SignerKey, signer: Signer) -> str:
        return status_list_token(document, signer, kid=bytes(key.kid), base_url=issuer_url())

    return status_list_other_form(list_number=list_number, now=now, form="ietf", make=make)
