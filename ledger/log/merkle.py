"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.

Why this module exists: copro's ledger is an append-only log, and every state of
that log is committed to by a single Merkle root that is published in signed
checkpoints.  A member who holds an old checkpoint must be able to check, without
trusting the server, that (a) a given event is in the log (inclusion proof) and
(b) the log they see now extends the log they saw before, with nothing rewritten
(consistency proof).  We use the exact hashing of Certificate Transparency
(RFC 6962 section 2.1, unchanged in RFC 9162 section 2.1) rather than inventing
our own, so that proofs and roots can be checked by existing transparency-log
tooling and against the published reference vectors.

Storage model.  A log never needs to store anything but *perfect* subtrees: the
hash of 2**level consecutive leaves starting at a multiple of 2**level.  Such a
node is addressed as ``(level, index)`` and covers leaves
``[index << level, (index + 1) << level)``; level 0 holds the leaf hashes.  Once
written, a perfect node never changes, so it can live in an append-only table.
Every tree hash RFC 6962 asks for (roots at any size, the siblings in any proof)
is a fold of O(log n) perfect nodes, which is what :func:`subtree_hash` computes.
The functions here take a :data:`NodeReader` callback instead of a database so
that this module stays pure: no I/O, no storage, just hashing.

All hashes are 32-byte SHA-256 digests.  Invalid arguments (negative sizes,
out-of-range indexes, wrongly sized hashes) and failed verifications raise
:class:`ProofError`, whose message is one plain sentence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MemoryTree",
    "NodeReader",
    "ProofError",
    "append_leaves",
    "consistency_proof",
    "frontier_positions",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_frontier",
    "root_hash",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Size in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""Root of the empty tree: MTH({}) = SHA-256() (RFC 6962 section 2.1)."""

# Domain-separation prefixes (RFC 6962 section 2.1): a leaf can never be confused
# with an interior node, which is what makes second-preimage attacks fail.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

NodeReader = Callable[[int, int], bytes]
"""``read(level, index)`` returns the hash of the perfect subtree of ``2**level``
leaves covering leaves ``[index << level, (index + 1) << level)``; level 0 is the
leaf hashes.  Only nodes that are complete in the tree being proved are read."""


class ProofError(ValueError):
    """An argument is invalid or a proof does not verify.

    The message is one plain sentence saying what is wrong, in the form
    "got X, expected Y" where that helps.  It subclasses ValueError because every
    cause is a bad value handed in by the caller or by a remote party.
    """


# ---------------------------------------------------------------------------
# Hashing primitives
# ---------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || data)`` of a log entry."""
    return hashlib.sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``.

    Both children are expected to be 32-byte hashes; this primitive does not check,
    because it is the inner loop of everything else and callers validate inputs.
    """
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _check_count(value: int, what: str) -> None:
    """Reject anything that is not a non-negative int (sizes and indexes)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProofError(f"{what} must be an integer, got {type(value).__name__}.")
    if value < 0:
        raise ProofError(f"{what} must not be negative, got {value}.")


def _check_hash(value: bytes, what: str) -> None:
    """Reject anything that is not exactly one 32-byte hash."""
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}.")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} has {len(value)} bytes, expected {HASH_SIZE}.")


def _check_hashes(values: Sequence[bytes], what: str) -> None:
    for i, value in enumerate(values):
        _check_hash(value, f"{what} {i}")


