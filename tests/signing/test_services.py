"""Keys, trust lists, status lists and signing, as the services do them, checked the way an
offline verifier would check them (ecert.core.formats.verify against the published documents)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ecert.audit.models import AuditEvent
from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.algorithms import Algorithm, generate_key
from ecert.core.formats.claims import claims_from_cbor
from ecert.core.formats.records import record_claims
from ecert.core.formats.status_list import ENTRIES, StatusListDocument, StatusValue
from ecert.core.formats.trust_list import Purpose, TrustList, load_trust_list
from ecert.core.formats.verify import (
    Verdict,
    VerificationResult,
    load_status_list,
    verify_credential,
)
from ecert.core.formats.x509 import (
    DistinguishedName,
    parse_certificate,
    self_signed_root,
    verify_issued_by,
)
from ecert.core.rules.kinds import CredentialKind, CredentialStatus
from ecert.credentials.models import Credential, StatusIndexCounter
from ecert.credentials.pipeline import status_indexes_allocate
from ecert.credentials.records import record_of
from ecert.credentials.services import (
    Correction,
    credential_correct,
    credential_draft_of,
    credential_issue,
    credential_set_status,
)
from ecert.credentials.status_lists import status_lists_publish
from ecert.signing.models import RootCertificate, SignerKey
from ecert.signing.services import (
    current_key,
    keystore_open,
    root_active,
    root_create,
    signer_key_create,
    signer_key_revoke,
    signer_key_rotate,
    trust_list_publish,
)
from tests.conftest import World

NOW = datetime(2026, 1, 15, 2, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
CREDENTIAL_ISSUERS = ("sd-pta", "ha-hrss", "sd-sdu")  # the issuers of the cast's credentials


@pytest.fixture
def root(key_dir: Path, db: Any) -> RootCertificate:
    return root_create(actor=None, algorithm=Algorithm.ES256, now=NOW)


@pytest.fixture
def signers(world: World, root: RootCertificate) -> dict[str, SignerKey]:
    """An exam-proof key for every issuer of the cast's credentials; sd-hrss signs status lists."""
    keys = {
        key: signer_key_create(
            actor=None,
            authority=world.authorities[key],
            algorithm=Algorithm.ES256,
            kinds=[CredentialKind.EXAM_PROOF],
            purposes=[Purpose.CREDENTIALS, Purpose.BATCH_ROOTS],
            now=NOW,
        )
        for key in CREDENTIAL_ISSUERS
    }
    keys["sd-hrss"] = signer_key_create(
        actor=None,
        authority=world.authorities["sd-hrss"],
        algorithm=Algorithm.ES256,
        kinds=[],
        purposes=[Purpose.STATUS_LISTS],
        now=NOW,
    )
    return keys


def _trust_list(now: datetime) -> TrustList:
    """Publish a trust list and read it back as a verifier holding the root certificate would."""
    publication = trust_list_publish(actor=None, now=now)
    return load_trust_list(
        bytes(publication.document), root_certificate=bytes(root_active().certificate)
    )


def _status_lists(
    world: World, trust_list: TrustList, now: datetime
) -> dict[int, StatusListDocument]:
    published = status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=now)
    documents = [load_status_list(bytes(p.document), trust_list) for p in published]
    return {d.list_number: d for d in documents}


def _verify(world: World, signed: bytes, now: datetime) -> VerificationResult:
    """Verify with the trust list and status lists published at ``now``."""
    trust_list = _trust_list(now)
    return verify_credential(
        signed, trust_list=trust_list, now=now, status_lists=_status_lists(world, trust_list, now)
    )


def _fresh(credential: Credential) -> Credential:
    return Credential.objects.get(pk=credential.pk)


