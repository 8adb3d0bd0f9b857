"""Merkle roots and inclusion proofs for issuance batches (docs/formats/batch-roots.md).

One signed root vouches for every credential of a batch (an exam sitting, say); each credential
keeps its audit path, so anyone holding one credential can check it against the root alone. The
tree shape and hashing are RFC 6962's (Certificate Transparency), so proofs can be checked with
any CT library: leaf hash SHA-256(0x00 || leaf), node hash SHA-256(0x01 || left || right), and a
tree over n leaves splits at the largest power of two smaller than n.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from ecert.core.errors import EcertError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "all_inclusion_proofs",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one leaf (RFC 6962 §2.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an inner node (RFC 6962 §2.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The RFC 6962 Merkle tree hash of ``leaves`` (raw leaf data); SHA-256("") when empty."""
    return _subtree_root(leaves, 0, len(leaves)) if leaves else EMPTY_ROOT


class MerkleAccumulator:
    """The same root as :func:`merkle_root`, fed one leaf at a time in O(log n) memory.

    It keeps the roots of complete subtrees of decreasing size (one per set bit of the count);
    folding them from the right gives RFC 6962's tree, whose left part is always complete.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[bytes] = []

    def add(self, leaf: bytes) -> None:
        node = leaf_hash(leaf)
        count = self.size
        while count & 1:
            node = node_hash(self._stack.pop(), node)
            count >>= 1
        self._stack.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def _level_above(level: list[bytes]) -> list[bytes]:
    """Hash neighbours in pairs; an odd last node moves up unchanged.

    Pairing level by level gives exactly RFC 6962's tree: the left part of every split is a
    complete tree of 2**k leaves, so its nodes pair off, and only the rightmost node of a level
    can lack a partner.
    """
    above = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        above.append(level[-1])
    return above


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` (RFC 6962 §2.1.1), nearest sibling first.

    Follows the definition top-down (split at the largest power of two below the size, keep the
    other side's hash), costing O(n) hashes. For a whole batch use :func:`all_inclusion_proofs`.
    """
    _check_index(index, len(leaves))
    path: list[bytes] = []
    start, end, position = 0, len(leaves), index
    while end - start > 1:
        split = _largest_power_of_two_below(end - start)
        if position < split:
            path.append(_subtree_root(leaves, start + split, end))
            end = start + split
        else:
            path.append(_subtree_root(leaves, start, start + split))
            start, position = start + split, position - split
    path.reverse()
    return path


def all_inclusion_proofs(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every leaf's audit path, in leaf order; O(n) hashes and O(n log n) in all.

    Each level of the tree is built once; leaf i's sibling on level k is node (i >> k) ^ 1 of
    that level, absent when node i >> k is an odd last node that moved up unchanged.
    """
    levels = [[leaf_hash(leaf) for leaf in leaves]]
    while len(levels[-1]) > 1:
        levels.append(_level_above(levels[-1]))
    proofs: list[list[bytes]] = []
    for index in range(len(leaves)):
        path = []
        for depth, level in enumerate(levels[:-1]):
            sibling = (index >> depth) ^ 1
            if sibling < len(level):
                path.append(level[sibling])
        proofs.append(path)
    return proofs


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True if ``proof`` shows that ``leaf`` is leaf ``index`` of a tree of ``size`` with ``root``.

    The algorithm of RFC 9162 §2.1.3.2. Any mismatch (index, size, a proof element too many or too
    few, a changed hash) gives False; it never raises.
    """
    if not 0 <= index < size or len(root) != HASH_SIZE:
        return False
    if any(len(element) != HASH_SIZE for element in proof):
        return False
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def _subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """Root of the non-empty range ``leaves[start:end]``, built level by level (no recursion)."""
    level = [leaf_hash(leaves[i]) for i in range(start, end)]
    while len(level) > 1:
        level = _level_above(level)
    return level[0]


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 6962 §2.1: the largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_index(index: int, size: int) -> None:
    if size == 0:
        raise EcertError(
            "empty_batch", "本批没有叶子，无法生成证明", "The batch has no leaves to prove"
        )
    if not 0 <= index < size:
        raise EcertError(
            "bad_index",
            f"叶子序号 {index} 超出范围：本批共 {size} 个叶子，序号应为 0 至 {size - 1}",
            f"Leaf index {index} is out of range: the batch's {size} leaves are 0 to {size - 1}",
        )
