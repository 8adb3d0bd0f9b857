"""The registry row of a scanned code is read with the driver's own cursor on PostgreSQL, with no
health-check round trip before it (decision 277): a connection the server dropped meanwhile (a
restart, a failover) is replaced and the answer is still right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from ecert.core.formats.verify import Verdict
from ecert.core.rules.kinds import CredentialStatus
from ecert.credentials.models import Credential
from ecert.credentials.services import credential_set_status
from ecert.verification.services import Asker, qr_verify
from tests.conftest import World
from tests.portal.signed import signed_proof
from tests.public.conftest import NOW, qr_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the driver's cursor path"),
]


@pytest.fixture
def proof(world: World, issuing_keys: Any, own_storage: Path) -> Credential:
    return signed_proof(world, "jinan", "2025370100001234", now=NOW)


def _terminate(pid: int) -> None:
    given = connection.settings_dict
    with psycopg.connect(
        host=given["HOST"] or "127.0.0.1",
        port=given["PORT"] or "5432",
        user=given["USER"],
        dbname=given["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_connection_the_server_dropped_is_replaced_and_the_answer_is_right(
    proof: Credential,
) -> None:
    assert qr_verify(text=qr_of(proof), now=NOW, asker=Asker("192.0.2.1")).verdict is Verdict.VALID
    dropped = connection.connection.info.backend_pid
    _terminate(dropped)
    connection.health_check_done = False  # type: ignore[attr-defined]  # a new request's mark

    answer = qr_verify(text=qr_of(proof), now=NOW, asker=Asker("192.0.2.2"))

    assert answer.verdict is Verdict.VALID
    assert answer.facts is not None
    assert answer.facts.number == "2025370100001234"
    assert connection.connection.info.backend_pid != dropped


def test_a_revocation_is_seen_at_once_on_the_drivers_cursor(
    world: World, proof: Credential
) -> None:
    assert qr_verify(text=qr_of(proof), now=NOW, asker=Asker("192.0.2.1")).verdict is Verdict.VALID
    credential_set_status(
        actor=world.user("province_admin"),
        credential=proof,
        status=CredentialStatus.REVOKED,
        reason="核查",
    )

    assert (
        qr_verify(text=qr_of(proof), now=NOW, asker=Asker("192.0.2.3")).verdict is Verdict.REVOKED
    )
