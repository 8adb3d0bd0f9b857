"""The trust list: only a list signed by the verifier's root is read, and only with signer
certificates from that root; its signers' windows, purposes and revocation decide what they may
sign."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.claims import KindCode
from ecert.core.formats.trust_list import (
    Purpose,
    TrustedSigner,
    load_trust_list,
    sign_trust_list,
    trust_list_with_keys,
)
from tests.core.signing_world import (
    WINDOW_END,
    WINDOW_START,
    entry,
    make_root,
    make_signer,
    publish,
    trusted,
    unsigned_trust_list,
    world,
)


def test_list_signed_by_the_root_shows_its_signers_authorities_and_qualifications():
    w = world()

    trust_list = w.trust_list

    assert trust_list.sequence == 7
    assert [s.kid for s in trust_list.signers] == [w.authority1.kid, w.authority2.kid, w.status.kid]
    signer = trust_list.signer(w.authority2.kid)
    assert signer is not None
    assert signer.authority == 2
    assert signer.purposes == {Purpose.CREDENTIALS}
    assert signer.verification_key is not None
    assert signer.verification_key.spki_der == w.authority2.signer.public_key_der()
    authority = trust_list.authority(1)
    assert authority is not None
    assert authority.name == "山东省人力资源和社会保障厅"
    assert authority.credit_code == "11370000004186868C"
    exam_centre = trust_list.authority(2)
    assert exam_centre is not None
    assert exam_centre.credit_code is None
    assert trust_list.authority(3) is None
    assert trust_list.signer(b"\x00\x00\x00\x00") is None
    assert dict(trust_list.qualifications) == {101: "一级建造师", 202: "执业药师"}
    assert dict(trust_list.licence_types) == {KindCode.NATIONAL_CERTIFICATE: "01"}


def test_list_signed_by_another_key_is_refused_as_bad_signature():
    w = world()
    impostor = make_root()
    signed = sign_trust_list(
        unsigned_trust_list(w.root, [entry(w.authority1, 1)]), impostor.signer, kid=w.root.kid
    )

    with pytest.raises(EcertError) as raised:
        load_trust_list(signed, root_certificate=w.root.certificate)

    assert raised.value.code == "bad_signature"


def test_list_checked_against_another_root_certificate_is_refused():
    w = world()
    other_root = make_root(name="另一个根证书")

    with pytest.raises(EcertError) as raised:
        load_trust_list(w.signed_trust_list, root_certificate=other_root.certificate)

    assert raised.value.code in {"bad_signature", "other_root"}


def test_list_that_names_another_root_is_refused_even_when_signed_by_this_one():
    w = world()
    other_root = make_root(name="另一个根证书")
    signed = sign_trust_list(
        unsigned_trust_list(other_root, [entry(w.authority1, 1)]), w.root.signer, kid=w.root.kid
    )

    with pytest.raises(EcertError) as raised:
        load_trust_list(signed, root_certificate=w.root.certificate)

    assert raised.value.code == "other_root"


def test_signer_certificate_from_another_root_is_refused_as_bad_signer():
    w = world()
    stranger = make_signer(make_root(name="另一个根证书"))
    signed = publish(w.root, [entry(w.authority1, 1), entry(stranger, 2)])

    with pytest.raises(EcertError) as raised:
        load_trust_list(signed, root_certificate=w.root.certificate)

    assert raised.value.code == "bad_signer"


def test_signer_certificate_that_is_not_a_certificate_is_refused_as_bad_signer():
    w = world()
    broken = TrustedSigner(
        kid=b"\x01\x02\x03\x04",
        authority=1,
        certificate=b"not a certificate",
        kinds=frozenset(KindCode),
        purposes=frozenset({Purpose.CREDENTIALS}),
        not_before=WINDOW_START,
        not_after=WINDOW_END,
    )

    with pytest.raises(EcertError) as raised:
        load_trust_list(publish(w.root, [broken]), root_certificate=w.root.certificate)

    assert raised.value.code == "bad_signer"


def test_garbage_instead_of_a_list_is_refused_as_unreadable():
    w = world()

    with pytest.raises(EcertError) as raised:
        load_trust_list(b"\xff\x00garbage", root_certificate=w.root.certificate)

    assert raised.value.code == "unreadable"


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_changed_byte_of_the_signed_list_is_refused_as_a_trust_list_error(data):
    w = world()
    signed = w.signed_trust_list
    position = data.draw(st.integers(0, len(signed) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="mask")
    tampered = bytearray(signed)
    tampered[position] ^= mask

    with pytest.raises(EcertError):
        load_trust_list(bytes(tampered), root_certificate=w.root.certificate)


@pytest.mark.parametrize("algorithm", [Algorithm.SM2_SM3, Algorithm.EDDSA])
def test_sm2_and_ed25519_signers_under_an_es256_root_are_loaded(algorithm):
    root = make_root(Algorithm.ES256)
    signer = make_signer(root, algorithm)

    trust_list = trusted(root, [entry(signer, 1)])

    loaded = trust_list.signer(signer.kid)
    assert loaded is not None
    assert loaded.verification_key is not None
    assert loaded.verification_key.algorithm is algorithm


@pytest.mark.parametrize("signer_algorithm", list(Algorithm))
def test_sm2_root_signs_a_list_that_loads(signer_algorithm):
    root = make_root(Algorithm.SM2_SM3)
    signer = make_signer(root, signer_algorithm)

    trust_list = trusted(root, [entry(signer, 1)])

    loaded = trust_list.signer(signer.kid)
    assert loaded is not None
    assert loaded.verification_key is not None
    assert loaded.verification_key.algorithm is signer_algorithm


# signing_problem: what a listed key may sign, and when.

_SIGNER = TrustedSigner(
    kid=b"\x01\x02\x03\x04",
    authority=1,
    certificate=b"",
    kinds=frozenset({KindCode.TITLE_CERTIFICATE}),
    purposes=frozenset({Purpose.CREDENTIALS}),
    not_before=1_800_000_000,
    not_after=1_900_000_000,
    revoked_at=1_850_000_000,
)
_INSIDE = 1_820_000_000
_UNREVOKED = dataclasses.replace(_SIGNER, revoked_at=None)


def test_key_may_sign_its_kind_for_its_purpose_inside_its_window():
    assert _SIGNER.signing_problem(_INSIDE, Purpose.CREDENTIALS, KindCode.TITLE_CERTIFICATE) is None


def test_key_may_not_sign_a_kind_it_is_not_listed_for():
    problem = _SIGNER.signing_problem(_INSIDE, Purpose.CREDENTIALS, KindCode.NATIONAL_CERTIFICATE)

    assert problem == "signer_not_authorised"


@pytest.mark.parametrize("purpose", [Purpose.STATUS_LISTS, Purpose.BATCH_ROOTS])
def test_key_may_not_sign_for_a_purpose_it_is_not_listed_for(purpose):
    assert _SIGNER.signing_problem(_INSIDE, purpose, None) == "signer_not_authorised"


@pytest.mark.parametrize("at", [1_850_000_000, 1_850_000_001, 1_899_999_999])
def test_key_signatures_at_or_after_its_revocation_are_void(at):
    problem = _SIGNER.signing_problem(at, Purpose.CREDENTIALS, KindCode.TITLE_CERTIFICATE)

    assert problem == "signer_revoked"


def test_key_signatures_just_before_its_revocation_still_count():
    problem = _SIGNER.signing_problem(
        1_849_999_999, Purpose.CREDENTIALS, KindCode.TITLE_CERTIFICATE
    )

    assert problem is None


@pytest.mark.parametrize("at", [1_799_999_999, 1_900_000_001])
def test_key_signatures_outside_its_window_are_refused(at):
    problem = _UNREVOKED.signing_problem(at, Purpose.CREDENTIALS, KindCode.TITLE_CERTIFICATE)

    assert problem == "outside_signing_window"


@pytest.mark.parametrize("at", [1_800_000_000, 1_900_000_000])
def test_key_window_includes_its_first_and_last_second(at):
    assert _UNREVOKED.signing_problem(at, Purpose.CREDENTIALS, KindCode.TITLE_CERTIFICATE) is None


def test_a_list_the_registry_builds_gets_keys_only_for_its_roots_signers():
    w = world()
    own = trust_list_with_keys(unsigned_trust_list(w.root, [entry(w.authority1, 1)]))
    stranger = make_signer(make_root(name="另一个根证书"))

    with pytest.raises(EcertError) as raised:
        trust_list_with_keys(unsigned_trust_list(w.root, [entry(stranger, 2)]))

    assert own.signers[0].verification_key is not None
    assert raised.value.code == "bad_signer"


def test_a_certificate_accepted_under_its_own_root_is_refused_in_another_roots_list():
    w = world()
    other_root = make_root(name="另一个根证书")
    stranger = make_signer(other_root)
    own = trusted(other_root, [entry(stranger, 2)])

    with pytest.raises(EcertError) as raised:
        load_trust_list(publish(w.root, [entry(stranger, 2)]), root_certificate=w.root.certificate)

    assert own.signers[0].verification_key is not None
    assert raised.value.code == "bad_signer"


def test_a_newer_list_reads_each_signers_window_and_revocation_anew():
    w = world()
    older = trusted(w.root, [entry(w.authority1, 1)])
    newer = trusted(w.root, [entry(w.authority1, 1, not_after=WINDOW_START + 1, revoked_at=5)])

    old_signer, new_signer = older.signers[0], newer.signers[0]

    assert (old_signer.not_after, old_signer.revoked_at) == (WINDOW_END, None)
    assert (new_signer.not_after, new_signer.revoked_at) == (WINDOW_START + 1, 5)
    assert new_signer.verification_key == old_signer.verification_key
