"""Database triggers that refuse UPDATE and DELETE on the audit log, and let the chain head only
move forward, per database vendor.

PostgreSQL's TRUNCATE fires no row trigger; Django's test flush relies on that. On SQLite the
test suite lifts the DELETE trigger around flushes only (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditevent"
HEAD = "audit_auditchainhead"
MESSAGE = "audit events are append-only"
HEAD_MESSAGE = "the audit chain head only moves forward"

INSTALL = {
    "sqlite": [
        f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON {TABLE} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
        f"CREATE TRIGGER audit_head_forward BEFORE UPDATE ON {HEAD} "
        f"WHEN NEW.sequence <= OLD.sequence BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
        f"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON {HEAD} "
        f"BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
        "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{HEAD_MESSAGE}'; END IF; "
        f"IF NEW.sequence <= OLD.sequence THEN RAISE EXCEPTION '{HEAD_MESSAGE}'; END IF; "
        "RETURN NEW; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON {HEAD} "
        "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()",
    ],
}

REMOVE = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
        "DROP TRIGGER IF EXISTS audit_head_forward",
        "DROP TRIGGER IF EXISTS audit_head_no_delete",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS audit_event_append_only ON {TABLE}",
        "DROP FUNCTION IF EXISTS audit_event_append_only()",
        f"DROP TRIGGER IF EXISTS audit_head_forward ON {HEAD}",
        "DROP FUNCTION IF EXISTS audit_head_forward()",
    ],
}


def run(statements: dict[str, list[str]], connection: Any) -> None:
    with connection.cursor() as cursor:
        for statement in statements.get(connection.vendor, []):
            cursor.execute(statement)
