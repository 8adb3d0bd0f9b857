"""The audit hash chain on hand-built chains: digests, and finding the first event that does not fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from ecert.core.formats.audit_chain import GENESIS, ChainBreak, event_digest, find_break

KEY = b"k" * 32

Event = tuple[int, str, str, Mapping[str, Any]]

CONTENT_BROKEN = "content does not match its digest"
LINK_BROKEN = "previous digest does not match the event before it"

VALUES = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
CONTENTS = st.dictionaries(st.text(min_size=1, max_size=8), VALUES, min_size=1, max_size=5)


def chain(contents: Sequence[Mapping[str, Any]]) -> list[Event]:
    """Events 1..n, each digest computed over the one before, as the audit service writes them."""
    events: list[Event] = []
    previous = GENESIS
    for sequence, content in enumerate(contents, start=1):
        digest = event_digest(previous, content, key=KEY)
        events.append((sequence, previous, digest, content))
        previous = digest
    return events


def sample() -> list[Event]:
    return chain(
        [
            {"action": "holder.registered", "data": {"id_number": "3701**********0011"}},
            {"action": "credential.recorded", "data": {"management_number": "TEST00000001"}},
            {"action": "credential.revoked", "data": {"reason": "伪造 / forged"}},
            {"action": "user.created", "data": {"username": "孙𠮷"}},
        ]
    )


def test_digest_is_hmac_sha256_hex() -> None:
    digest = event_digest(GENESIS, {"action": "x"}, key=KEY)
    assert len(digest) == 64
    assert int(digest, 16) >= 0


def test_digest_does_not_depend_on_key_order() -> None:
    assert event_digest(GENESIS, {"a": 1, "b": {"c": 2, "d": 3}}, key=KEY) == event_digest(
        GENESIS, {"b": {"d": 3, "c": 2}, "a": 1}, key=KEY
    )


def test_digest_depends_on_the_previous_digest() -> None:
    assert event_digest(GENESIS, {"a": 1}, key=KEY) != event_digest("f" * 64, {"a": 1}, key=KEY)


def test_digest_tells_apart_values_that_look_alike() -> None:
    digests = {
        event_digest(GENESIS, {"a": value}, key=KEY) for value in (1, "1", True, None, "", [1])
    }
    assert len(digests) == 6


def test_an_empty_chain_is_intact() -> None:
    assert find_break([], key=KEY) is None


def test_an_untouched_chain_is_intact() -> None:
    assert find_break(sample(), key=KEY) is None


def test_changed_content_is_reported_at_that_event() -> None:
    events = sample()
    sequence, previous, digest, _ = events[2]
    events[2] = (sequence, previous, digest, {"action": "credential.revoked", "data": {}})
    assert find_break(events, key=KEY) == ChainBreak(3, CONTENT_BROKEN)


def test_changed_previous_digest_is_reported_at_that_event() -> None:
    events = sample()
    sequence, _, digest, content = events[1]
    events[1] = (sequence, "0" * 63 + "1", digest, content)
    assert find_break(events, key=KEY) == ChainBreak(2, LINK_BROKEN)


def test_changed_digest_is_reported_at_that_event() -> None:
    events = sample()
    sequence, previous, _, content = events[1]
    events[1] = (sequence, previous, "a" * 64, content)
    assert find_break(events, key=KEY) == ChainBreak(2, CONTENT_BROKEN)


def test_content_and_digest_rewritten_together_break_the_next_link() -> None:
    events = sample()
    sequence, previous, _, _ = events[1]
    forged = {"action": "credential.recorded", "data": {"management_number": "FORGED"}}
    events[1] = (sequence, previous, event_digest(previous, forged, key=KEY), forged)
    assert find_break(events, key=KEY) == ChainBreak(3, LINK_BROKEN)


def test_reordered_events_are_reported_where_the_order_breaks() -> None:
    events = sample()
    events[1], events[2] = events[2], events[1]
    assert find_break(events, key=KEY) == ChainBreak(3, LINK_BROKEN)


def test_a_deleted_middle_event_is_reported_at_the_event_after_it() -> None:
    events = sample()
    del events[1]
    assert find_break(events, key=KEY) == ChainBreak(3, LINK_BROKEN)


def test_deleted_oldest_events_are_reported_at_the_new_first_event() -> None:
    assert find_break(sample()[2:], key=KEY) == ChainBreak(3, LINK_BROKEN)


def test_only_the_first_break_is_reported() -> None:
    events = sample()
    for index in (1, 3):
        sequence, previous, digest, _ = events[index]
        events[index] = (sequence, previous, digest, {"tampered": index})
    assert find_break(events, key=KEY) == ChainBreak(2, CONTENT_BROKEN)


@given(st.lists(CONTENTS, max_size=8))
def test_any_untouched_chain_is_intact(contents: list[dict[str, Any]]) -> None:
    assert find_break(chain(contents), key=KEY) is None


@given(st.lists(CONTENTS, min_size=1, max_size=8), st.data())
def test_any_change_to_one_event_content_is_reported_at_that_event(
    contents: list[dict[str, Any]], data: st.DataObject
) -> None:
    events = chain(contents)
    index = data.draw(st.integers(0, len(events) - 1), label="index")
    sequence, previous, digest, content = events[index]
    key = data.draw(st.sampled_from(sorted(content)) | st.text(min_size=1, max_size=8), label="key")
    value = data.draw(VALUES, label="value")
    changed = {**content, key: value}
    assume(changed != content)
    events[index] = (sequence, previous, digest, changed)
    assert find_break(events, key=KEY) == ChainBreak(sequence, CONTENT_BROKEN)


@given(st.lists(CONTENTS, min_size=2, max_size=8), st.data())
def test_any_deleted_event_but_the_newest_is_reported(
    contents: list[dict[str, Any]], data: st.DataObject
) -> None:
    events = chain(contents)
    index = data.draw(st.integers(0, len(events) - 2), label="index")
    following = events[index + 1][0]
    del events[index]
    assert find_break(events, key=KEY) == ChainBreak(following, LINK_BROKEN)


def test_a_chain_rebuilt_without_the_key_does_not_verify() -> None:
    """Someone who edits an event and recomputes every digest with a key of their own is found."""
    forged, previous = [], GENESIS
    for sequence, _, _, content in sample():
        changed = {**content, "action": "forged"} if sequence == 2 else content
        digest = event_digest(previous, changed, key=b"x" * 32)
        forged.append((sequence, previous, digest, changed))
        previous = digest
    assert find_break(forged, key=KEY) == ChainBreak(1, CONTENT_BROKEN)
