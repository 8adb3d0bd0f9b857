"""Signed batch roots: one signature proves every credential of an issuance batch."""

from __future__ import annotations

import dataclasses

import pytest

from ecert.core.errors import EcertError
from ecert.core.formats.batches import (
    batch_statement,
    credential_digest,
    in_batch,
    load_batch,
    sign_batch,
)
from ecert.core.formats.merkle import all_inclusion_proofs
from ecert.core.formats.trust_list import Purpose, TrustList
from tests.core.signing_world import SIGNED_AT, entry, make_claims, trusted, world


def _batch(count: int = 5) -> tuple[list[bytes], list[bytes]]:
    claims = [make_claims(status_index=i).to_cbor() for i in range(count)]
    return claims, [credential_digest(c) for c in claims]


def _batch_trust_list(
    purposes: tuple[Purpose, ...] = (Purpose.CREDENTIALS, Purpose.BATCH_ROOTS),
) -> TrustList:
    w = world()
    return trusted(w.root, [entry(w.authority1, 1, purposes=purposes)])


def test_every_credential_of_a_signed_batch_proves_its_membership():
    claims, digests = _batch(7)
    statement = batch_statement("2026-11-sd-034", 1, digests, SIGNED_AT)
    loaded = load_batch(
        sign_batch(statement, world().authority1.signer, kid=world().authority1.kid),
        _batch_trust_list(),
    )
    assert loaded == statement
    for index, proof in enumerate(all_inclusion_proofs(digests)):
        assert in_batch(loaded, claims[index], index, proof)


def test_a_credential_outside_the_batch_or_altered_does_not_prove_membership():
    claims, digests = _batch(4)
    statement = batch_statement("b", 1, digests, SIGNED_AT)
    proofs = all_inclusion_proofs(digests)
    stranger = make_claims(status_index=99).to_cbor()
    assert not in_batch(statement, stranger, 0, proofs[0])
    assert not in_batch(statement, claims[1], 0, proofs[0])
    assert not in_batch(dataclasses.replace(statement, size=5), claims[0], 0, proofs[0])


def test_a_tampered_statement_is_refused():
    _, digests = _batch(3)
    signed = bytearray(
        sign_batch(
            batch_statement("b", 1, digests, SIGNED_AT),
            world().authority1.signer,
            kid=world().authority1.kid,
        )
    )
    signed[-70] ^= 0x01  # inside the payload, before the 64-byte signature
    with pytest.raises(EcertError) as caught:
        load_batch(bytes(signed), _batch_trust_list())
    assert caught.value.code in {"bad_signature", "unreadable"}


def test_a_key_without_the_batch_purpose_cannot_sign_batches():
    _, digests = _batch(2)
    signed = sign_batch(
        batch_statement("b", 1, digests, SIGNED_AT),
        world().authority1.signer,
        kid=world().authority1.kid,
    )
    with pytest.raises(EcertError) as caught:
        load_batch(signed, _batch_trust_list(purposes=(Purpose.CREDENTIALS,)))
    assert caught.value.code == "signer_not_authorised"


def test_a_batch_claiming_another_authority_is_refused():
    _, digests = _batch(2)
    signed = sign_batch(
        batch_statement("b", 2, digests, SIGNED_AT),
        world().authority1.signer,
        kid=world().authority1.kid,
    )
    with pytest.raises(EcertError) as caught:
        load_batch(signed, _batch_trust_list())
    assert caught.value.code == "issuer_mismatch"


def test_an_empty_batch_has_no_root():
    with pytest.raises(EcertError) as caught:
        batch_statement("b", 1, [], SIGNED_AT)
    assert caught.value.code == "empty_batch"
