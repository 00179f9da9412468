"""``copro monitor``: follow a served log, and prove it if the log ever rewrites its history.

Why this module exists: a witness checks only tree hashes; a monitor also reads
every entry.  Run by a funder, an auditor or a member's organisation, it fetches
the log's checkpoint and the entry bundles added since its last run (tlog-tiles,
``/log/``), checks each new record's signature against the event key in force at
that leaf (the keyring is in the log itself), appends the new leaves to the
compact range it kept, and checks that the result is the root the new checkpoint
signs.  That is a consistency check needing no hash tiles at all: the monitor
fetches one checkpoint and exactly the entry bundles that hold new leaves, the
minimum tlog-tiles allows.

When the log is not consistent with what the monitor trusted (a smaller tree, the
same size with another root, or new entries that do not lead to the new root),
it builds self-contained evidence: both signed checkpoints and a consistency proof
computed from the log's own served tiles, which fails to verify.  Anyone can check
that evidence with the checkpoint key alone.

State (JSON, kept by the monitor): the trusted checkpoint note, its size and
compact range, and the event and checkpoint key schedules read so far.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log import merkle
from ledger.log.bundle.layout import entries_path, tile_path, unpack_entries, wide_entries_path
from ledger.log.canonical import strict_loads
from ledger.log.errors import ConfigurationError
from ledger.log.key_schedule import KEYRING_ID, decode_key
from ledger.log.keys import event_key_id
from ledger.log.record import BadSignatureError, RecordFormatError, UnknownKeyError, verify_record
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note
from ledger.log.tile_math import TILE_HEIGHT, TILE_WIDTH

__all__ = ["Fetcher", "MonitorResult", "monitor_once"]

Fetcher = Callable[[str], bytes | None]
"""Fetch a path under the log's prefix; None for 404, raise OSError for anything else."""


def http_fetcher(prefix: str, timeout: float = 30.0, token: str | None = None) -> tuple[Fetcher, list[str]]:
    """A fetcher over HTTP(S), and the list of the paths it fetched (for the benchmark and the tests)."""
    fetched: list[str] = []
    base = prefix.rstrip("/") + "/"

    def fetch(path: str) -> bytes | None:
        fetched.append(path)
        headers = {"Accept-Encoding": "identity"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            if e.code == 401:
                raise OSError("the log is open to named auditors only; give your token with --token") from None
            raise OSError(f"{base + path} answered {e.code}") from None

    return fetch, fetched


@dataclass
class MonitorState:
    origin: str = ""
    note: str = ""
    size: int = 0
    frontier: list[bytes] = field(default_factory=list)
    event_keys: list[tuple[int, bytes]] = field(default_factory=list)
    checkpoint_keys: list[tuple[int, bytes]] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> MonitorState | None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            raise ConfigurationError(f"The monitor state {path} cannot be read; restore it or start afresh.") from None
        try:
            return cls(
                str(doc["origin"]),
                str(doc["note"]),
                int(doc["size"]),
                [base64.b64decode(h) for h in doc["frontier"]],
                [(int(s), base64.b64decode(k)) for s, k in doc["event_keys"]],
                [(int(s), base64.b64decode(k)) for s, k in doc["checkpoint_keys"]],
            )
        except (KeyError, TypeError, ValueError):
            raise ConfigurationError(f"The monitor state {path} is not one copro wrote.") from None

    def save(self, path: Path) -> None:
        def b64(b: bytes) -> str:
            return base64.b64encode(b).decode()

        doc = {
            "format": "copro-monitor-state/1",
            "origin": self.origin,
            "note": self.note,
            "size": self.size,
            "frontier": [b64(h) for h in self.frontier],
            "event_keys": [[s, b64(k)] for s, k in self.event_keys],
            "checkpoint_keys": [[s, b64(k)] for s, k in self.checkpoint_keys],
        }
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)


@dataclass(frozen=True)
class MonitorResult:
    """``ok`` and one sentence; with ``evidence`` (text to keep) when the log is inconsistent."""

    ok: bool
    sentence: str
    evidence: str = ""
    new_entries: int = 0


def _in_force(schedule: list[tuple[int, bytes]], leaf: int) -> bytes | None:
    key = None
    for start, k in schedule:
        if start <= leaf:
            key = k
    return key


def _body(note: str) -> str:
    return note[: note.rfind("\n\n") + 1]


