"""Consistency proofs as an auditor receives them: one JSON object, the same from the CLI and the web.

An auditor who kept an old checkpoint asks for a proof that today's log extends it
with nothing before it rewritten (RFC 9162 section 2.1.4). The proof is served
from the tree tiles, so it costs O(log n) reads whatever the size of the log, and
it is checked offline with any RFC 9162 verifier (docs/FORMAT.md section 3).
"""

from __future__ import annotations

import base64
from typing import Any

from ledger.log.storage.log_reader import MerkleLogMixin


class ProofRangeError(ValueError):
    """The sizes asked for do not name two trees of this log; the message says what to give instead.

    ``status`` is the HTTP answer that fits: 400 for sizes that can never work,
    404 for a tree the log has not grown to yet.
    """

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def check_consistency_range(old_size: int, new_size: int, log_size: int) -> None:
    """Raise :class:`ProofRangeError` unless 0 < old_size <= new_size <= log_size.

    Checked before anything touches the database, so no size, however large,
    reaches SQL (SQLite's integers stop at 2^63 - 1).
    """
    if old_size < 1:
        raise ProofRangeError(
            f"The old tree size must be 1 or more, got {old_size}: every log extends the empty tree, "
            "so there is nothing to prove.",
            400,
        )
    if old_size > new_size:
        raise ProofRangeError(
            f"The old tree size {old_size} is larger than the new tree size {new_size}; "
            "give the older, smaller size first.",
            400,
        )
    if new_size > log_size:
        raise ProofRangeError(
            f"The log holds {log_size} events, so it has no tree of size {new_size} yet; "
            f"give a new tree size of at most {log_size}.",
            404,
        )


def consistency_bundle(log: MerkleLogMixin, origin: str, old_size: int, new_size: int) -> dict[str, Any]:
    """The consistency proof from ``old_size`` to ``new_size`` with both roots, as docs/FORMAT.md gives it.

    Raises :class:`ProofRangeError` for sizes out of range, and LookupError when
    the events under a needed node are gone (a damaged log: ``copro verify`` says where).
    """
    check_consistency_range(old_size, new_size, log.log_size())
    return {
        "origin": origin,
        "old_size": old_size,
        "new_size": new_size,
        "old_root_hash": _b64(log.root(old_size)),
        "new_root_hash": _b64(log.root(new_size)),
        "consistency_path": [_b64(h) for h in log.consistency_proof(old_size, new_size)],
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
