"""Issuing a 成绩合格证明 or a 职/执业资格证明 from a credential's back-office page."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from ecert.catalogue.models import Qualification
from ecert.core.identity.public_ids import new_public_id
from ecert.core.rules.kinds import CredentialForm, CredentialKind
from ecert.credentials.models import Credential
from tests.conftest import World

pytestmark = pytest.mark.usefixtures("issuing_keys")


def _proof_url(credential: Credential) -> str:
    return reverse("backoffice:credential_proof", args=[credential.public_id])


def _messages(response: object) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]  # type: ignore[attr-defined]


def test_the_credential_page_offers_the_proof_form_to_issuers_only(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    page = reverse("backoffice:credential_detail", args=[jinan.public_id])
    client.force_login(world.users["exam_centre_clerk"])
    assert 'data-testid="proof-form"' in client.get(page).content.decode()
    client.force_login(world.users["jinan_clerk"])
    assert 'data-testid="proof-form"' not in client.get(page).content.decode()


def test_a_score_proof_is_issued_and_its_page_shown(world: World, client: Client) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])

    response = client.post(
        _proof_url(jinan),
        {"kind": "score_proof", "authority": "sd-pta", "application": "BH-2026-0042"},
    )

    proof = Credential.objects.get(attests=jinan)
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:credential_detail", args=[proof.public_id])
    assert (proof.kind, proof.issuing_authority.key) == ("score_proof", "sd-pta")
    assert proof.signed is not None
    assert _messages(response) == ["已开具：成绩合格证明"]


def test_a_score_proof_is_refused_for_an_abolished_qualification(
    world: World, client: Client, catalogue: dict[str, Qualification]
) -> None:
    abolished = catalogue["investment-project-manager"]
    assert abolished.abolished
    # A paper certificate from before the abolition; the rules of today refuse to record one, so
    # it is written as the records migrated from the old system are.
    old = Credential.objects.create(
        public_id=new_public_id(),
        holder=world.credentials["jinan"].holder,
        kind=CredentialKind.NATIONAL_CERTIFICATE,
        qualification=abolished,
        approval_date=date(2012, 6, 1),
        management_number="TZXM2012000001",
        issuing_authority=world.authorities["sd-pta"],
        registration_authority=world.authorities["sd-jinan"],
        issue_date=date(2012, 9, 1),
        form=CredentialForm.PAPER,
    )
    client.force_login(world.users["exam_centre_clerk"])

    response = client.post(
        _proof_url(old), {"kind": "score_proof", "authority": "sd-pta", "application": "补证"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:credential_detail", args=[old.public_id])
    (message,) = _messages(response)
    assert "已被国家取消" in message
    assert "职/执业资格证明" in message
    assert not Credential.objects.filter(attests=old).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已被国家取消" in page


def test_a_proof_without_an_application_is_refused_with_a_message(
    world: World, client: Client
) -> None:
    jinan = world.credentials["jinan"]
    client.force_login(world.users["exam_centre_clerk"])

    response = client.post(
        _proof_url(jinan), {"kind": "score_proof", "authority": "sd-pta", "application": ""}
    )

    assert response.status_code == 302
    assert _messages(response) == ["这个字段是必填项。"]
    assert not Credential.objects.filter(attests=jinan).exists()


def test_a_proof_for_a_credential_of_another_province_answers_not_found(
    world: World, client: Client
) -> None:
    client.force_login(world.users["exam_centre_clerk"])
    henan = world.credentials["henan"]

    response = client.post(
        _proof_url(henan), {"kind": "score_proof", "authority": "sd-pta", "application": "x"}
    )

    assert response.status_code == 404
    assert not Credential.objects.filter(attests=henan).exists()
