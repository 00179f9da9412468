"""A C2SP tlog-witness: checks each new checkpoint against the last it saw, then cosigns.

Why this module exists: a partner organisation (a funder, a university, a
community group) can run a witness for a collective's log.  It keeps one small
fact per log, the latest checkpoint it cosigned, and cosigns a new checkpoint only
if a consistency proof shows that the new tree extends that one.  A log that
rewrites history then cannot get cosignatures for its new story, and verifiers
that require a quorum of cosignatures (``copro verify --policy``) will notice.

The protocol is tlog-witness v1.0.0 ``add-checkpoint``; every status code the
specification names is returned here, with one plain sentence as the body:
400 malformed request or old size larger than the checkpoint, 403 no signature by
a trusted key of that log, 404 unknown origin, 409 old size that is not the size
last cosigned (body: that size, ``text/x.tlog.size``) or same size with another
root, 422 consistency proof that does not verify.  Checking the stored size and
storing the new checkpoint happen in one SQLite ``BEGIN IMMEDIATE`` transaction, so
two concurrent requests cannot roll the stored state back; the state is on disk
before the answer is sent.  Requests that are correctly signed by a known log but
inconsistent are kept as evidence.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.log.cosignature import Cosigner
from ledger.log.merkle import ProofError, verify_consistency
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, UnverifiedNoteError, open_note

__all__ = ["MAX_BODY", "WitnessAnswer", "WitnessState"]

MAX_BODY = 64 * 1024
"""Largest add-checkpoint request body accepted (a checkpoint and 63 proof lines fit many times)."""
MAX_PROOF_LINES = 63
SIZE_TYPE = "text/x.tlog.size"
TEXT_TYPE = "text/plain; charset=utf-8"
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    cosigned_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class WitnessAnswer:
    """What the HTTP layer sends back: a status, a content type and the body."""

    status: int
    content_type: str
    body: str


def _refuse(status: int, sentence: str) -> WitnessAnswer:
    return WitnessAnswer(status, TEXT_TYPE, sentence + "\n")


class WitnessState:
    """The witness's memory (one SQLite file) and its decision on each add-checkpoint request."""

    def __init__(self, path: Path, cosigner: Cosigner, logs: Sequence[NoteVerifier]) -> None:
        self.path = path
        self.cosigner = cosigner
        self.logs: dict[str, list[NoteVerifier]] = {}
        for verifier in logs:
            self.logs.setdefault(verifier.name, []).append(verifier)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def latest(self, origin: str) -> tuple[int, bytes, str] | None:
        """The size, root and note of the latest checkpoint cosigned for ``origin``, if any."""
        db = self._connect()
        try:
            row = db.execute("SELECT size, root, checkpoint FROM latest WHERE origin = ?", (origin,)).fetchone()
        finally:
            db.close()
        return None if row is None else (int(row[0]), bytes(row[1]), str(row[2]))

    def evidence(self) -> list[tuple[str, int, str]]:
        """The refused but correctly signed requests kept as evidence: origin, status, reason."""
        db = self._connect()
        try:
            rows = db.execute("SELECT origin, status, reason FROM evidence ORDER BY id").fetchall()
        finally:
            db.close()
        return [(str(r[0]), int(r[1]), str(r[2])) for r in rows]

    def add_checkpoint(self, body: bytes, now: int) -> WitnessAnswer:
        """Decide one add-checkpoint request (tlog-witness v1.0.0) at POSIX time ``now``."""
        if len(body) > MAX_BODY:
            return _refuse(400, f"The request is larger than {MAX_BODY} bytes; send one checkpoint and its proof.")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return _refuse(400, "The request is not valid UTF-8 text.")
        head, sep, note = text.partition("\n\n")
        if not sep:
            return _refuse(400, "The request has no empty line between the proof and the checkpoint.")
        lines = head.split("\n")
        match = _OLD.fullmatch(lines[0])
        if match is None:
            return _refuse(400, "The first line must be 'old' and the previous tree size, with no leading zeros.")
        old_size = int(match.group(1))
        proof_lines = lines[1:]
        if len(proof_lines) > MAX_PROOF_LINES:
            return _refuse(400, f"The consistency proof has {len(proof_lines)} lines, but at most 63 are allowed.")
        proof: list[bytes] = []
        for number, line in enumerate(proof_lines, start=2):
            try:
                value = base64.b64decode(line.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                value = b""
            if len(value) != 32:
                return _refuse(400, f"Line {number} of the request is not a base64-encoded 32-byte hash.")
            proof.append(value)
        split = note.rfind("\n\n")
        try:
            checkpoint = Checkpoint.parse(note[: split + 1] if split >= 0 else note)
        except NoteError as e:
            return _refuse(400, f"The checkpoint cannot be read: {e}")
        verifiers = self.logs.get(checkpoint.origin)
        if not verifiers:
            return _refuse(404, f"This witness does not follow a log named {checkpoint.origin!r}.")
        try:
            opened = open_note(note, verifiers)
        except UnverifiedNoteError:
            return _refuse(403, "The checkpoint carries no signature by a key this witness trusts for that log.")
        except NoteError as e:
            return _refuse(403, f"The checkpoint's signature is not valid: {e}")
        if old_size > checkpoint.size:
            return _refuse(400, f"The old size {old_size} is larger than the checkpoint's size {checkpoint.size}.")
        return self._decide(checkpoint, opened.text, note, old_size, proof, text, now)

    def _decide(
        self, checkpoint: Checkpoint, body: str, note: str, old_size: int, proof: list[bytes], request: str, now: int
    ) -> WitnessAnswer:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT size, root FROM latest WHERE origin = ?", (checkpoint.origin,)).fetchone()
            stored_size, stored_root = (0, None) if row is None else (int(row[0]), bytes(row[1]))
            if old_size != stored_size:
                db.execute("ROLLBACK")
                return WitnessAnswer(409, SIZE_TYPE, f"{stored_size}\n")
            problem: tuple[int, str] | None = None
            if stored_root is not None and old_size == checkpoint.size and stored_root != checkpoint.root_hash:
                problem = (409, "This checkpoint has the size last cosigned but another root hash: history differs.")
            elif stored_root is None or old_size == 0:
                if proof:
                    problem = (422, "A consistency proof from size 0 must be empty.")
            else:
                try:
                    verify_consistency(old_size, checkpoint.size, stored_root, checkpoint.root_hash, proof)
                except ProofError as e:
                    problem = (422, f"The consistency proof does not verify: {e}")
            if problem is not None:
                db.execute(
                    "INSERT INTO evidence (origin, received_at, status, reason, request) VALUES (?, ?, ?, ?, ?)",
                    (checkpoint.origin, now, problem[0], problem[1], request),
                )
                db.execute("COMMIT")
                return _refuse(*problem)
            db.execute(
                "INSERT INTO latest (origin, size, root, checkpoint, cosigned_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "checkpoint = excluded.checkpoint, cosigned_at = excluded.cosigned_at",
                (checkpoint.origin, checkpoint.size, checkpoint.root_hash, note, now),
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return WitnessAnswer(200, TEXT_TYPE, self.cosigner.cosign(body, now))
