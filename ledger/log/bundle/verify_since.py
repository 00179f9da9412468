"""Incremental bundle verification: only what is new since a checkpoint you already trust.

``copro verify --bundle PATH --since CHECKPOINT`` (or ``--state FILE``, which keeps the
last verified checkpoint like the Go checksum database's ``latest``) checks:

* the bundle's checkpoint is signed by the checkpoint key in force (V5.A), for the same
  origin (V1.D);
* an RFC 6962 consistency proof from the trusted checkpoint to it, computed from the
  bundle's own tiles, verifies (V5.B): the trusted history is a prefix of the new one;
* every entry after the trusted size: its signature and key in force (V4), its leaf hash
  at its place in the level-0 tile (V3.B), every upper-tile node above the new leaves
  recomputed from the tile below (V3.C), the new root equal to the signed one (V3.D),
  sealed values at their places (V6.C), versions in order (V6.A).

Versions need each touched aggregate's last version before the trusted checkpoint:
the state file keeps that map (aggregate id to last version, one number per aggregate),
written by the run that verified up to its checkpoint. With ``--since`` alone, V6.A
checks the new entries among themselves only, and says so. The governance replay (V6.B,
V7.B) needs the whole state and is not run incrementally. The cost is the new entries
plus O(log n) tiles per level, not the log.

On a failed consistency proof every verifier prints the same self-contained evidence:
both signed checkpoints (note text) and the proof hashes, so the report stands without
the server (``Evidence``).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log import checks, merkle, signed_note
from ledger.log.bundle.layout import tile_path
from ledger.log.bundle.reader import Bundle, BundleError, BundleKey, open_bundle
from ledger.log.bundle.verify import BundleReport, BundleRow, Replay, _check_policies, _row, verify_bundle
from ledger.log.checks import Problem
from ledger.log.errors import ConfigurationError
from ledger.log.key_schedule import KEYRING_ID, KeySchedule
from ledger.log.keys import event_key_id
from ledger.log.record import HEADER_SIZE
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note
from ledger.log.tile_math import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH

STATE_FORMAT = "copro-verify-state/1"


@dataclass(frozen=True)
class Trusted:
    """What a verifier already trusts: a checkpoint (signed note) and, from a state file, aggregates' last versions."""

    note: str
    checkpoint: Checkpoint
    versions: dict[UUID, int] | None


def parse_checkpoint(note: str, where: str) -> Checkpoint:
    try:
        return Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    except (NoteError, ValueError) as e:
        raise ConfigurationError(f"{where} is not a signed checkpoint: {e}") from None


