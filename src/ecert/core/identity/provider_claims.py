"""The ID number in what a government identity provider says about a person (OpenID Connect
claims), or the reason it cannot be used.

Only a number the provider vouches for signs anybody in: when the provider names a claim that says
the number is verified, that claim must be the JSON value ``true`` (or the string "true"); the
number itself must be a valid number under GB 11643 or one of the other documents
``idnumbers`` knows. Nothing here trusts a number a person typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from ecert.core.errors import EcertError
from ecert.core.identity.idnumbers import IdNumber, IdType, detect_id_type, parse_id_number

# What a provider's answer can be refused for (the holder sees these on the portal).
CLAIM_REFUSALS = frozenset(
    {"identity_no_id_number", "identity_unverified", "identity_bad_id_number"}
)


def id_number_from_claims(
    claims: Mapping[str, object],
    *,
    number_claim: str,
    verified_claim: str,
    provider: str,
    today: date,
) -> IdNumber:
    """The validated ID number in ``claims[number_claim]``; EcertError if there is none, it is
    not verified, or it is not a valid number. ``provider`` names the service in the messages."""
    raw = claims.get(number_claim)
    if not isinstance(raw, str) or not raw.strip():
        raise EcertError(
            "identity_no_id_number",
            f"{provider}未提供您经过核验的身份证件号码，无法据此登录。"
            f"请在{provider}完成实名认证后再试，或使用证件号码和密码登录。",
            f"{provider} did not give your verified ID number, so you cannot be signed in with "
            f"it. Complete the real-name check at {provider} and try again, or sign in with your "
            "ID number and password.",
        )
    if verified_claim and not _is_true(claims.get(verified_claim)):
        raise EcertError(
            "identity_unverified",
            f"{provider}尚未核验您的身份证件号码（未完成实名认证），无法据此登录。"
            f"请在{provider}完成实名认证后再试，或使用证件号码和密码登录。",
            f"{provider} has not verified your ID number (no real-name check yet), so you cannot "
            f"be signed in with it. Complete the real-name check at {provider} and try again, or "
            "sign in with your ID number and password.",
        )
    id_type = detect_id_type(raw) or IdType.RESIDENT_ID
    try:
        return parse_id_number(raw, id_type, today=today)
    except EcertError as error:
        raise EcertError(
            "identity_bad_id_number",
            f"{provider}提供的身份证件号码无效（{error.zh}），无法据此登录。请联系{provider}。",
            f"the ID number {provider} gave is not valid ({error.en}), so you cannot be signed "
            f"in with it. Contact {provider}.",
        ) from error


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
