"""The audit log's hash chain: each event's digest covers its content and the previous digest.

Digests are HMAC-SHA256 under a key kept outside the database, so someone who can write to the
database cannot edit an event and recompute the digests after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


def event_digest(previous: str, content: Mapping[str, Any], *, key: bytes) -> str:
    """HMAC-SHA256 over the previous digest and the event's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    message = previous.encode() + b"\n" + canonical.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def find_break(
    events: Iterable[tuple[int, str, str, Mapping[str, Any]]],
    *,
    key: bytes,
    head: tuple[int, str] | None = None,
) -> ChainBreak | None:
    """Walk (sequence, previous, digest, content) in order; report the first event that does not fit.

    `head` is the (sequence, digest) the writer recorded last; without it, deleting the newest
    events would leave a chain that still links up.
    """
    expected_previous, last_sequence = GENESIS, 0
    for sequence, previous, digest, content in events:
        if previous != expected_previous:
            return ChainBreak(sequence, "previous digest does not match the event before it")
        if not hmac.compare_digest(event_digest(previous, content, key=key), digest):
            return ChainBreak(sequence, "content does not match its digest")
        expected_previous, last_sequence = digest, sequence
    if head is not None and head != (last_sequence, expected_previous):
        return ChainBreak(
            last_sequence + 1,
            f"events after #{last_sequence} are missing; the head records #{head[0]}",
        )
    return None
