"""Proofs issued on request (seed 001 §二(二)): the 成绩合格证明 for a holder awaiting a replacement,
the 职/执业资格证明 only for the 15 abolished qualifications."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from ecert.catalogue.models import Qualification
from ecert.core.errors import EcertError
from ecert.core.formats import cose
from ecert.core.formats.claims import KindCode, claims_from_cbor
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_draft_of, credential_issue
from ecert.issuance.services import proof_issue
from tests.conftest import World

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("issuing_keys")


def _old_paper_certificate(world: World, qualification: str, level: str = "") -> Credential:
    """A paper certificate from before the abolition, as the certificate database holds it: a
    record the provincial exam centre keeps."""
    jinan = world.credentials["jinan"]
    draft = replace(
        credential_draft_of(jinan, issue_date=date(2012, 5, 20)),
        kind=CredentialKind.NATIONAL_CERTIFICATE,
        form=CredentialForm.PAPER,
        issuer=world.authorities["sd-pta"].pk,
        qualification=Qualification.objects.get(key=qualification).pk,
        level=level,
        specialty="",
        approval_date=date(2012, 5, 20),
        number="1200000000123456",
        template="",
        supersedes=None,
    )
    return credential_issue(actor=None, draft=draft, now=NOW)


def test_a_score_proof_attests_the_certificate_and_prints_its_number(world: World) -> None:
    source = world.credentials["jinan"]

    proof = proof_issue(
        actor=world.user("exam_centre_clerk"),
        source=source,
        kind=CredentialKind.SCORE_PROOF,
        authority=world.authorities["sd-pta"],
        application="补换申请 2026-11 济南 第 12 号",
        now=NOW,
    )

    assert (proof.kind, proof.attests_id, proof.issuing_authority.key) == (
        "score_proof",
        source.pk,
        "sd-pta",
    )
    claims = claims_from_cbor(cose.decode_sign1(bytes(proof.signed or b"")).payload)
    assert claims.kind is KindCode.SCORE_PROOF
    assert claims.number == source.management_number
    assert claims.holder_name == source.holder.name


def test_asking_again_returns_the_proof_already_issued(world: World) -> None:
    asked = {
        "actor": world.user("exam_centre_clerk"),
        "source": world.credentials["jinan"],
        "kind": CredentialKind.SCORE_PROOF,
        "authority": world.authorities["sd-pta"],
        "application": "补换申请",
        "now": NOW,
    }

    first = proof_issue(**asked)  # type: ignore[arg-type]
    second = proof_issue(**asked)  # type: ignore[arg-type]

    assert first.pk == second.pk
    assert Credential.objects.filter(kind="score_proof").count() == 1


def test_a_qualification_proof_is_issued_for_an_abolished_qualification(world: World) -> None:
    source = _old_paper_certificate(world, "quality", "中级")

    proof = proof_issue(
        actor=world.user("province_admin"),  # the record is the ministry's, registered in Jinan
        source=source,
        kind=CredentialKind.QUALIFICATION_PROOF,
        authority=world.authorities["sd-pta"],
        application="人社部不再受理补换",
        now=NOW,
    )

    assert proof.kind == "qualification_proof"
    assert proof.template == "abolished-qualification-proof"
    claims = claims_from_cbor(cose.decode_sign1(bytes(proof.signed or b"")).payload)
    assert claims.number == "1200000000123456"


def test_a_score_proof_is_refused_for_an_abolished_qualification(world: World) -> None:
    source = _old_paper_certificate(world, "advertising")

    with pytest.raises(EcertError, match="qualification proof instead"):
        proof_issue(
            actor=world.user("province_admin"),
            source=source,
            kind=CredentialKind.SCORE_PROOF,
            authority=world.authorities["sd-pta"],
            application="补换申请",
            now=NOW,
        )


def test_a_qualification_proof_is_refused_for_a_current_qualification(world: World) -> None:
    with pytest.raises(EcertError, match="15 abolished qualifications"):
        proof_issue(
            actor=world.user("exam_centre_clerk"),
            source=world.credentials["jinan"],
            kind=CredentialKind.QUALIFICATION_PROOF,
            authority=world.authorities["sd-pta"],
            application="补换申请",
            now=NOW,
        )


def test_a_proof_needs_an_application_and_an_exam_centre(world: World) -> None:
    clerk, source = world.user("exam_centre_clerk"), world.credentials["jinan"]
    with pytest.raises(EcertError, match="application"):
        proof_issue(actor=clerk, source=source, kind=CredentialKind.SCORE_PROOF,
                    authority=world.authorities["sd-pta"], application="  ", now=NOW)  # fmt: skip
    with pytest.raises(EcertError, match="exam centre"):
        proof_issue(actor=clerk, source=source, kind=CredentialKind.SCORE_PROOF,
                    authority=world.authorities["sd-jinan"], application="补换", now=NOW)  # fmt: skip
    assert not Credential.objects.filter(kind="score_proof").exists()


def test_a_revoked_certificate_gets_no_proof(world: World) -> None:
    source = world.credentials["jinan"]
    Credential.objects.filter(pk=source.pk).update(status="revoked")

    with pytest.raises(EcertError, match="revoked or suspended"):
        proof_issue(
            actor=world.user("exam_centre_clerk"),
            source=source,
            kind=CredentialKind.SCORE_PROOF,
            authority=world.authorities["sd-pta"],
            application="补换申请",
            now=NOW,
        )


def test_a_certificate_outside_the_clerks_scope_is_not_found(world: World) -> None:
    henan = world.credentials["henan"]

    with pytest.raises(EcertError):
        proof_issue(
            actor=world.user("exam_centre_clerk"),
            source=henan,
            kind=CredentialKind.SCORE_PROOF,
            authority=world.authorities["sd-pta"],
            application="补换申请",
            now=NOW,
        )
