"""An audit event is only written inside the transaction of the change it records.

Its own module: the test needs real transactions, and on SQLite the flush between such tests
needs the append-only trigger lifted for the whole module (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.audit.services import audit_record


def test_recording_outside_a_transaction_is_refused_before_writing(
    transactional_db: None, audit_flush_allowed: None
) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction of the change it records"):
        audit_record(actor=None, action="test.outside")
    assert not AuditEvent.objects.exists()
    assert not AuditChainHead.objects.exists()
