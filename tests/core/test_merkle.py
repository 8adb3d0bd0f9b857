"""Merkle batch roots and inclusion proofs in the RFC 6962 shape (pure Python)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ecert.core.errors import EcertError
from ecert.core.formats.merkle import (
    EMPTY_ROOT,
    MerkleAccumulator,
    all_inclusion_proofs,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_inclusion,
)

# The Certificate Transparency reference leaves and the published root for each size 0..8
# (transparency-dev/merkle testonly/constants.go, from the original CT merkle_tree_test).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# Published audit paths (leaf index, tree size, path): transparency-dev/merkle proof/verify_test.go.
CT_PROOFS = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def split_point(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH of RFC 6962 §2.1, recursively, exactly as the RFC writes it."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = split_point(len(leaves))
    return sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:]))


def reference_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1, recursively."""
    if len(leaves) <= 1:
        return []
    k = split_point(len(leaves))
    if index < k:
        return [*reference_path(index, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(index - k, leaves[k:]), reference_root(leaves[:k])]


def path_sides(index: int, size: int) -> list[str]:
    """Which side each audit path element sits on, leaf first: all a verifier learns from size."""
    if size <= 1:
        return []
    k = split_point(size)
    if index < k:
        return [*path_sides(index, k), "right"]
    return [*path_sides(index - k, size - k), "left"]


def batch(size: int, salt: bytes) -> list[bytes]:
    return [salt + i.to_bytes(4, "big") for i in range(size)]


batches = st.builds(batch, st.integers(min_value=1, max_value=300), st.binary(max_size=8))
small_batches = st.lists(st.binary(max_size=40), min_size=1, max_size=40, unique=True)


# Published vectors


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_root_matches_the_published_ct_root(size: int) -> None:
    assert merkle_root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


def test_eight_leaf_root_is_the_well_known_value() -> None:
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert merkle_root(CT_LEAVES).hex() == expected
    assert reference_root(CT_LEAVES).hex() == expected


def test_hashes_are_domain_separated() -> None:
    assert sha256(b"") == EMPTY_ROOT
    assert leaf_hash(b"") == sha256(b"\x00")
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert node_hash(leaf_hash(b""), leaf_hash(b"\x00")).hex() == CT_ROOTS[2]


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_proof_matches_the_published_ct_audit_path(index: int, size: int, path: list[str]) -> None:
    leaves = CT_LEAVES[:size]
    assert [element.hex() for element in inclusion_proof(leaves, index)] == path
    assert [element.hex() for element in all_inclusion_proofs(leaves)[index]] == path
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(leaves[index], index, size, [bytes.fromhex(h) for h in path], root)


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_published_ct_probes_are_rejected(index: int, size: int, path: list[str]) -> None:
    """The corruptions the CT test suite tries, for each published audit path."""
    proof = [bytes.fromhex(h) for h in path]
    root = bytes.fromhex(CT_ROOTS[size])
    leaf = CT_LEAVES[index]
    probes = [
        (leaf, index - 1, size, proof, root),
        (leaf, index + 1, size, proof, root),
        (leaf, index ^ 2, size, proof, root),
        (leaf, index, size * 2, proof, root),
        (leaf, index, size // 2, proof, root),
        (b"WrongLeaf", index, size, proof, root),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, [*proof, b""], root),
        (leaf, index, size, [*proof, root], root),
        (leaf, index, size, [b"", *proof], root),
        (leaf, index, size, [root, *proof], root),
        (leaf, index, size, proof[:-1], root),
        (leaf, index, size, [proof[0], EMPTY_ROOT, *proof[1:]], root),
    ]
    for position in range(len(proof)):
        flipped = bytes([proof[position][0] ^ 8]) + proof[position][1:]
        probes.append(
            (leaf, index, size, [*proof[:position], flipped, *proof[position + 1 :]], root)
        )
    assert not any(verify_inclusion(*probe) for probe in probes)


# Agreement with the recursive definitions


@given(st.lists(st.binary(max_size=40), max_size=300))
def test_iterative_root_agrees_with_the_recursive_definition(leaves: list[bytes]) -> None:
    assert merkle_root(leaves) == reference_root(leaves)


@given(small_batches, st.data())
def test_single_proof_agrees_with_the_recursive_definition(
    leaves: list[bytes], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    assert inclusion_proof(leaves, index) == reference_path(index, leaves)


@given(batches)
def test_all_proofs_builder_agrees_with_the_single_proof_builder(leaves: list[bytes]) -> None:
    proofs = all_inclusion_proofs(leaves)
    assert len(proofs) == len(leaves)
    for index in range(0, len(leaves), max(1, len(leaves) // 17)):
        assert proofs[index] == inclusion_proof(leaves, index)
    assert proofs[-1] == inclusion_proof(leaves, len(leaves) - 1)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 100])
def test_all_proofs_builder_agrees_with_the_recursive_definition_for_every_leaf(size: int) -> None:
    leaves = batch(size, b"sitting-")
    assert all_inclusion_proofs(leaves) == [reference_path(i, leaves) for i in range(size)]


def test_no_proofs_for_an_empty_batch() -> None:
    assert all_inclusion_proofs([]) == []
    assert merkle_root([]) == EMPTY_ROOT


# Verification


@given(batches)
def test_every_proof_of_a_batch_verifies(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    for index, proof in enumerate(all_inclusion_proofs(leaves)):
        assert verify_inclusion(leaves[index], index, len(leaves), proof, root)


@given(small_batches, st.data())
def test_proofs_over_arbitrary_leaf_data_verify(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    root = merkle_root(leaves)
    assert verify_inclusion(leaves[index], index, len(leaves), inclusion_proof(leaves, index), root)


@given(batches, st.data())
def test_a_changed_leaf_fails(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    other = data.draw(st.binary(max_size=40).filter(lambda b: b != leaves[index]))
    proof = inclusion_proof(leaves, index)
    assert not verify_inclusion(other, index, len(leaves), proof, merkle_root(leaves))


@given(batches, st.data())
def test_a_wrong_index_fails(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    wrong = data.draw(
        st.integers(min_value=-5, max_value=len(leaves) + 5).filter(lambda i: i != index)
    )
    proof = inclusion_proof(leaves, index)
    assert not verify_inclusion(leaves[index], wrong, len(leaves), proof, merkle_root(leaves))


@given(batches, st.data())
def test_a_changed_proof_element_fails(leaves: list[bytes], data: st.DataObject) -> None:
    assume(len(leaves) > 1)
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    proof = inclusion_proof(leaves, index)
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    element = bytearray(proof[position])
    element[bit // 8] ^= 1 << (bit % 8)
    changed = [*proof[:position], bytes(element), *proof[position + 1 :]]
    assert not verify_inclusion(leaves[index], index, len(leaves), changed, merkle_root(leaves))


@given(batches, st.data())
def test_a_truncated_or_extended_proof_fails(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    proof = inclusion_proof(leaves, index)
    root = merkle_root(leaves)
    extra = data.draw(st.binary(min_size=32, max_size=32))
    for changed in ([*proof, extra], [extra, *proof], proof[:-1] if proof else [extra]):
        assert not verify_inclusion(leaves[index], index, len(leaves), changed, root)


@given(batches, st.data())
def test_a_different_root_fails(leaves: list[bytes], data: st.DataObject) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1))
    root = merkle_root(leaves)
    other = data.draw(st.binary(min_size=32, max_size=32).filter(lambda b: b != root))
    proof = inclusion_proof(leaves, index)
    assert not verify_inclusion(leaves[index], index, len(leaves), proof, other)
    assert not verify_inclusion(leaves[index], index, len(leaves), proof, root[:31])


@given(batches, st.data())
def test_a_wrong_size_passes_only_when_the_path_has_the_same_shape(
    leaves: list[bytes], data: st.DataObject
) -> None:
    """The verifier learns from the size only how long the path is and on which side each
    element sits; leaf 0 of 5 and leaf 0 of 6 have the same shape. The root binds the rest,
    which is why a signed batch statement must carry the size with the root."""
    size = len(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    claimed = data.draw(
        st.integers(min_value=-2, max_value=2 * size + 2).filter(lambda n: n != size)
    )
    proof = inclusion_proof(leaves, index)
    expected = 0 <= index < claimed and path_sides(index, claimed) == path_sides(index, size)
    assert verify_inclusion(leaves[index], index, claimed, proof, merkle_root(leaves)) == expected


@given(
    leaf=st.binary(max_size=40),
    index=st.integers(min_value=-(2**70), max_value=2**70),
    size=st.integers(min_value=-(2**70), max_value=2**70),
    proof=st.lists(st.binary(max_size=40), max_size=80),
    root=st.binary(max_size=40),
)
def test_verify_never_raises(
    leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes
) -> None:
    assert verify_inclusion(leaf, index, size, proof, root) in (True, False)


@pytest.mark.parametrize(
    ("index", "size", "proof"),
    [(0, 0, []), (0, 1, [EMPTY_ROOT]), (1, 1, []), (2, 1, []), (-1, 1, [])],
)
def test_degenerate_claims_fail(index: int, size: int, proof: list[bytes]) -> None:
    assert not verify_inclusion(b"data", index, size, proof, leaf_hash(b"data"))


def test_single_leaf_batch_has_an_empty_proof_and_its_leaf_hash_as_root() -> None:
    assert merkle_root([b"data"]) == leaf_hash(b"data")
    assert inclusion_proof([b"data"], 0) == []
    assert verify_inclusion(b"data", 0, 1, [], leaf_hash(b"data"))


# Building errors


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (100, 3)])
def test_proof_for_an_index_out_of_range_is_refused(index: int, size: int) -> None:
    with pytest.raises(EcertError) as caught:
        inclusion_proof(batch(size, b""), index)
    assert caught.value.code == "bad_index"
    assert str(index) in caught.value.zh
    assert str(index) in caught.value.en


def test_proof_in_an_empty_batch_is_refused() -> None:
    with pytest.raises(EcertError) as caught:
        inclusion_proof([], 0)
    assert caught.value.code == "empty_batch"
    assert isinstance(caught.value, ValueError)


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_accumulator_gives_the_same_root_as_the_whole_tree(leaves: list[bytes]) -> None:
    accumulator = MerkleAccumulator()
    for leaf in leaves:
        accumulator.add(leaf)
    assert accumulator.size == len(leaves)
    assert accumulator.root() == merkle_root(leaves)
