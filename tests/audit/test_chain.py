"""The stored audit log: gap-free and chained, append-only in the database, and tampering found."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ecert.audit.models import AuditChainHead, AuditEvent
from ecert.audit.selectors import audit_chain_break
from ecert.audit.services import audit_record
from ecert.core.formats.audit_chain import GENESIS, ChainBreak
from tests.audit.conftest import delete_event, tamper_with_data
from tests.conftest import World

CONTENT_BROKEN = "content does not match its digest"
LINK_BROKEN = "previous digest does not match the event before it"


def middle_sequence() -> int:
    count = AuditEvent.objects.count()
    assert count >= 3, "the cast writes enough events to have a middle one"
    return count // 2


def test_sequences_run_from_one_without_gaps(world: World) -> None:
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))


def test_each_event_names_the_digest_of_the_one_before(world: World) -> None:
    links = list(AuditEvent.objects.order_by("sequence").values_list("previous_digest", "digest"))
    previous_digests = [previous for previous, _ in links]
    assert previous_digests == [GENESIS] + [digest for _, digest in links[:-1]]


def test_the_chain_head_points_at_the_newest_event(world: World) -> None:
    newest = AuditEvent.objects.order_by("-sequence").first()
    assert newest is not None
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.digest) == (newest.sequence, newest.digest)


def test_an_untouched_log_verifies(world: World) -> None:
    assert audit_chain_break() is None


def test_an_empty_log_verifies(db: None) -> None:
    assert not AuditEvent.objects.exists()
    assert audit_chain_break() is None


def test_an_event_with_non_ascii_data_verifies_after_reading_back(world: World) -> None:
    with transaction.atomic():
        audit_record(actor=None, action="test.unicode", data={"name": "孙𠮷", "n": [1, None]})
    assert audit_chain_break() is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'credential.forged' WHERE sequence = %s",
        "UPDATE audit_auditevent SET digest = previous_digest WHERE sequence = %s",
    ],
)
def test_the_database_refuses_to_update_an_event(world: World, statement: str) -> None:
    sequence = middle_sequence()
    before = AuditEvent.objects.get(sequence=sequence)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement, [sequence])
    after = AuditEvent.objects.get(sequence=sequence)
    assert (after.action, after.digest) == (before.action, before.digest)


def test_the_database_refuses_to_delete_an_event(world: World) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(
            "DELETE FROM audit_auditevent WHERE sequence = %s", [middle_sequence()]
        )
    assert AuditEvent.objects.count() == count


def test_the_database_refuses_to_empty_the_log_through_the_orm(world: World) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count


def test_the_database_refuses_an_orm_update(world: World) -> None:
    sequence = middle_sequence()
    before = AuditEvent.objects.get(sequence=sequence).data
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=sequence).update(data={"forged": True})
    assert AuditEvent.objects.get(sequence=sequence).data == before


def test_changed_event_data_is_found_at_that_event(world: World, append_only_lifted: None) -> None:
    sequence = middle_sequence()
    tamper_with_data(sequence, {"id_number": "3701**********9999"})
    assert audit_chain_break() == ChainBreak(sequence, CONTENT_BROKEN)


def test_a_deleted_middle_event_is_found_at_the_event_after_it(
    world: World, append_only_lifted: None
) -> None:
    sequence = middle_sequence()
    delete_event(sequence)
    assert audit_chain_break() == ChainBreak(sequence + 1, LINK_BROKEN)


def test_a_deleted_first_event_is_found_at_the_second(
    world: World, append_only_lifted: None
) -> None:
    delete_event(1)
    assert audit_chain_break() == ChainBreak(2, LINK_BROKEN)


def test_a_deleted_newest_event_is_found(world: World, append_only_lifted: None) -> None:
    newest = AuditChainHead.objects.get().sequence
    delete_event(newest)
    chain_break = audit_chain_break()
    assert chain_break is not None
    assert chain_break.sequence == newest


def test_the_chain_head_cannot_be_moved_back(world: World) -> None:
    head = AuditChainHead.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.filter(pk=head.pk).update(sequence=head.sequence - 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.filter(pk=head.pk).delete()
    assert AuditChainHead.objects.get().sequence == head.sequence