def read_text(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "it is not UTF-8 text"
        raise ConfigurationError(f"Cannot read the {what} {path}: {reason}.") from None


def load_state(path: str) -> Trusted | None:
    """The state file's trusted checkpoint and versions; None if the file does not exist yet (a first run)."""
    if not os.path.exists(path):
        return None
    text = read_text(path, "state file")
    try:
        doc = json.loads(text)
        if doc.get("format") != STATE_FORMAT:
            raise ValueError(f"its format is {doc.get('format')!r}, not {STATE_FORMAT}")
        note = str(doc["checkpoint"])
        versions = {UUID(k): int(v) for k, v in doc["versions"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ConfigurationError(
            f"The state file {path} is not one 'copro verify --state' wrote ({e}); delete it to verify in full again."
        ) from None
    return Trusted(note, parse_checkpoint(note, f"The state file {path}'s checkpoint"), versions)


def save_state(path: str, note: str, versions: dict[UUID, int]) -> None:
    """Write the state atomically: a crash leaves the old state, never half a file."""
    doc = {"format": STATE_FORMAT, "checkpoint": note, "versions": {str(k): v for k, v in sorted(versions.items())}}
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# -- nodes of the tree, read from the bundle's tiles ------------------------------


class TileNodes:
    """``merkle.NodeReader`` over a bundle's tiles: node (level, index) of a tree of ``size`` leaves.

    A node at a tile level (a multiple of 8) is one hash of one tile; a node between
    tile levels is hashed from the tile below it (at most 128 hashes). Tiles are read
    once each and checked against the manifest by the reader.
    """

    def __init__(self, bundle: Bundle, size: int) -> None:
        self.bundle, self.size = bundle, size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def tile(self, level: int, index: int) -> list[bytes]:
        key = (level, index)
        if key not in self._tiles:
            nodes = self.size >> (TILE_HEIGHT * level)
            width = min(TILE_WIDTH, nodes - index * TILE_WIDTH)
            if width <= 0:
                raise merkle.ProofError(f"the tree of {self.size} leaves has no tile {tile_path(level, index)}")
            blob = self.bundle.tile(level, index, width)
            self._tiles[key] = [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
        return self._tiles[key]

    def read(self, level: int, index: int) -> bytes:
        tile_level, height = divmod(level, TILE_HEIGHT)
        first = index << height
        hashes = self.tile(tile_level, first // TILE_WIDTH)
        at = first % TILE_WIDTH
        span = hashes[at : at + (1 << height)]
        if len(span) != 1 << height:
            raise merkle.ProofError(f"node {index} at level {level} is not complete in a tree of {self.size} leaves")
        return span[0] if height == 0 else merkle.root_hash(span)


# -- evidence ---------------------------------------------------------------------


@dataclass
class Evidence:
    """Self-contained proof of a fork or an inconsistency: both signed checkpoints and the proof, as text."""

    old_note: str
    new_note: str
    old_size: int
    new_size: int
    proof: list[bytes]
    reason: str

    def text(self) -> str:
        proof = "\n".join(base64.b64encode(h).decode() for h in self.proof) or "(none could be computed)"
        return (
            f"EVIDENCE: {self.reason}\n"
            f"--- the trusted checkpoint (size {self.old_size}) ---\n{self.old_note.rstrip()}\n"
            f"--- the new checkpoint (size {self.new_size}) ---\n{self.new_note.rstrip()}\n"
            f"--- the consistency proof from {self.old_size} to {self.new_size} (RFC 6962, base64, "
            f"computed from the new bundle's tiles) ---\n{proof}\n"
            "--- end of evidence: anyone can check it with the two notes' keys and RFC 6962 ---"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "old_checkpoint": self.old_note,
            "new_checkpoint": self.new_note,
            "old_size": self.old_size,
            "new_size": self.new_size,
            "proof": [base64.b64encode(h).decode() for h in self.proof],
        }


@dataclass
class IncrementalReport(BundleReport):
    """A bundle report over the new entries only, with the evidence of an inconsistency if there is one."""

    evidence: list[Evidence] = field(default_factory=list)
    new_leaves: int = 0
    versions: dict[UUID, int] = field(default_factory=dict)
    latest_note: str = ""

    def text(self) -> str:
        body = super().text()
        return "\n".join([body, *(e.text() for e in self.evidence)])

    def as_json(self) -> dict[str, Any]:
        doc = super().as_json()
        doc["new_leaves"] = self.new_leaves
        doc["evidence"] = [e.as_json() for e in self.evidence]
        return doc


# -- keys -------------------------------------------------------------------------


def _schedules(keys: Sequence[BundleKey]) -> tuple[KeySchedule, KeySchedule]:
    event, checkpoint = KeySchedule(), KeySchedule()
    for k in sorted(keys, key=lambda k: k.first_leaf):
        if k.purpose == "event":
            event.add(k.first_leaf, k.public_key)
        elif k.purpose == "checkpoint":
            checkpoint.add(k.first_leaf, k.public_key)
    return event, checkpoint


def _verifier(origin: str, key: bytes | None) -> list[NoteVerifier]:
    if key is None:
        return []
    return [NoteVerifier(origin, signed_note.key_id(origin, key), Ed25519PublicKey.from_public_bytes(key))]


def _signed(note: str, origin: str, schedule: KeySchedule, size: int) -> str | None:
    """None if ``note`` verifies with the checkpoint key in force at ``size``, else why not."""
    try:
        open_note(note, _verifier(origin, schedule.at(size)))
    except NoteError as e:
        return str(e)
    return None


# -- the incremental check --------------------------------------------------------


def verify_since(bundle: Bundle, trusted: Trusted, *, workers: int | None = None) -> IncrementalReport:
    """Verify only the entries after ``trusted`` and the consistency proof from it (module docstring)."""
    report = IncrementalReport(bundle.where)
    report.origin = origin = bundle.manifest.origin
    old, size = trusted.checkpoint.size, bundle.manifest.tree_size
    report.mark("not run", ["V1.C", "V2.A", "V2.B", "V6.B", "V7.B"])  # whole-log checks (see VERIFYING.md)
    report.results["V1.C"].status = "pass"  # the reader refuses a stray file on opening, whatever the mode
    if trusted.checkpoint.origin != origin:
        raise ConfigurationError(
            f"The trusted checkpoint is for origin {trusted.checkpoint.origin!r}, not this bundle's {origin!r}; "
            "check that you have the right bundle and checkpoint."
        )
    try:
        event_keys, checkpoint_keys = _schedules(bundle.key_history())
        new_note = bundle.checkpoint
    except BundleError as e:
        report.fail("V1.B", Problem(None, None, None, str(e), "V1.B"))
        return report
    problem = _signed(trusted.note, origin, checkpoint_keys, old)
    if problem is not None:
        report.fail("V5.A", Problem(None, None, None, f"the trusted checkpoint does not verify: {problem}", "V5.A"))
        return report
    new_cp = parse_checkpoint(new_note, f"{bundle.where}: the bundle's checkpoint")
    if new_cp.origin != origin:
        report.fail("V1.D", Problem(None, None, None, f"the bundle's checkpoint is for {new_cp.origin!r}", "V1.D"))
        return report
    problem = _signed(new_note, origin, checkpoint_keys, new_cp.size)
    if problem is not None:
        report.fail("V5.A", Problem(None, None, None, f"the bundle's checkpoint does not verify: {problem}", "V5.A"))
        return report
    report.checkpoints, report.latest_note = 2, new_note
    if old > new_cp.size:
        reason = f"the bundle's checkpoint (size {new_cp.size}) is older than the trusted one (size {old})"
        report.fail("V5.B", Problem(new_cp.size, None, None, reason + ": the log was rolled back", "V5.B"))
        report.evidence.append(Evidence(trusted.note, new_note, old, new_cp.size, [], reason))
        return report
    nodes = TileNodes(bundle, size)
    proof: list[bytes] = []
    try:
        proof = merkle.consistency_proof(old, new_cp.size, nodes.read)
        merkle.verify_consistency(old, new_cp.size, trusted.checkpoint.root_hash, new_cp.root_hash, proof)
        if merkle.subtree_hash(0, new_cp.size, nodes.read) != new_cp.root_hash:
            raise merkle.ProofError("the bundle's tiles do not hash to the root its checkpoint signs")
    except (merkle.ProofError, BundleError) as e:
        reason = f"the trusted checkpoint is not a prefix of the bundle's: {e}"
        report.fail("V5.B", Problem(old, None, None, reason, "V5.B"))
        report.evidence.append(Evidence(trusted.note, new_note, old, new_cp.size, proof, reason))
        return report
    _check_later_checkpoints(bundle, report, old, new_cp.size, checkpoint_keys, nodes)
    _check_new_entries(bundle, report, trusted, old, size, event_keys, nodes, workers, new_cp.size)
    _check_policies(bundle, report)
    report.leaves = size
    return report


def _check_later_checkpoints(
    bundle: Bundle, report: IncrementalReport, old: int, new: int, keys: KeySchedule, nodes: TileNodes
) -> None:
    """Every stored checkpoint from the trusted size on: this origin (V1.D), signed (V5.A), on the tree (V3.D)."""
    origin = report.origin
    try:
        stored = [(s, note) for s, note in bundle.checkpoints() if old <= s <= new]
    except BundleError as e:
        report.fail("V1.B", Problem(None, None, None, str(e), "V1.B"))
        return
    for size, note in stored:
        label = f"stored checkpoint for size {size}"
        try:
            cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
        except (NoteError, ValueError) as e:
            report.fail("V5.A", Problem(None, None, None, f"the {label} is not a valid checkpoint: {e}", "V5.A"))
            continue
        if cp.origin != origin or cp.size != size:
            reason = f"the {label} is for origin {cp.origin!r} and size {cp.size}, not {origin!r} and {size}"
            report.fail("V1.D", Problem(None, None, None, reason, "V1.D"))
            continue
        problem = _signed(note, origin, keys, size)
        if problem is not None:
            report.fail("V5.A", Problem(None, None, None, f"the {label} does not verify: {problem}", "V5.A"))
            continue
        if merkle.subtree_hash(0, size, nodes.read) != cp.root_hash:
            reason = f"the bundle's tiles do not hash to the root signed in the {label}"
            report.fail("V3.D", Problem(None, None, None, reason, "V3.D"))
        report.checkpoints += 1


def _new_rows(bundle: Bundle, old: int, size: int, report: BundleReport) -> Iterator[Sequence[BundleRow]]:
    for index in range(old // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
        first = index * TILE_WIDTH
        try:
            records = bundle.entry_bundle(index, min(TILE_WIDTH, size - first))
        except BundleError as e:
            report.fail("V3.A", Problem(first, None, None, str(e), "V3.A"))
            return
        yield [_row(first + i, r) for i, r in enumerate(records) if first + i >= old]


def _check_new_entries(
    bundle: Bundle,
    report: IncrementalReport,
    trusted: Trusted,
    old: int,
    size: int,
    event_keys: KeySchedule,
    nodes: TileNodes,
    workers: int | None,
    until: int,
) -> None:
    """Signatures, keys in force, leaf hashes, versions and sealed places of leaves ``old`` to ``size - 1``."""
    versions = dict(trusted.versions or {})
    known = trusted.versions is not None
    raw = {event_key_id(k): k for k in event_keys.all()}
    schedule = KeySchedule([0], [event_keys.at(old) or b""])  # the key in force at the trusted size
    keys = checks.Keys(report.origin, schedule, KeySchedule())
    at_checkpoint = dict(versions)  # what the next run trusts: versions of leaves under the new checkpoint only
    for batch, results in checks._results(_new_rows(bundle, old, size, report), size - old, workers or 1, raw):
        for row, (index, recomputed, key_id, problem) in zip(batch, results, strict=True):
            where = (index, row.originator_id, row.originator_version)
            previous = versions.get(row.originator_id)
            versions[row.originator_id] = row.originator_version
            if index < until:
                at_checkpoint[row.originator_id] = row.originator_version
            if problem is not None:
                report.fail(checks._check_of(problem), Problem(*where, problem, checks._check_of(problem)))
                continue
            if key_id != event_key_id(schedule.at(index) or b""):
                reason = (
                    f"it is signed with event key {(key_id or b'').hex()}, but another key was in force at this leaf"
                )
                report.fail("V4.B", Problem(*where, reason, "V4.B"))
            expected = (previous or 0) + 1 if (known or previous is not None) else row.originator_version
            if row.originator_version != expected:
                reason = checks.out_of_order(row.originator_version, previous or 0)
                report.fail("V6.A", Problem(*where, reason, "V6.A"))
            try:
                stored = nodes.read(0, index)
            except (merkle.ProofError, BundleError) as e:
                report.fail("V3.B", Problem(*where, str(e), "V3.B"))
                continue
            if stored != recomputed:
                reason = "the level-0 tile holds another hash at this position: the entry or the tile was changed"
                report.fail("V3.B", Problem(*where, reason, "V3.B"))
            if row.originator_id == KEYRING_ID:
                checks.keyring_rotation(keys, index, row.state[HEADER_SIZE:])
        report.new_leaves += len(batch)
    if report.new_leaves != size - old and report.results["V3.A"].status == "pass":
        report.fail("V3.A", Problem(old + report.new_leaves, None, None, "entries are missing", "V3.A"))
    _check_upper_nodes(report, nodes, old, size)
    if not known:
        report.results["V6.A"].title += " (among the new entries only: no state file gave earlier versions)"
    report.versions = at_checkpoint


def _check_upper_nodes(report: BundleReport, nodes: TileNodes, old: int, size: int) -> None:
    """Every upper-tile node over the new leaves equals the hash of the 256 nodes of the tile below it."""
    level = 1
    while size >> (TILE_HEIGHT * level):
        shift = TILE_HEIGHT * level
        for j in range(old >> shift, size >> shift):
            try:
                below = nodes.tile(level - 1, j)
                stored = nodes.read(shift, j)
            except (merkle.ProofError, BundleError) as e:
                report.fail("V3.C", Problem(j << shift, None, None, str(e), "V3.C"))
                return
            if merkle.root_hash(below) != stored:
                first = j << shift
                last = first + (1 << shift) - 1
                reason = f"the tree tile at level {level} does not match the leaves from {first} to {last}"
                report.fail("V3.C", Problem(first, None, None, reason, "V3.C"))
                return
        level += 1


# -- the command line's entry points ----------------------------------------------


def _print(report: BundleReport, as_json: bool) -> int:
    print(json.dumps(report.as_json(), indent=2) if as_json else report.text())
    return 0 if report.ok else 1


def run_incremental(
    path: str,
    *,
    since: str | None,
    state: str | None,
    as_json: bool,
    workers: int | None = None,
    replay: Replay | None = None,
) -> int:
    """``--since`` / ``--state``: verify what is new since the trusted checkpoint; a first ``--state`` run is full.

    The state file is written only when every check passed, so a failed run never
    moves what the next run trusts.
    """
    trusted = load_state(state) if state is not None else None
    if since is not None:
        note = read_text(since, "checkpoint file")
        cp = parse_checkpoint(note, f"The checkpoint file {since}")
        trusted = Trusted(note, cp, trusted.versions if trusted is not None else None)
    if trusted is None:  # a first run with --state: verify in full, then remember
        seen: dict[UUID, int] = {}
        report: BundleReport = verify_bundle(path, workers=workers, replay=replay, seen=seen)
        if report.ok and state is not None:
            with open_bundle(path) as bundle:
                save_state(state, bundle.checkpoint, seen)
        return _print(report, as_json)
    with open_bundle(path) as bundle:
        incremental = verify_since(bundle, trusted, workers=workers)
    if incremental.ok and state is not None:
        save_state(state, incremental.latest_note, incremental.versions)
    return _print(incremental, as_json)


def verify_update(old_path: str, new_path: str, *, workers: int | None = None) -> IncrementalReport:
    """``copro verify-update OLD NEW``: NEW extends OLD (same origin, OLD's checkpoints and entries a prefix of
    NEW's, every consistency proof verifies), and NEW's new entries verify."""
    with open_bundle(old_path) as old, open_bundle(new_path) as new:
        if old.manifest.origin != new.manifest.origin:
            report = IncrementalReport(new.where)
            reason = f"OLD is for origin {old.manifest.origin!r} and NEW for {new.manifest.origin!r}"
            report.fail("V1.D", Problem(None, None, None, reason, "V1.D"))
            report.evidence.append(
                Evidence(
                    old.checkpoint,
                    new.checkpoint,
                    old.manifest.checkpoint_size,
                    new.manifest.checkpoint_size,
                    [],
                    reason,
                )
            )
            return report
        trusted_note = old.checkpoint
        trusted = Trusted(trusted_note, parse_checkpoint(trusted_note, f"{old.where}: its checkpoint"), None)
        report = verify_since(new, trusted, workers=workers)
        if not report.ok:
            return report
        _check_prefix(old, new, report)
        return report


def _check_prefix(old: Bundle, new: Bundle, report: IncrementalReport) -> None:
    """OLD's every checkpoint is consistent with NEW's, and OLD's entries hash to NEW's leaves, in order."""
    new_note = new.checkpoint
    new_cp = parse_checkpoint(new_note, f"{new.where}: its checkpoint")
    nodes = TileNodes(new, new.manifest.tree_size)
    for size, note in old.checkpoints():
        cp = parse_checkpoint(note, f"{old.where}: its checkpoint for size {size}")
        proof: list[bytes] = []
        try:
            proof = merkle.consistency_proof(cp.size, new_cp.size, nodes.read)
            merkle.verify_consistency(cp.size, new_cp.size, cp.root_hash, new_cp.root_hash, proof)
        except (merkle.ProofError, BundleError) as e:
            reason = f"OLD's checkpoint of size {cp.size} is not a prefix of NEW's (size {new_cp.size}): {e}"
            report.fail("V5.B", Problem(cp.size, None, None, reason, "V5.B"))
            report.evidence.append(Evidence(note, new_note, cp.size, new_cp.size, proof, reason))
            return
    try:
        for leaf, record in enumerate(old.entries()):
            if leaf >= new.manifest.tree_size or merkle.leaf_hash(record) != nodes.read(0, leaf):
                reason = f"OLD's entry at leaf {leaf} is not NEW's: the history was rewritten there"
                report.fail("V3.B", Problem(leaf, None, None, reason, "V3.B"))
                report.evidence.append(
                    Evidence(old.checkpoint, new_note, old.manifest.checkpoint_size, new_cp.size, [], reason)
                )
                return
    except BundleError as e:
        report.fail("V1.B", Problem(None, None, None, str(e), "V1.B"))


def run_update(old_path: str, new_path: str, *, as_json: bool, workers: int | None = None) -> int:
    return _print(verify_update(old_path, new_path, workers=workers), as_json)