def _check_index(index: int, size: int) -> None:
    _check_count(index, "Leaf index")
    _check_count(size, "Tree size")
    if index >= size:
        raise ProofError(
            f"Leaf index {index} is out of range for a tree of size {size}, expected an index below {size}."
        )


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (requires n >= 2).

    This is RFC 6962's ``k`` that splits D[n] into D[0:k] and D[k:n].
    """
    return 1 << ((n - 1).bit_length() - 1)


def _read(read: NodeReader, level: int, index: int) -> bytes:
    """Call the node reader and make sure it really returned one hash."""
    value = read(level, index)
    if not isinstance(value, (bytes, bytearray, memoryview)) or len(value) != HASH_SIZE:
        got = len(value) if isinstance(value, (bytes, bytearray, memoryview)) else value
        raise ProofError(
            f"Node reader returned {got!r} for level {level} index {index}, expected a {HASH_SIZE}-byte hash."
        )
    return bytes(value)


# ---------------------------------------------------------------------------
# Roots and frontiers
# ---------------------------------------------------------------------------


def frontier_positions(size: int) -> list[tuple[int, int]]:
    """Return the ``(level, index)`` of the perfect subtrees that tile ``[0, size)``.

    They are listed left to right, largest first, one per set bit of ``size``.  This
    "frontier" (also called a compact range) is all a writer needs to keep in order
    to append leaves and compute the root, which is why checkpoints are cheap.
    """
    _check_count(size, "Tree size")
    positions: list[tuple[int, int]] = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if (size >> level) & 1:
            positions.append((level, offset >> level))
            offset += 1 << level
    return positions


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """Return the tree root from the hashes at :func:`frontier_positions`.

    Folding right to left (``h = node_hash(frontier[i], h)``) reproduces RFC 6962's
    recursive MTH because every split point of MTH falls on a frontier boundary.
    The empty frontier is the empty tree, whose root is :data:`EMPTY_ROOT`.
    """
    _check_hashes(frontier, "Frontier hash")
    if not frontier:
        return EMPTY_ROOT
    h = bytes(frontier[-1])
    for node in reversed(frontier[:-1]):
        h = node_hash(bytes(node), h)
    return h


def _append(
    stack: list[bytes],
    size: int,
    new_leaf_hashes: Iterable[bytes],
    nodes: list[tuple[int, int, bytes]] | None,
) -> int:
    """Append leaves onto a frontier held in ``stack`` (mutated); return new size.

    When leaf ``size`` is appended, it merges with the frontier's smallest subtrees
    once per trailing one bit of ``size``: each merge creates one new perfect node.
    """
    for leaf in new_leaf_hashes:
        _check_hash(leaf, f"Leaf hash {size}")
        h = bytes(leaf)
        level = 0
        index = size
        while index & 1:
            h = node_hash(stack.pop(), h)
            level += 1
            index >>= 1
            if nodes is not None:
                nodes.append((level, index, h))
        stack.append(h)
        size += 1
    return size


def append_leaves(
    size: int, frontier: Sequence[bytes], new_leaf_hashes: Sequence[bytes]
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Append leaf hashes to a tree of ``size`` leaves whose frontier is given.

    Returns ``(new_frontier, new_nodes)`` where ``new_nodes`` lists every perfect
    node of level >= 1 that the appended leaves complete, as ``(level, index,
    hash)`` in creation order; together with the new leaf hashes themselves (level
    0) they are exactly the rows an append-only node store must insert.  Costs
    O(log n) hashing per leaf and never rehashes the existing log.
    """
    _check_count(size, "Tree size")
    expected = size.bit_count()
    if len(frontier) != expected:
        raise ProofError(f"Frontier for a tree of size {size} has {len(frontier)} hashes, expected {expected}.")
    _check_hashes(frontier, "Frontier hash")
    stack = [bytes(h) for h in frontier]
    nodes: list[tuple[int, int, bytes]] = []
    _append(stack, size, new_leaf_hashes, nodes)
    return stack, nodes


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH over already-hashed leaves (RFC 6962 section 2.1).

    :data:`EMPTY_ROOT` for no leaves.  Runs in O(n) time and O(log n) memory by
    streaming the leaves through a frontier rather than recursing over slices.
    """
    stack: list[bytes] = []
    _append(stack, 0, leaf_hashes, None)
    return root_from_frontier(stack)


# ---------------------------------------------------------------------------
# Subtree hashes from stored perfect nodes
# ---------------------------------------------------------------------------


def _range_hash(start: int, end: int, read: NodeReader) -> bytes:
    """MTH of the non-empty leaf range ``[start, end)`` from perfect nodes.

    An aligned perfect range is one read.  Otherwise split as RFC 6962 does: the
    left part D[start:start+k] and the right part D[start+k:end].  For the ranges
    that RFC 6962 proofs use (``start`` a multiple of a power of two >= the range
    length) the left part is always one aligned perfect node and the right part is
    again such a range, so this costs O(log n) reads.
    """
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        level = n.bit_length() - 1
        return _read(read, level, start >> level)
    k = _split(n)
    return node_hash(_range_hash(start, start + k, read), _range_hash(start + k, end, read))


def subtree_hash(start: int, end: int, read: NodeReader) -> bytes:
    """Return MTH of leaves ``[start, end)`` using only perfect nodes from ``read``.

    This is how roots at any size and proof siblings are computed from an
    append-only node store.  Ranges that start at a multiple of a power of two at
    least as large as the range (every range RFC 6962 roots and proofs need, and in
    particular every prefix ``[0, size)``) take O(log n) reads.  Other ranges are
    still hashed correctly, but may need up to O(end - start) reads.  An empty
    range has hash :data:`EMPTY_ROOT`.
    """
    _check_count(start, "Range start")
    _check_count(end, "Range end")
    if start > end:
        raise ProofError(f"Range start {start} is after range end {end}.")
    if start == end:
        return EMPTY_ROOT
    return _range_hash(start, end, read)


# ---------------------------------------------------------------------------
# Proof generation
# ---------------------------------------------------------------------------


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """Return the inclusion proof PATH(index, D[size]) of RFC 9162 section 2.1.3.1.

    The hashes are ordered from the leaf's sibling up to the child of the root,
    which is the order :func:`verify_inclusion` and every RFC 6962 client expect.
    Costs O(log n) reads.
    """
    _check_index(index, size)
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_range_hash(lo + k, hi, read))
            hi = lo + k
        else:
            path.append(_range_hash(lo, lo + k, read))
            lo += k
    path.reverse()
    return path


def consistency_proof(old_size: int, new_size: int, read: NodeReader) -> list[bytes]:
    """Return the consistency proof PROOF(old_size, D[new_size]) of RFC 9162 2.1.4.1.

    This is RFC 6962's SUBPROOF(m, D[n], true).  The proof is empty when the sizes
    are equal or the old tree is empty, since there is nothing to prove.  Costs
    O(log n) reads.
    """
    _check_count(old_size, "Old tree size")
    _check_count(new_size, "New tree size")
    if old_size > new_size:
        raise ProofError(f"Old tree size {old_size} is larger than new tree size {new_size}, expected old <= new.")
    if old_size == 0 or old_size == new_size:
        return []
    # Walk SUBPROOF(m, D[lo:hi], complete) iteratively.  Each step appends the
    # hash SUBPROOF would append *after* its recursive call, so the list is built
    # outermost first and reversed at the end.
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            proof.append(_range_hash(lo + k, hi, read))
            hi = lo + k
        else:
            proof.append(_range_hash(lo, lo + k, read))
            lo += k
            m -= k
            complete = False
    if not complete:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's root is not a
        # node of the new tree here, so the proof carries this subtree's hash.
        proof.append(_range_hash(lo, hi, read))
    proof.reverse()
    return proof


# ---------------------------------------------------------------------------
# Proof verification
# ---------------------------------------------------------------------------


def _inclusion_proof_length(index: int, size: int) -> int:
    """Length of PATH(index, D[size]): levels below the point where the paths to
    ``index`` and ``size - 1`` diverge, plus one per left sibling above it."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def _consistency_proof_length(old_size: int, new_size: int) -> int:
    """Length of PROOF(old_size, D[new_size]) for 0 < old_size < new_size."""
    inner = ((old_size - 1) ^ (new_size - 1)).bit_length()
    border = ((old_size - 1) >> inner).bit_count()
    shift = (old_size & -old_size).bit_length() - 1
    seed = 0 if old_size == 1 << shift else 1
    return seed + (inner - shift) + border


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``root``.

    ``leaf`` is the 32-byte *leaf hash* (``leaf_hash(entry)``), as in RFC 9162
    section 2.1.3.2, whose algorithm this follows.  Returns None on success and
    raises :class:`ProofError` saying what is wrong otherwise.
    """
    _check_index(index, size)
    _check_hash(leaf, "Leaf hash")
    _check_hash(root, "Root hash")
    _check_hashes(proof, "Inclusion proof hash")
    expected = _inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise ProofError(
            f"Inclusion proof for leaf {index} in a tree of size {size} has {len(proof)} hashes, expected {expected}."
        )
    fn, sn, r = index, size - 1, bytes(leaf)
    for p in proof:
        if sn == 0:  # unreachable after the length check; kept from RFC 9162
            raise ProofError("Inclusion proof is longer than the path to the root.")
        if fn & 1 or fn == sn:
            r = node_hash(bytes(p), r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, bytes(p))
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable after the length check; kept from RFC 9162
        raise ProofError("Inclusion proof is shorter than the path to the root.")
    if r != root:
        raise ProofError(
            f"Inclusion proof for leaf {index} in a tree of size {size} leads to root "
            f"{r.hex()}, expected {bytes(root).hex()}."
        )


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree ``(new_size, new_root)`` extends ``(old_size, old_root)``.

    Follows RFC 9162 section 2.1.4.2.  Edge cases: equal sizes need an empty proof
    and equal roots; an empty old tree needs an empty proof and ``old_root`` equal
    to :data:`EMPTY_ROOT` (every tree extends the empty tree, but a checkpoint
    claiming some other root for size 0 is still wrong).  Returns None on success
    and raises :class:`ProofError` saying what is wrong otherwise.
    """
    _check_count(old_size, "Old tree size")
    _check_count(new_size, "New tree size")
    _check_hash(old_root, "Old root hash")
    _check_hash(new_root, "New root hash")
    _check_hashes(proof, "Consistency proof hash")
    old_root = bytes(old_root)
    new_root = bytes(new_root)
    if old_size > new_size:
        raise ProofError(f"Old tree size {old_size} is larger than new tree size {new_size}, expected old <= new.")
    if old_size == 0:
        if proof:
            raise ProofError(f"Consistency proof from the empty tree has {len(proof)} hashes, expected 0.")
        if old_root != EMPTY_ROOT:
            raise ProofError(f"Root of the empty tree is given as {old_root.hex()}, expected {EMPTY_ROOT.hex()}.")
        if new_size == 0 and new_root != EMPTY_ROOT:
            raise ProofError(f"Root of the empty tree is given as {new_root.hex()}, expected {EMPTY_ROOT.hex()}.")
        return
    if old_size == new_size:
        if proof:
            raise ProofError(
                f"Consistency proof between two trees of size {old_size} has {len(proof)} hashes, expected 0."
            )
        if old_root != new_root:
            raise ProofError(
                f"Two trees of the same size {old_size} have different roots, got "
                f"{new_root.hex()}, expected {old_root.hex()}."
            )
        return

    expected = _consistency_proof_length(old_size, new_size)
    if len(proof) != expected:
        raise ProofError(
            f"Consistency proof from size {old_size} to size {new_size} has {len(proof)} hashes, expected {expected}."
        )
    path = [bytes(p) for p in proof]
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one, so the proof omits its
        # root: the verifier already has it.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:  # unreachable after the length check; kept from RFC 9162
            raise ProofError("Consistency proof is longer than the path to the root.")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # unreachable after the length check; kept from RFC 9162
        raise ProofError("Consistency proof is shorter than the path to the root.")
    if fr != old_root:
        raise ProofError(
            f"Consistency proof from size {old_size} to size {new_size} leads to old "
            f"root {fr.hex()}, expected {old_root.hex()}."
        )
    if sr != new_root:
        raise ProofError(
            f"Consistency proof from size {old_size} to size {new_size} leads to new "
            f"root {sr.hex()}, expected {new_root.hex()}."
        )