def _issue(world: World, place: str, now: datetime, number: str = "SIGN0001") -> bytes:
    """A new exam proof for the holder of ``world.credentials[place]``, from the same issuer,
    signed through the pipeline at ``now``; its signed claims."""
    source = world.credentials[place]
    draft = replace(
        credential_draft_of(source, issue_date=source.issue_date),
        number=number,
        level="二级",
        specialty="市政公用工程",
        supersedes=None,
    )
    issued = credential_issue(actor=None, draft=draft, now=now)
    return bytes(issued.signed or b"")


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# The root


def test_root_create_makes_an_active_self_signed_ca_certificate(root: RootCertificate) -> None:
    certificate = parse_certificate(bytes(root.certificate))
    assert root.active
    assert certificate.is_ca
    assert verify_issued_by(certificate, certificate)
    assert root.fingerprint == hashlib.sha256(bytes(root.certificate)).hexdigest()


def test_root_private_key_is_in_the_key_store_and_matches_the_certificate(
    root: RootCertificate, key_dir: Path
) -> None:
    certificate = parse_certificate(bytes(root.certificate))
    assert (key_dir / f"{root.key_label}.pem").is_file()
    assert keystore_open().signer(root.key_label).public_key_der() == (
        certificate.subject_public_key_der
    )


def test_a_second_root_is_refused_and_the_first_stays(root: RootCertificate, key_dir: Path) -> None:
    key_files = sorted(key_dir.iterdir())
    with pytest.raises(EcertError) as refused:
        root_create(actor=None, algorithm=Algorithm.ES256, now=NOW + HOUR)
    assert refused.value.code == "root_exists"
    assert list(RootCertificate.objects.values_list("pk", flat=True)) == [root.pk]
    assert sorted(key_dir.iterdir()) == key_files  # no orphan key generated


def test_root_create_records_an_audit_event(root: RootCertificate) -> None:
    (event,) = _events("signing.root_created")
    assert event.object_id == root.fingerprint
    assert event.at == NOW
    assert event.data["algorithm"] == int(Algorithm.ES256)


# Document-signer keys


def test_signer_certificate_is_issued_by_the_root_for_the_stored_key(
    signers: dict[str, SignerKey], root: RootCertificate
) -> None:
    key = signers["sd-pta"]
    certificate = parse_certificate(bytes(key.certificate))
    assert verify_issued_by(certificate, parse_certificate(bytes(root.certificate)))
    assert not certificate.is_ca
    assert keystore_open().signer(key.key_label).public_key_der() == (
        certificate.subject_public_key_der
    )


def test_signer_key_keeps_its_kinds_purposes_and_window(
    world: World, root: RootCertificate
) -> None:
    key = signer_key_create(
        actor=None,
        authority=world.authorities["sd-hrss"],
        algorithm=Algorithm.EDDSA,
        kinds=[CredentialKind.TITLE_CERTIFICATE, CredentialKind.EXAM_PROOF],
        purposes=[Purpose.STATUS_LISTS, Purpose.CREDENTIALS],
        now=NOW,
    )
    stored = SignerKey.objects.get(pk=key.pk)
    assert stored.kinds == ["exam_proof", "title_certificate"]
    assert stored.purposes == [int(Purpose.CREDENTIALS), int(Purpose.STATUS_LISTS)]
    assert stored.algorithm == int(Algorithm.EDDSA)
    assert stored.not_before == NOW
    assert stored.revoked_at is None
    assert bytes(stored.kid).hex() == stored.kid_hex


def test_signer_key_create_records_an_audit_event(
    signers: dict[str, SignerKey], world: World
) -> None:
    events = {e.object_id: e for e in _events("signing.key_created")}
    assert set(events) == {k.kid_hex for k in signers.values()}
    event = events[signers["sd-pta"].kid_hex]
    assert event.authority_id == world.authorities["sd-pta"].pk
    assert event.data["kinds"] == ["exam_proof"]


