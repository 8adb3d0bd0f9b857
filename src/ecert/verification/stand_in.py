"""A stand-in credential: what the online query verifies when the details match nothing.

A query that finds a signed credential checks its signature; one that finds nothing would
otherwise answer sooner, and the difference would tell a stranger which detail was right (issue
15). So a miss verifies this stand-in instead: a credential signed in memory by a throwaway key of
the same algorithm as the deployment's own keys, under a trust list that holds only that key, so
that decoding, the registry read, the signature check and the answer are the same work as a hit.
Its answer is thrown away. Nothing of it is stored or shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from ecert.core.formats import cose
from ecert.core.formats.algorithms import generate_key, load_verification_key
from ecert.core.formats.claims import Claims, IdTypeCode, KindCode
from ecert.core.formats.trust_list import Purpose, TrustList
from ecert.core.identity.idnumbers import gb11643_check_character
from ecert.core.identity.public_ids import new_public_id

_CHINA = timezone(timedelta(hours=8))
_KID = b"ecert-stand-in"
_ID_FIRST17 = "11010519491231002"  # the standard's own example, no person's number


@dataclass(frozen=True)
class StandIn:
    """Signed bytes and the one-key trust list they verify under."""

    signed: bytes
    trust: TrustList


def stand_in_build(trust: TrustList, now: datetime) -> StandIn | None:
    """A stand-in for verifications under ``trust``; None when the list has no key to mimic (then
    no credential verifies either, and both answer at once)."""
    model = next((s for s in trust.signers if s.verification_key is not None), None)
    if model is None or model.verification_key is None:
        return None
    key = generate_key(model.verification_key.algorithm)
    signed_at = int(now.timestamp())
    signer = replace(
        model,
        kid=_KID,
        kinds=frozenset(KindCode),
        purposes=frozenset({Purpose.CREDENTIALS}),
        not_before=signed_at - 86_400,
        not_after=signed_at + 366 * 86_400,
        revoked_at=None,
        verification_key=load_verification_key(key.public_key_der()),
    )
    today = now.astimezone(_CHINA).date()
    claims = Claims(
        kind=KindCode.NATIONAL_CERTIFICATE,
        public_id=new_public_id(),
        issuer=model.authority,
        signed_at=signed_at,
        status_index=0,
        holder_name="某某",
        id_type=IdTypeCode.RESIDENT,
        id_number=_ID_FIRST17 + gb11643_check_character(_ID_FIRST17),
        approval_date=today,
        number="0000000000000000",
        issue_date=today,
        qualification=next(iter(trust.qualifications), 1),
    )
    signed = cose.sign1(claims.to_cbor(), key, kid=_KID)
    return StandIn(signed, replace(trust, signers=(signer,)))
