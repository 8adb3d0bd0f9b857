"""Writing audit events: the only way rows enter the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from ecert.audit.keys import audit_chain_key
from ecert.audit.locks import Lock, locks_take
from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.core.formats.audit_chain import GENESIS, event_digest

if TYPE_CHECKING:
    from datetime import datetime

    from ecert.accounts.models import User
    from ecert.authorities.models import Authority


def audit_record(
    *,
    actor: User | None,
    action: str,
    authority: Authority | None = None,
    object_type: str = "",
    object_id: str | int = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event, chained to the last. Callers pass data already masked; must run in their transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    locks_take(Lock.AUDIT_HEAD)  # the last lock of every writer (ecert.audit.locks)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"sequence": 0, "digest": GENESIS}
    )
    event = AuditEvent(
        sequence=head.sequence + 1,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        actor_label=actor.username if actor is not None else "system",
        action=action,
        authority=authority,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
        previous_digest=head.digest,
    )
    event.digest = event_digest(head.digest, event.chained_content(), key=audit_chain_key())
    event.save(force_insert=True)
    head.sequence, head.digest = event.sequence, event.digest
    head.save(update_fields=["sequence", "digest"])
    return event