def test_signer_key_without_a_root_is_refused(world: World, key_dir: Path) -> None:
    with pytest.raises(EcertError) as refused:
        signer_key_create(
            actor=None,
            authority=world.authorities["sd-pta"],
            algorithm=Algorithm.ES256,
            kinds=[CredentialKind.EXAM_PROOF],
            purposes=[Purpose.CREDENTIALS],
            now=NOW,
        )
    assert refused.value.code == "no_root"
    assert not SignerKey.objects.exists()
    assert not _events("signing.key_created")


# Rotation


def test_rotation_ends_the_old_key_now_and_activates_a_new_one(
    signers: dict[str, SignerKey], world: World, root: RootCertificate
) -> None:
    old = signers["sd-pta"]
    new = signer_key_rotate(actor=None, authority=world.authorities["sd-pta"], now=NOW + HOUR)
    old.refresh_from_db()
    assert old.not_after == NOW + HOUR
    assert old.revoked_at is None  # retired, not revoked
    assert new.kid != old.kid
    assert (new.not_before, new.kinds, new.purposes) == (NOW + HOUR, old.kinds, old.purposes)
    assert current_key(world.authorities["sd-pta"], Purpose.CREDENTIALS, NOW + 2 * HOUR) == new
    assert verify_issued_by(
        parse_certificate(bytes(new.certificate)), parse_certificate(bytes(root.certificate))
    )
    assert [e.object_id for e in _events("signing.key_rotated")] == [new.kid_hex]


def test_credential_signed_before_a_rotation_still_verifies_valid(
    signers: dict[str, SignerKey], world: World
) -> None:
    signed = _issue(world, "jinan", NOW)
    signer_key_rotate(actor=None, authority=world.authorities["sd-pta"], now=NOW + HOUR)
    result = _verify(world, signed, NOW + 2 * HOUR)
    assert result.verdict is Verdict.VALID
    assert result.signer is not None
    assert result.signer.kid == bytes(signers["sd-pta"].kid)


def test_after_a_rotation_credentials_are_signed_with_the_new_key(
    signers: dict[str, SignerKey], world: World
) -> None:
    new = signer_key_rotate(actor=None, authority=world.authorities["sd-pta"], now=NOW + HOUR)
    signed = _issue(world, "jinan", NOW + 2 * HOUR)
    assert cose.decode_sign1(signed).kid == bytes(new.kid)
    assert _verify(world, signed, NOW + 2 * HOUR).verdict is Verdict.VALID


def test_the_old_key_signing_after_the_rotation_is_untrusted(
    signers: dict[str, SignerKey], world: World
) -> None:
    """A retired key that leaks cannot produce credentials dated after its retirement."""
    old = signers["sd-pta"]
    signed = _issue(world, "jinan", NOW)
    signer_key_rotate(actor=None, authority=world.authorities["sd-pta"], now=NOW + HOUR)
    public_id = claims_from_cbor(cose.decode_sign1(signed).payload).public_id
    record = record_of(Credential.objects.get(public_id=public_id))
    late = record_claims(replace(record, signed_at=int((NOW + 2 * HOUR).timestamp())))
    forged = cose.sign1(
        late.to_cbor(), keystore_open().signer(old.key_label), kid=bytes(old.kid), tagged=False
    )
    result = _verify(world, forged, NOW + 2 * HOUR)
    assert result.verdict is Verdict.UNTRUSTED
    assert result.check("signer").reason == "outside_signing_window"


def test_rotating_an_authority_without_keys_is_refused(world: World, root: RootCertificate) -> None:
    with pytest.raises(EcertError) as refused:
        signer_key_rotate(actor=None, authority=world.authorities["sd-pta"], now=NOW)
    assert refused.value.code == "no_key"
    assert not SignerKey.objects.exists()


# Revocation

REVOKED_FROM = NOW + HOUR


def _revoke_sd_pta(signers: dict[str, SignerKey]) -> SignerKey:
    return signer_key_revoke(
        actor=None,
        kid_hex=signers["sd-pta"].kid_hex,
        revoked_at=REVOKED_FROM,
        reason="私钥文件外泄 / key file leaked",
        now=NOW + 3 * HOUR,
    )


