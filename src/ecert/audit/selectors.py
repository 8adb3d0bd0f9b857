"""Checking the audit log's hash chain. Which events a user may read is decided with every
other scoped read (``ecert.accounts.selectors.audit_list_for``)."""

from __future__ import annotations

from ecert.audit.keys import audit_chain_key
from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.core.formats.audit_chain import GENESIS, ChainBreak, find_break


def audit_chain_break() -> ChainBreak | None:
    """Re-hash the whole chain in order and compare its end with the recorded head; None when intact."""
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "digest").first()
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    return find_break(
        ((e.sequence, e.previous_digest, e.digest, e.chained_content()) for e in events),
        key=audit_chain_key(),
        head=head or (0, GENESIS),
    )