class _TileReader:
    """A merkle NodeReader over the served hash tiles of a tree of ``size`` leaves (for evidence only)."""

    def __init__(self, fetch: Fetcher, size: int) -> None:
        self.fetch, self.size = fetch, size
        self.tiles: dict[tuple[int, int], bytes] = {}

    def _hashes(self, level: int, start: int, end: int) -> list[bytes]:
        out: list[bytes] = []
        nodes = self.size >> (TILE_HEIGHT * level)
        for t in range(start // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            if (t, level) not in self.tiles:
                width = min(TILE_WIDTH, nodes - t * TILE_WIDTH)
                data = self.fetch(tile_path(level, t, width))
                if data is None:
                    raise LookupError(f"the log does not serve {tile_path(level, t, width)}")
                self.tiles[(t, level)] = data
            data = self.tiles[(t, level)]
            for i in range(max(start, t * TILE_WIDTH), min(end, (t + 1) * TILE_WIDTH)):
                j = i - t * TILE_WIDTH
                out.append(data[j * 32 : (j + 1) * 32])
        return out

    def read(self, level: int, index: int) -> bytes:
        tile_level, rest = divmod(level, TILE_HEIGHT)
        below = self._hashes(tile_level, index << rest, (index + 1) << rest)
        return below[0] if rest == 0 else merkle.root_hash(below)


def _evidence(fetch: Fetcher, trusted: MonitorState, new_note: str, new: Checkpoint, why: str) -> MonitorResult:
    lines = [
        f"EVIDENCE: the log {trusted.origin} is not consistent with the checkpoint this monitor trusted: {why}",
        "--- trusted checkpoint (signed by the log) ---",
        trusted.note.rstrip("\n"),
        "--- new checkpoint (signed by the log) ---",
        new_note.rstrip("\n"),
    ]
    if 0 < trusted.size < new.size:
        try:
            proof = merkle.consistency_proof(trusted.size, new.size, _TileReader(fetch, new.size).read)
            old_root = merkle.root_from_frontier(trusted.frontier)
            try:
                merkle.verify_consistency(trusted.size, new.size, old_root, new.root_hash, proof)
                verdict = "it verifies, so the log's tiles disagree with its entries"
            except merkle.ProofError as e:
                verdict = f"it does not verify: {e}"
            lines.append(f"--- consistency proof {trusted.size} to {new.size} from the log's own tiles ({verdict}) ---")
            lines += [base64.b64encode(h).decode() for h in proof]
        except (LookupError, OSError) as e:
            lines.append(f"--- no consistency proof: the log would not serve the tiles ({e}) ---")
    return MonitorResult(False, f"The log {trusted.origin} rewrote its history: {why}", "\n".join(lines) + "\n")


def monitor_once(fetch: Fetcher, state_path: Path, trusted_key: NoteVerifier | None) -> MonitorResult:
    """One run: fetch, check, and either move the trusted state forward or return evidence."""
    state = MonitorState.load(state_path)
    if state is None and trusted_key is None:
        raise ConfigurationError(
            "The first run needs the log's checkpoint key: add --key VKEY (its operator prints it with "
            "'copro keys export checkpoint --format c2sp')."
        )
    raw = fetch("checkpoint")
    if raw is None:
        raise ConfigurationError("The log serves no checkpoint at that address; check the URL ends in /log/.")
    try:
        note = raw.decode("utf-8")
        new = Checkpoint.parse(_body(note))
    except (UnicodeDecodeError, NoteError) as e:
        raise ConfigurationError(f"The log's checkpoint cannot be read: {e}") from None
    fresh = state is None
    if state is None:
        state = MonitorState(origin=new.origin)
    if new.origin != state.origin:
        raise ConfigurationError(f"The checkpoint is for {new.origin!r}, but this monitor follows {state.origin!r}.")
    if trusted_key is not None and trusted_key.name != new.origin:
        raise ConfigurationError(f"The key given is named {trusted_key.name!r}, not the log's origin {new.origin!r}.")
    if new.size < state.size:
        return _evidence(fetch, state, note, new, f"its tree shrank from {state.size} to {new.size} leaves")
    if new.size == state.size:
        if not fresh and new.root_hash != merkle.root_from_frontier(state.frontier):
            return _evidence(fetch, state, note, new, f"the same size {new.size} now has another root hash")
        return MonitorResult(True, f"No new entries: {new.origin} still has {new.size} (checked).")

    work = MonitorState(
        state.origin, state.note, state.size, list(state.frontier), list(state.event_keys), list(state.checkpoint_keys)
    )
    leaf = state.size
    while leaf < new.size:
        bundle_index = leaf // TILE_WIDTH
        width = min(TILE_WIDTH, new.size - bundle_index * TILE_WIDTH)
        data = fetch(entries_path(bundle_index, width))
        wide = False
        if data is None:
            data, wide = fetch(wide_entries_path(bundle_index, width)), True
        if data is None:
            raise ConfigurationError(f"The log does not serve the entries of {entries_path(bundle_index, width)}.")
        entries = unpack_entries(data, wide=wide)
        if len(entries) != width:
            return _evidence(
                fetch, state, note, new, f"the entry bundle at {bundle_index} holds {len(entries)} entries, not {width}"
            )
        for offset in range(leaf - bundle_index * TILE_WIDTH, width):
            record = entries[offset]
            problem = _check_entry(work, leaf, record, trusted_key if fresh and leaf == 0 else None)
            if problem is not None:
                return _evidence(fetch, state, note, new, f"entry {leaf} {problem}")
            work.frontier, _ = merkle.append_leaves(leaf, work.frontier, [merkle.leaf_hash(record)])
            leaf += 1
    if merkle.root_from_frontier(work.frontier) != new.root_hash:
        return _evidence(fetch, state, note, new, f"its entries up to {new.size} do not hash to the signed root")
    key = _in_force(work.checkpoint_keys, new.size)  # rotations inside the covered leaves have taken effect
    if key is None:
        raise ConfigurationError("The log names no checkpoint key; it is not a copro log.")
    try:
        open_note(note, [NoteVerifier.parse(_vkey(new.origin, key))])
    except NoteError as e:
        return _evidence(fetch, state, note, new, f"its checkpoint is not signed by the key in force ({e})")
    work.note, work.size = note, new.size
    work.save(state_path)
    added = new.size - state.size
    return MonitorResult(
        True, f"OK: {new.origin}: {added} new entries checked; trusted size is now {new.size}.", new_entries=added
    )


def _vkey(origin: str, key: bytes) -> str:
    from ledger.log.signed_note import verifier_key

    return verifier_key(origin, Ed25519PublicKey.from_public_bytes(key))


def _check_entry(state: MonitorState, leaf: int, record: bytes, anchor: NoteVerifier | None) -> str | None:
    """Check one entry's signature (and follow the keyring); a phrase saying what is wrong, or None."""
    from ledger.log.record import parse_record

    try:
        parsed = parse_record(record)
    except RecordFormatError as e:
        return f"is not a copro record ({e})"
    if leaf == 0:
        if parsed.originator_id != KEYRING_ID or parsed.version != 1:
            return "is not the keyring, so no key can be trusted"
        try:
            body = strict_loads(parsed.payload)
            event_key, checkpoint_key = decode_key(body["event_key"]), decode_key(body["checkpoint_key"])
        except (KeyError, TypeError, ValueError):
            return "is a keyring that names no keys"
        if anchor is not None and anchor.public_key.public_bytes_raw() != checkpoint_key:
            return "names a checkpoint key other than the one this monitor was given"
        state.event_keys, state.checkpoint_keys = [(0, event_key)], [(0, checkpoint_key)]
    key = _in_force(state.event_keys, leaf)
    if key is None:
        return "comes before any event key"
    try:
        verify_record(record, {event_key_id(key): Ed25519PublicKey.from_public_bytes(key)})
    except UnknownKeyError:
        return "is signed by a key that was not in force"
    except BadSignatureError:
        return "has a signature that does not verify"
    except RecordFormatError as e:
        return f"is not a copro record ({e})"
    if leaf > 0 and parsed.originator_id == KEYRING_ID:
        try:
            body = strict_loads(parsed.payload)
            rotated = decode_key(body.get("public_key", ""))
        except (TypeError, ValueError, AttributeError):
            return None
        if body.get("purpose") == "event":
            state.event_keys.append((leaf + 1, rotated))
        elif body.get("purpose") == "checkpoint":
            state.checkpoint_keys.append((leaf + 1, rotated))
    return None