def test_credential_signed_before_the_revocation_time_stays_valid(
    signers: dict[str, SignerKey], world: World
) -> None:
    signed = _issue(world, "jinan", REVOKED_FROM - timedelta(seconds=1))
    _revoke_sd_pta(signers)
    assert _verify(world, signed, NOW + 3 * HOUR).verdict is Verdict.VALID


@pytest.mark.parametrize("after", [timedelta(0), HOUR], ids=["at", "after"])
def test_credential_signed_at_or_after_the_revocation_time_is_untrusted(
    signers: dict[str, SignerKey], world: World, after: timedelta
) -> None:
    signed = _issue(world, "qingdao", REVOKED_FROM + after)
    _revoke_sd_pta(signers)
    result = _verify(world, signed, NOW + 3 * HOUR)
    assert result.verdict is Verdict.UNTRUSTED
    assert result.check("signer").reason == "signer_revoked"


def test_revocation_is_stored_and_audited(signers: dict[str, SignerKey]) -> None:
    key = _revoke_sd_pta(signers)
    stored = SignerKey.objects.get(pk=key.pk)
    assert stored.revoked_at == REVOKED_FROM
    assert stored.revocation_reason == "私钥文件外泄 / key file leaked"
    (event,) = _events("signing.key_revoked")
    assert event.object_id == key.kid_hex
    assert event.data["revoked_at"] == REVOKED_FROM.isoformat()


def test_a_revoked_key_signs_nothing_more(signers: dict[str, SignerKey], world: World) -> None:
    _revoke_sd_pta(signers)
    with pytest.raises(EcertError) as refused:
        _issue(world, "jinan", NOW + 4 * HOUR)
    assert refused.value.code == "no_key"


def test_revocation_without_a_reason_is_refused(signers: dict[str, SignerKey]) -> None:
    with pytest.raises(EcertError) as refused:
        signer_key_revoke(
            actor=None,
            kid_hex=signers["sd-pta"].kid_hex,
            revoked_at=REVOKED_FROM,
            reason="   ",
            now=NOW + 3 * HOUR,
        )
    assert refused.value.code == "no_reason"
    assert SignerKey.objects.get(pk=signers["sd-pta"].pk).revoked_at is None
    assert not _events("signing.key_revoked")


def test_revoking_an_unknown_key_is_refused(signers: dict[str, SignerKey]) -> None:
    with pytest.raises(EcertError) as refused:
        signer_key_revoke(
            actor=None, kid_hex="00000000", revoked_at=REVOKED_FROM, reason="test", now=NOW
        )
    assert refused.value.code == "unknown_key"
    assert not SignerKey.objects.filter(revoked_at__isnull=False).exists()


def test_revoking_again_from_a_later_time_is_refused(signers: dict[str, SignerKey]) -> None:
    _revoke_sd_pta(signers)
    with pytest.raises(EcertError) as refused:
        signer_key_revoke(
            actor=None,
            kid_hex=signers["sd-pta"].kid_hex,
            revoked_at=REVOKED_FROM + HOUR,
            reason="again",
            now=NOW + 4 * HOUR,
        )
    assert refused.value.code == "already_revoked"
    assert SignerKey.objects.get(pk=signers["sd-pta"].pk).revoked_at == REVOKED_FROM


# Trust lists


def test_trust_lists_are_numbered_one_two_three(signers: dict[str, SignerKey]) -> None:
    sequences = [trust_list_publish(actor=None, now=NOW + n * HOUR).sequence for n in range(3)]
    assert sequences == [1, 2, 3]


