"""Public credential ids: 16 characters of Crockford's base32, never repeated in a batch."""

from __future__ import annotations

from collections import Counter

from ecert.core.identity.public_ids import (
    ALPHABET,
    LENGTH,
    is_public_id,
    new_public_id,
    new_public_ids,
)


def test_bulk_ids_are_well_formed_and_distinct() -> None:
    ids = new_public_ids(5000)

    assert len(ids) == 5000
    assert all(is_public_id(i) for i in ids)
    assert len(set(ids)) == 5000


def test_bulk_ids_use_the_whole_alphabet_evenly() -> None:
    counts = Counter("".join(new_public_ids(2000)))  # 32,000 characters, 1,000 expected each

    assert set(counts) == set(ALPHABET)
    assert all(800 < n < 1200 for n in counts.values())


def test_single_ids_are_well_formed() -> None:
    one = new_public_id()

    assert len(one) == LENGTH
    assert is_public_id(one)
    assert not is_public_id(one.replace(one[0], "I"))  # I is not in the alphabet