# ---------------------------------------------------------------------------
# In-memory tree
# ---------------------------------------------------------------------------


class MemoryTree:
    """All perfect nodes of a tree held in memory.

    For tests, offline verification and small exports.
    ``levels[l][i]`` is the perfect node ``(l, i)``.  This is the same data an
    append-only node store keeps, so the proof functions run on it unchanged
    through :meth:`read`.  Memory is about two hashes per leaf.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf hash; O(1) amortised, O(log n) worst case."""
        _check_hash(leaf_hash, f"Leaf hash {self.size}")
        h = bytes(leaf_hash)
        level = 0
        index = len(self._levels[0])
        self._levels[0].append(h)
        while index & 1:
            h = node_hash(self._levels[level][index - 1], h)
            level += 1
            index >>= 1
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(h)

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._levels[0])

    def read(self, level: int, index: int) -> bytes:
        """Return the perfect node ``(level, index)``; a :data:`NodeReader`.

        Raises :class:`ProofError` for a node that does not exist (yet).
        """
        _check_count(level, "Node level")
        _check_count(index, "Node index")
        if level >= len(self._levels) or index >= len(self._levels[level]):
            raise ProofError(f"No perfect node at level {level} index {index} in a tree of size {self.size}.")
        return self._levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        """Return the root at ``size`` leaves (default: now); any earlier size works."""
        if size is None:
            size = self.size
        _check_count(size, "Tree size")
        if size > self.size:
            raise ProofError(f"Tree size {size} is larger than the tree, expected at most {self.size}.")
        return subtree_hash(0, size, self.read)

    def frontier(self) -> list[bytes]:
        """Return the hashes at ``frontier_positions(self.size)``."""
        return [self._levels[level][index] for level, index in frontier_positions(self.size)]

    def nodes(self) -> Iterator[tuple[int, int, bytes]]:
        """Yield every perfect node at level >= 1 as ``(level, index, hash)``.

        Ordered by level, then index.
        """
        for level in range(1, len(self._levels)):
            for index, h in enumerate(self._levels[level]):
                yield level, index, h
