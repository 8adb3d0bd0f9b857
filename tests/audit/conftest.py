"""Playing the intruder: lift the append-only trigger, change the log with raw SQL, put it back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from ecert.audit import triggers

# Raw SQL as an intruder with database access would write it, bypassing the ORM.
SET_DATA = {
    "postgresql": "UPDATE audit_auditevent SET data = CAST(%s AS jsonb) WHERE sequence = %s",
    "sqlite": "UPDATE audit_auditevent SET data = %s WHERE sequence = %s",
}
DELETE_EVENT = "DELETE FROM audit_auditevent WHERE sequence = %s"


@pytest.fixture
def append_only_lifted(db: Any) -> Iterator[None]:
    """The audit table accepts UPDATE and DELETE until the test ends, then refuses them again."""
    if connection.vendor == "postgresql":
        _postgresql_user_triggers("DISABLE")
    else:
        triggers.run(triggers.REMOVE, connection)
    yield
    if connection.vendor == "postgresql":
        _postgresql_user_triggers("ENABLE")
    else:
        triggers.run(triggers.INSTALL, connection)


def _postgresql_user_triggers(switch: str) -> None:
    # ALTER TABLE refuses while deferred foreign-key checks of the test's inserts are pending.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {triggers.TABLE} {switch} TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper_with_data(sequence: int, data: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(SET_DATA[connection.vendor], [json.dumps(data), sequence])
        assert cursor.rowcount == 1


def delete_event(sequence: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(DELETE_EVENT, [sequence])
        assert cursor.rowcount == 1
