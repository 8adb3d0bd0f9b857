"""The W3C Verifiable Credentials 2.0 export of a credential, secured as VC-JOSE-COSE
(``application/vc+jwt``: a compact JWS whose payload is the credential itself), with a
Bitstring Status List entry pointing at the W3C form of our published status lists.

Built from the signed claims only, so the export says exactly what the QR code says; the status
list credential is built from a decoded published status list, so the two forms never disagree.
docs/formats/w3c-vc.md describes every field; decision 296 records the securing mechanism.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Signer
from ecert.core.formats.claims import Claims, IdTypeCode, SexCode
from ecert.core.formats.jose import b64url, compact_jws, jose_algorithm
from ecert.core.formats.status_list import STATUS_SIZE, StatusListDocument, StatusValue

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
CONTEXT_PATH = "/api/v1/contexts/ecert-credential-v1.jsonld"  # our own, served from the file
STATUS_LIST_PATH = "/api/v1/status-lists/{number}/w3c"
TRUST_LIST_PATH = "/api/v1/trust-list"
MEDIA_TYPE = "application/vc+jwt"
CREDENTIAL_TYPE = "EcertCredential"
CHINA_OFFSET = "+08:00"  # dates on the certificates are Beijing dates


def context_document() -> bytes:
    """Our JSON-LD context (the certificate's terms), bundled with the code."""
    return (resources.files(__package__) / "contexts" / "ecert-credential-v1.jsonld").read_bytes()


def jose_kid(kid: bytes) -> str:
    """A trust-list key id as a JOSE ``kid``: base64url without padding of its bytes."""
    return b64url(kid)


def issuer_id(base_url: str, authority: int) -> str:
    """The issuer: the authority's entry in the signed trust list that names it and its keys."""
    return f"{base_url}{TRUST_LIST_PATH}#authority-{authority}"


def status_list_url(base_url: str, list_number: int) -> str:
    return base_url + STATUS_LIST_PATH.format(number=list_number)


def _status_messages() -> list[dict[str, str]]:
    return [{"status": f"0x{v:x}", "message": v.name.lower()} for v in StatusValue]


def credential_vc(
    claims: Claims,
    *,
    base_url: str,
    issuer_name: str,
    qualification_name: str | None = None,
) -> dict[str, Any]:
    """The unsecured W3C VC 2.0 of ``claims`` (the JSON the JWS carries as its payload)."""
    list_url = status_list_url(base_url, claims.status_list)
    subject: dict[str, Any] = {
        "kind": claims.kind.name.lower(),
        "publicId": claims.public_id,
        "holderName": claims.holder_name,
        "idType": IdTypeCode(claims.id_type).name.lower(),
        "idNumber": claims.id_number,
    }
    sex = claims.holder_sex
    if sex is not None:
        subject["sex"] = SexCode(sex).name.lower()
    month = claims.holder_birth_month
    if month is not None:
        subject["birthMonth"] = f"{month[0]:04d}-{month[1]:02d}"
    subject["number"] = claims.number
    subject["approvalDate"] = claims.approval_date.isoformat()
    subject["issueDate"] = claims.issue_date.isoformat()
    if claims.qualification is not None:
        subject["qualificationCode"] = claims.qualification
        if qualification_name:
            subject["qualificationName"] = qualification_name
    optional = (
        ("level", claims.level),
        ("specialty", claims.specialty),
        ("title", claims.title),
        ("series", claims.series),
        ("examYear", claims.exam_year),
        ("grassroots", claims.grassroots),
        ("verificationCode", claims.verification_code),
        ("purpose", claims.purpose),
    )
    subject.update((name, value) for name, value in optional if value is not None)
    vc: dict[str, Any] = {
        "@context": [VC_CONTEXT, base_url + CONTEXT_PATH],
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": issuer_id(base_url, claims.issuer), "name": issuer_name},
        "validFrom": _day_start(claims.issue_date),
    }
    if claims.valid_until is not None:
        vc["validUntil"] = _day_end(claims.valid_until)
    vc["credentialSubject"] = subject
    vc["credentialStatus"] = {
        "id": f"{list_url}#{claims.status_offset}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": str(claims.status_offset),
        "statusListCredential": list_url,
        "statusSize": STATUS_SIZE,
        "statusMessage": _status_messages(),
    }
    return vc


def status_list_vc(
    document: StatusListDocument, *, base_url: str, authority: int, issuer_name: str
) -> dict[str, Any]:
    """The unsecured ``BitstringStatusListCredential`` of one published status list: the same
    GZIP bytes as the COSE form, valid from its issue time until its next update."""
    url = status_list_url(base_url, document.list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(base_url, authority), "name": issuer_name},
        "validFrom": _instant(document.issued_at),
        "validUntil": _instant(document.next_update),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "message",  # its entries' size and messages are in each entry
            "encodedList": document.bits.w3c_encoded_list(),
        },
    }


def vc_jwt(vc: Mapping[str, Any], signer: Signer, *, kid: bytes) -> str:
    """``vc`` secured as ``application/vc+jwt``: compact JWS, header ``alg``/``kid``/``typ``/
    ``cty``, payload the credential's compact UTF-8 JSON."""
    alg = jose_algorithm(signer)
    if alg is None:
        raise EcertError(
            "no_jose_algorithm",
            "该密钥的算法（SM2）没有 JOSE 标识，不能签发 W3C 凭证；请使用 ES256 密钥",
            "this key's algorithm (SM2) has no JOSE name and cannot secure a W3C credential; "
            "use an ES256 key",
        )
    header = {"alg": alg, "kid": jose_kid(kid), "typ": "vc+jwt", "cty": "vc"}
    return compact_jws(header, vc, signer)


def _day_start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00{CHINA_OFFSET}"


def _day_end(day: date) -> str:
    return f"{day.isoformat()}T23:59:59{CHINA_OFFSET}"


def _instant(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