def test_published_trust_list_lists_every_key_with_its_authority(
    signers: dict[str, SignerKey], world: World
) -> None:
    trust_list = _trust_list(NOW)
    listed = {s.kid: s for s in trust_list.signers}
    assert set(listed) == {bytes(k.kid) for k in signers.values()}
    for authority_key, key in signers.items():
        signer = listed[bytes(key.kid)]
        authority = trust_list.authority(signer.authority)
        assert authority is not None
        assert authority.key == authority_key
        assert signer.not_before == int(NOW.timestamp())
        assert signer.verification_key is not None


def test_published_trust_list_names_every_coded_qualification(
    signers: dict[str, SignerKey],
) -> None:
    trust_list = _trust_list(NOW)
    expected = dict(Qualification.objects.filter(code__isnull=False).values_list("code", "name"))
    assert expected  # the packaged catalogue has coded qualifications
    assert dict(trust_list.qualifications) == expected


def test_trust_list_checked_against_another_root_is_refused(
    signers: dict[str, SignerKey],
) -> None:
    publication = trust_list_publish(actor=None, now=NOW)
    other_key = generate_key(Algorithm.ES256)
    other_root = self_signed_root(
        other_key, DistinguishedName(common_name="另一根证书"), 1, NOW, NOW + 365 * 24 * HOUR
    )
    with pytest.raises(EcertError) as refused:
        load_trust_list(bytes(publication.document), root_certificate=other_root)
    assert refused.value.code == "bad_signature"


def test_trust_list_without_a_root_is_refused(key_dir: Path, db: Any) -> None:
    with pytest.raises(EcertError) as refused:
        trust_list_publish(actor=None, now=NOW)
    assert refused.value.code == "no_root"


# Status indexes


def test_status_indexes_are_consecutive_and_never_handed_out_twice(db: Any) -> None:
    first = status_indexes_allocate(3)
    second = status_indexes_allocate(2)
    third = status_indexes_allocate(1)
    handed_out = [*first, *second, *third]
    assert handed_out == list(range(first.start, first.start + 6))
    assert StatusIndexCounter.objects.get(pk=1).next_index == third.stop


def test_each_issued_credential_gets_the_next_status_index(
    signers: dict[str, SignerKey], world: World
) -> None:
    before = StatusIndexCounter.objects.get(pk=1).next_index
    first = _issue(world, "jinan", NOW, number="SIGN0001")
    second = _issue(world, "qingdao", NOW, number="SIGN0002")
    indexes = [claims_from_cbor(cose.decode_sign1(s).payload).status_index for s in (first, second)]
    assert indexes == [before, before + 1]
    assert StatusIndexCounter.objects.get(pk=1).next_index == before + 2


def test_issuing_for_an_authority_without_a_key_for_the_kind_is_refused(
    world: World, root: RootCertificate
) -> None:
    signer_key_create(
        actor=None,
        authority=world.authorities["ha-hrss"],
        algorithm=Algorithm.ES256,
        kinds=[CredentialKind.TITLE_CERTIFICATE],
        purposes=[Purpose.CREDENTIALS, Purpose.BATCH_ROOTS],
        now=NOW,
    )
    before = StatusIndexCounter.objects.get(pk=1).next_index
    with pytest.raises(EcertError) as refused:
        _issue(world, "henan", NOW)  # an exam proof of ha-hrss
    assert refused.value.code == "no_key"
    assert StatusIndexCounter.objects.get(pk=1).next_index == before  # nothing allocated
    assert not _events("credential.issued")


def test_issuing_for_an_authority_with_no_key_at_all_is_refused(
    world: World, root: RootCertificate
) -> None:
    with pytest.raises(EcertError) as refused:
        _issue(world, "institution", NOW)
    assert refused.value.code == "no_key"


def test_issuing_records_the_signing_key_in_the_audit_log(
    signers: dict[str, SignerKey], world: World
) -> None:
    signed = _issue(world, "jinan", NOW)
    (event,) = _events("credential.issued")
    assert event.object_id == claims_from_cbor(cose.decode_sign1(signed).payload).public_id
    (batch,) = event.data["batches"]
    assert batch["kid"] == signers["sd-pta"].kid_hex


