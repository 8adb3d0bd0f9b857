"""The GB/T 38540 seal keys as the signing services make them: an SM2 root beside a non-SM2 main
root (or the main root itself when it is SM2), the province's seal maker, and each authority's
seal key with its seal; each with its audit event, none in the trust list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ecert.audit.models import AuditEvent
from ecert.authorities.models import Authority
from ecert.core.documents.seals import round_seal_png
from ecert.core.errors import EcertError
from ecert.core.formats.algorithms import Algorithm
from ecert.core.formats.ses import SESeal
from ecert.core.formats.trust_list import Purpose
from ecert.core.rules.kinds import CredentialKind
from ecert.signing.models import ElectronicSeal, RootCertificate, RootRole, SignerKey
from ecert.signing.services import (
    electronic_seal_create,
    ofd_sealing_key,
    root_create,
    seal_maker_ensure,
    seal_root,
    signer_key_create,
    signer_key_rotate,
    trust_list_build,
)
from tests import gm_oracle
from tests.conftest import World

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


@pytest.fixture
def province(world: World) -> Authority:
    return world.authorities["sd-hrss"]


@pytest.fixture
def es256_root(key_dir: Path) -> RootCertificate:
    return root_create(actor=None, algorithm=Algorithm.ES256, now=NOW)


def _seal(authority: Authority, maker: SignerKey) -> ElectronicSeal:
    return electronic_seal_create(
        actor=None,
        authority=authority,
        kinds=[CredentialKind.EXAM_PROOF],
        picture=round_seal_png(authority.name, size=300),
        maker=maker,
        now=NOW,
    )


def test_an_es256_deployment_gets_a_separate_sm2_root_for_seals(
    es256_root: RootCertificate, province: Authority
) -> None:
    maker = seal_maker_ensure(actor=None, province=province, now=NOW)

    national = seal_root()
    assert national.role == RootRole.NATIONAL_SEALS
    assert national.algorithm == Algorithm.SM2_SM3
    assert es256_root.active  # the main root is untouched and still the one that signs
    assert gm_oracle.certificate_issued_by(bytes(maker.certificate), bytes(national.certificate))
    assert maker.purposes == [Purpose.SEAL_MAKING]
    roles = {e.data["role"] for e in AuditEvent.objects.filter(action="signing.root_created")}
    assert roles == {"main", "national_seals"}


def test_an_sm2_main_root_is_the_seal_root_too(key_dir: Path, province: Authority) -> None:
    main = root_create(actor=None, algorithm=Algorithm.SM2_SM3, now=NOW)

    maker = seal_maker_ensure(actor=None, province=province, now=NOW)

    assert seal_root() == main
    assert RootCertificate.objects.count() == 1
    assert gm_oracle.certificate_issued_by(bytes(maker.certificate), bytes(main.certificate))


def test_the_maker_is_made_once(es256_root: RootCertificate, province: Authority) -> None:
    first = seal_maker_ensure(actor=None, province=province, now=NOW)
    again = seal_maker_ensure(actor=None, province=province, now=NOW + timedelta(hours=1))

    assert again == first


def test_an_authoritys_seal_lists_its_own_new_sm2_key_and_is_audited(
    es256_root: RootCertificate, province: Authority, world: World
) -> None:
    maker = seal_maker_ensure(actor=None, province=province, now=NOW)
    jinan = world.authorities["sd-jinan"]

    made = _seal(jinan, maker)

    seal = SESeal.load(bytes(made.seal))
    listed = [bytes(c) for c in seal["e_seal_info"]["property"]["cert_list"].native]
    assert listed == [bytes(made.signer_key.certificate)]
    assert seal["e_seal_info"]["property"]["name"].native == jinan.name
    assert made.signer_key.purposes == [Purpose.DOCUMENT_SEALS]
    event = AuditEvent.objects.get(action="signing.seal_made")
    assert event.object_id == made.es_id
    key = ofd_sealing_key(jinan, CredentialKind.EXAM_PROOF, NOW)
    assert key.seal == bytes(made.seal)


def test_seal_keys_stay_out_of_the_trust_list_and_out_of_rotation(
    es256_root: RootCertificate, province: Authority, world: World
) -> None:
    jinan = world.authorities["sd-jinan"]
    credential_key = signer_key_create(
        actor=None,
        authority=jinan,
        algorithm=Algorithm.ES256,
        kinds=[CredentialKind.EXAM_PROOF],
        purposes=[Purpose.CREDENTIALS],
        now=NOW,
    )
    made = _seal(jinan, seal_maker_ensure(actor=None, province=province, now=NOW))

    listed = {s.certificate for s in trust_list_build(NOW, 1).signers}
    assert listed == {bytes(credential_key.certificate)}
    signer_key_rotate(actor=None, authority=jinan, now=NOW + timedelta(days=1))
    made.signer_key.refresh_from_db()
    assert made.signer_key.not_after > NOW + timedelta(days=1)  # still seals


def test_a_seal_key_must_be_sm2(es256_root: RootCertificate, world: World) -> None:
    with pytest.raises(EcertError) as refused:
        signer_key_create(
            actor=None,
            authority=world.authorities["sd-jinan"],
            algorithm=Algorithm.ES256,
            kinds=[],
            purposes=[Purpose.DOCUMENT_SEALS],
            now=NOW,
        )
    assert refused.value.code == "seal_key_not_sm2"


def test_an_authority_without_a_seal_cannot_seal_an_ofd(
    es256_root: RootCertificate, world: World
) -> None:
    with pytest.raises(EcertError) as refused:
        ofd_sealing_key(world.authorities["sd-jinan"], CredentialKind.EXAM_PROOF, NOW)
    assert refused.value.code == "no_seal"
    assert "尚未启用" in refused.value.zh  # a holder reads it: no command in it
    assert "ecert" not in refused.value.zh


def test_a_credential_key_cannot_make_seals(
    es256_root: RootCertificate, province: Authority, world: World
) -> None:
    seal_maker_ensure(actor=None, province=province, now=NOW)
    not_a_maker = signer_key_create(
        actor=None,
        authority=province,
        algorithm=Algorithm.ES256,
        kinds=[],
        purposes=[Purpose.CREDENTIALS],
        now=NOW,
    )
    with pytest.raises(EcertError) as refused:
        _seal(world.authorities["sd-jinan"], not_a_maker)
    assert refused.value.code == "no_seal_maker"
