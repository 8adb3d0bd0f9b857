"""Suspending, reinstating and revoking: only in the actor's scope, only along allowed transitions."""

from __future__ import annotations

import pytest

from ecert.audit.models import AuditEvent
from ecert.core.errors import EcertError
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from tests.conftest import World


def _status(credential: Credential) -> str:
    return Credential.objects.get(pk=credential.pk).status


def test_a_clerk_suspends_and_reinstates_a_credential_of_their_city(world: World) -> None:
    jinan = world.credentials["jinan"]
    clerk = world.user("jinan_clerk")
    credential_set_status(
        actor=clerk, credential=jinan, status=CredentialStatus.SUSPENDED, reason="核查中"
    )
    assert _status(jinan) == "suspended"
    credential_set_status(
        actor=clerk, credential=jinan, status=CredentialStatus.VALID, reason="核查无误"
    )
    assert _status(jinan) == "valid"


def test_a_clerk_of_another_city_cannot_touch_it_and_learns_nothing(world: World) -> None:
    jinan = world.credentials["jinan"]
    events = AuditEvent.objects.count()
    with pytest.raises(EcertError):
        credential_set_status(
            actor=world.user("qingdao_clerk"),
            credential=jinan,
            status=CredentialStatus.REVOKED,
            reason="not mine",
        )
    assert _status(jinan) == "valid"
    assert AuditEvent.objects.count() == events


def test_an_auditor_cannot_change_a_status(world: World) -> None:
    with pytest.raises(EcertError):
        credential_set_status(
            actor=world.user("auditor"),
            credential=world.credentials["jinan"],
            status=CredentialStatus.SUSPENDED,
            reason="x",
        )


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (CredentialStatus.REVOKED, CredentialStatus.VALID),
        (CredentialStatus.REVOKED, CredentialStatus.SUSPENDED),
        (None, CredentialStatus.SUPERSEDED),
        (None, CredentialStatus.VALID),
    ],
)
def test_forbidden_transitions_are_refused_with_both_states_named(
    world: World, first: CredentialStatus | None, then: CredentialStatus
) -> None:
    jinan, admin = world.credentials["jinan"], world.user("province_admin")
    if first is not None:
        credential_set_status(actor=admin, credential=jinan, status=first, reason="first step")
    before = _status(jinan)
    with pytest.raises(EcertError, match=f"from {before} to {then.value}"):
        credential_set_status(actor=admin, credential=jinan, status=then, reason="second step")
    assert _status(jinan) == before


def test_a_status_change_needs_a_reason(world: World) -> None:
    with pytest.raises(EcertError, match="reason"):
        credential_set_status(
            actor=world.user("province_admin"),
            credential=world.credentials["jinan"],
            status=CredentialStatus.SUSPENDED,
            reason="  ",
        )