# Status lists

STATUS_CHANGED = {
    "jinan": (CredentialStatus.REVOKED, StatusValue.REVOKED, Verdict.REVOKED),
    "qingdao": (CredentialStatus.SUSPENDED, StatusValue.SUSPENDED, Verdict.SUSPENDED),
    "county": (CredentialStatus.SUPERSEDED, StatusValue.SUPERSEDED, Verdict.SUPERSEDED),
    "henan": (CredentialStatus.VALID, StatusValue.VALID, Verdict.VALID),
    "institution": (CredentialStatus.VALID, StatusValue.VALID, Verdict.VALID),
}


@pytest.fixture
def signed_with_statuses(signers: dict[str, SignerKey], world: World) -> Mapping[str, bytes]:
    """A new credential for every holder of the cast, then jinan's revoked, qingdao's suspended,
    county's superseded (by a correction)."""
    signed = {
        place: _issue(world, place, NOW, number=f"SIGN{n:04d}")
        for n, place in enumerate(world.credentials, start=1)
    }
    admin = world.user("province_admin")
    issued = {
        place: Credential.objects.get(
            public_id=claims_from_cbor(cose.decode_sign1(s).payload).public_id
        )
        for place, s in signed.items()
    }
    for place in ("jinan", "qingdao"):
        credential_set_status(
            actor=admin,
            credential=issued[place],
            status=STATUS_CHANGED[place][0],
            reason="测试 / test",
            now=NOW,
        )
    credential_correct(
        actor=admin,
        credential=issued["county"],
        correction=Correction(specialty="建筑工程"),
        reason="专业录入错误",
        now=NOW,
    )
    world.credentials = issued
    return signed


def test_published_status_list_carries_every_credentials_status(
    signed_with_statuses: Mapping[str, bytes], world: World
) -> None:
    lists = _status_lists(world, _trust_list(NOW + HOUR), NOW + HOUR)
    for place, (_, value, _) in STATUS_CHANGED.items():
        index = _fresh(world.credentials[place]).status_index
        assert index is not None
        assert lists[index // ENTRIES].status_of(index) is value, place


def test_verifier_reports_the_status_from_the_published_list(
    signed_with_statuses: Mapping[str, bytes], world: World
) -> None:
    trust_list = _trust_list(NOW + HOUR)
    lists = _status_lists(world, trust_list, NOW + HOUR)
    verdicts = {
        place: verify_credential(
            signed, trust_list=trust_list, now=NOW + HOUR, status_lists=lists
        ).verdict
        for place, signed in signed_with_statuses.items()
    }
    assert verdicts == {place: verdict for place, (_, _, verdict) in STATUS_CHANGED.items()}


def test_a_reinstated_credential_is_valid_in_the_next_list(
    signed_with_statuses: Mapping[str, bytes], world: World
) -> None:
    qingdao = world.credentials["qingdao"]
    credential_set_status(
        actor=world.user("province_admin"),
        credential=qingdao,
        status=CredentialStatus.VALID,
        reason="核查无误",
        now=NOW + HOUR,
    )
    result = _verify(world, signed_with_statuses["qingdao"], NOW + 2 * HOUR)
    assert result.verdict is Verdict.VALID


def test_without_a_status_list_the_verifier_says_status_unknown(
    signed_with_statuses: Mapping[str, bytes], world: World
) -> None:
    result = verify_credential(
        signed_with_statuses["henan"], trust_list=_trust_list(NOW + HOUR), now=NOW + HOUR
    )
    assert result.verdict is Verdict.VALID_STATUS_UNKNOWN


def test_status_lists_without_a_status_list_key_are_refused(
    world: World, root: RootCertificate
) -> None:
    with pytest.raises(EcertError) as refused:
        status_lists_publish(actor=None, authority=world.authorities["sd-hrss"], now=NOW)
    assert refused.value.code == "no_key"
