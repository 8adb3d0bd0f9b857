"""Reading the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ecert.audit.keys import audit_chain_key
from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.authorities.selectors import scope_for
from ecert.core.formats.audit_chain import GENESIS, ChainBreak, find_break
from ecert.core.rules.roles import Perm

if TYPE_CHECKING:
    from ecert.accounts.models import User


def audit_may_verify(*, user: User) -> bool:
    """The whole chain is re-hashed only for auditors whose scope is national (they read it all)."""
    scope = scope_for(user, Perm.VIEW_AUDIT)
    return scope.everything or any(path.count("/") == 2 for path in scope.paths)


def audit_list_for(*, user: User, action: str = "") -> QuerySet[AuditEvent]:
    """Events an auditor may read: those of authorities in their scope. Events tied to no authority
    (system-wide loads, user accounts, holders) are for auditors whose scope is national."""
    scope = scope_for(user, Perm.VIEW_AUDIT)
    if scope.is_empty:
        return AuditEvent.objects.none()
    events = AuditEvent.objects.select_related("authority")
    if not scope.everything:
        national = audit_may_verify(user=user)
        events = events.filter(
            scope.q("authority__path") | (Q(authority__isnull=True) if national else Q(pk__in=[]))
        )
    if action:
        events = events.filter(action__startswith=action)
    return events


def audit_chain_break() -> ChainBreak | None:
    """Re-hash the whole chain in order and compare its end with the recorded head; None when intact."""
    head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "digest").first()
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    return find_break(
        ((e.sequence, e.previous_digest, e.digest, e.chained_content()) for e in events),
        key=audit_chain_key(),
        head=head or (0, GENESIS),
    )
