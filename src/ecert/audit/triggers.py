"""Database triggers that refuse UPDATE and DELETE on the audit log, per database vendor.

PostgreSQL's TRUNCATE fires no row trigger; Django's test flush relies on that. On SQLite the
test suite lifts the DELETE trigger around flushes only (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
MESSAGE = "audit events are append-only"

INSTALL = {
    "sqlite": [
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    ],
}

REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
    ],
}


def run(statements: dict[str, list[str]], connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)
