"""The Merkle tree of a service's log is RFC 9162's: it gives the Certificate Transparency
reference roots and proofs, and its proofs convince only of what is true."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest

from trailproof.merkle import (
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves of the CT reference tree and the roots over the first n of them
# (certificate-transparency-go merkle tests, transparency-dev/merkle testonly).
REFERENCE_LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
REFERENCE_ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")]
REFERENCE_INCLUSION = [  # (index, size, proof)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
REFERENCE_CONSISTENCY = [  # (old size, new size, proof)
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (3, 8, ["0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
]
LARGEST = 40
LEAVES = [leaf_hash(f"event {i}".encode()) for i in range(LARGEST)]
ROOTS = [root(LEAVES[:n]) for n in range(LARGEST + 1)]
SIZES = [(m, n) for n in range(1, LARGEST + 1) for m in range(1, n + 1)]


def reference_hashes(n: int) -> list[bytes]:
    return [leaf_hash(leaf) for leaf in REFERENCE_LEAVES[:n]]


def flipped(proof: list[bytes], at: int, bit: int) -> list[bytes]:
    altered = bytearray(proof[at])
    altered[bit // 8 % len(altered)] ^= 1 << bit % 8
    return [*proof[:at], bytes(altered), *proof[at + 1:]]


def bit_flips(proof: list[bytes]) -> Iterator[list[bytes]]:
    """Each hash of the proof with one bit flipped, a different bit in each."""
    for at in range(len(proof)):
        yield flipped(proof, at, 37 * at + 5)


def test_the_empty_tree_has_the_hash_of_nothing_as_its_root() -> None:
    assert root([]) == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 9))
def test_the_reference_tree_has_the_reference_roots(n: int) -> None:
    assert root(reference_hashes(n)) == REFERENCE_ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "proof"), REFERENCE_INCLUSION)
def test_inclusion_proofs_of_the_reference_tree_are_the_reference_ones(
        index: int, size: int, proof: list[str]) -> None:
    hashes = reference_hashes(size)
    assert [p.hex() for p in inclusion_proof(index, hashes)] == proof
    assert verify_inclusion(index, size, hashes[index], [bytes.fromhex(p) for p in proof],
                            REFERENCE_ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), REFERENCE_CONSISTENCY)
def test_consistency_proofs_of_the_reference_tree_are_the_reference_ones(
        old: int, new: int, proof: list[str]) -> None:
    assert [p.hex() for p in consistency_proof(old, reference_hashes(new))] == proof
    assert verify_consistency(old, new, REFERENCE_ROOTS[old - 1], REFERENCE_ROOTS[new - 1],
                              [bytes.fromhex(p) for p in proof])


@pytest.mark.parametrize(("index", "size"), [(m - 1, n) for m, n in SIZES])
def test_every_leaf_of_every_tree_is_proven_included_and_nothing_else_is(
        index: int, size: int) -> None:
    proof = inclusion_proof(index, LEAVES[:size])
    leaf, head = LEAVES[index], ROOTS[size]
    assert verify_inclusion(index, size, leaf, proof, head)

    for altered in bit_flips(proof):
        assert not verify_inclusion(index, size, leaf, altered, head)
    assert not verify_inclusion(index, size, flipped([leaf], 0, 100)[0], proof, head)
    assert not verify_inclusion(index, size, leaf, proof, flipped([head], 0, 200)[0])
    for other in {index - 1, index + 1, index ^ 1, index ^ 2, size}:
        assert not verify_inclusion(other, size, leaf, proof, head)
    # A path fits several sizes whose trees have the same shape along it (0 of 3 and of 4):
    # the signed checkpoint binds size and root together, the proof need not.
    for other_size in {2 * size, size // 2}:
        assert not verify_inclusion(index, other_size, leaf, proof, head)
    assert not verify_inclusion(index, size, leaf, [*proof, head], head)
    assert not verify_inclusion(index, size, leaf, [head, *proof], head)
    if proof:
        assert not verify_inclusion(index, size, leaf, proof[:-1], head)
    if size > 1:
        neighbour = index + 1 if index + 1 < size else index - 1
        swapped = list(LEAVES[:size])
        swapped[index], swapped[neighbour] = swapped[neighbour], swapped[index]
        assert not verify_inclusion(index, size, leaf, proof, root(swapped))
        assert not verify_inclusion(index, size, LEAVES[neighbour], proof, head)


@pytest.mark.parametrize(("old", "new"), SIZES)
def test_every_tree_is_proven_to_extend_each_of_its_prefixes_and_nothing_else(
        old: int, new: int) -> None:
    proof = consistency_proof(old, LEAVES[:new])
    old_root, new_root = ROOTS[old], ROOTS[new]
    assert verify_consistency(old, new, old_root, new_root, proof)
    if old == new:
        assert proof == []
        assert not verify_consistency(old, new, old_root, ROOTS[new - 1], proof)
        assert not verify_consistency(old, new, old_root, new_root, [old_root])
        return

    for altered in bit_flips(proof):
        assert not verify_consistency(old, new, old_root, new_root, altered)
    assert not verify_consistency(old, new, flipped([old_root], 0, 9)[0], new_root, proof)
    assert not verify_consistency(old, new, old_root, flipped([new_root], 0, 9)[0], proof)
    assert not verify_consistency(old, new, new_root, old_root, proof)
    assert not verify_consistency(new, old, new_root, old_root, proof)
    for other_old in {old - 1, old + 1, old ^ 2} - {0, new}:
        assert not verify_consistency(other_old, new, ROOTS[other_old], new_root, proof)
    for other_new in {2 * new, new // 2} - {new}:
        assert not verify_consistency(old, other_new, old_root, new_root, proof)
    assert not verify_consistency(old, new, old_root, new_root, [])
    assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
    assert not verify_consistency(old, new, old_root, new_root, [proof[0], *proof])
    assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
    swapped = list(LEAVES[:new])
    swapped[old - 1], swapped[old] = swapped[old], swapped[old - 1]
    assert not verify_consistency(old, new, old_root, root(swapped), proof)


def test_the_empty_tree_is_a_prefix_of_every_tree_without_proof() -> None:
    assert verify_consistency(0, 5, ROOTS[0], ROOTS[5], [])
    assert not verify_consistency(0, 5, ROOTS[1], ROOTS[5], [])
    assert not verify_consistency(0, 5, ROOTS[0], ROOTS[5], [ROOTS[5]])


def test_proofs_outside_the_tree_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(3, LEAVES[:3])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(4, LEAVES[:3])
    assert not verify_inclusion(0, 0, LEAVES[0], [], ROOTS[0])


def test_a_frontier_grown_leaf_by_leaf_has_the_root_of_the_whole_tree_at_every_size() -> None:
    frontier = Frontier()
    assert frontier.root() == ROOTS[0]
    for size in range(1, LARGEST + 1):
        frontier.append(LEAVES[size - 1])
        assert (frontier.size, frontier.root()) == (size, ROOTS[size])
    reference = Frontier(reference_hashes(8))
    assert reference.root() == REFERENCE_ROOTS[7]


def test_a_copied_frontier_grows_apart_from_its_original() -> None:
    frontier = Frontier(LEAVES[:5])
    grown = frontier.copy()
    grown.append(LEAVES[5])
    assert (frontier.root(), grown.root()) == (ROOTS[5], ROOTS[6])
