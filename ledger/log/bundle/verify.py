"""``copro verify --bundle``: verify an exported bundle with numbered checks, trusting nothing in it.

The bundle is read by the pure reader (``ledger.log.bundle.reader``) and checked by
the one engine ``copro verify`` uses (``ledger.log.checks``), so an auditor with only
Python and ``cryptography`` runs exactly the checks the server's operator runs::

    python -m ledger.governance.audit BUNDLE [--json]

(that entry point plugs in the governance replay, which the log may not import).

Each check has a stable id (``V1.A`` ...) and prints one line, pass or fail, then a
summary; docs/VERIFYING.md says what each proves and what is not checked. Exit 0:
sound; 1: an integrity failure, naming the first bad leaf, aggregate and version the
evidence allows; 2: not a bundle, an unknown format, an unreadable path.

Pure: the standard library, ``cryptography`` and the verifier core (import contract
``verifier-core``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast
from uuid import UUID

from ledger.log import checks
from ledger.log.bundle.fast import Fast, fast_check
from ledger.log.bundle.layout import BUNDLE_FORMAT, CHECKPOINT, POLICIES_DIR, tile_path, tiles_for_size
from ledger.log.bundle.reader import Bundle, BundleError, NotABundleError, open_bundle
from ledger.log.checks import Problem
from ledger.log.errors import CoproError
from ledger.log.record import HEADER_SIZE, RecordFormatError, parse_record
from ledger.log.tile_math import TILE_WIDTH
from policies import parse_policy
from policies.canonical import policy_hash as rules_hash
from policies.errors import PolicyError

OUTCOME_TOPIC = "copro/1/Proposal.Closed"  # the vocabulary name (FORMAT.md) of the events that record an outcome

#: Every check, in the order it is reported: (id, what passing it means).
CATALOGUE: tuple[tuple[str, str], ...] = (
    ("V1.A", f"the manifest names a known format ({BUNDLE_FORMAT})"),
    ("V1.B", "every file the manifest lists is present, of its size and SHA-256"),
    ("V1.C", "the bundle holds no file its manifest does not list"),
    ("V1.D", "the manifest, key list, keyring and every checkpoint name one origin"),
    ("V2.A", "the log starts with the ledger's keyring, which names its keys"),
    ("V2.B", "the bundle's key list agrees with the keyring events, key by key and leaf range by leaf range"),
    ("V3.A", "every entry bundle parses, holds as many entries as its tile covers, and no leaf is missing"),
    ("V3.B", "every leaf hash equals its place in the level-0 tiles"),
    ("V3.C", "every tile above level 0 holds the nodes recomputed from the leaves"),
    ("V3.D", "the recomputed tree's root equals every checkpoint's root"),
    ("V4.A", "every record's signature verifies with a key of the ledger"),
    ("V4.B", "every record is signed by the event key in force at its leaf, none outside its range"),
    ("V5.A", "every checkpoint is signed by the checkpoint key in force at its size"),
    ("V5.B", "each checkpoint is consistent with the next (an RFC 6962 consistency proof verifies)"),
    ("V6.A", "each aggregate's versions appear as 1, 2, 3, ... in log order"),
    ("V6.B", "every event applies, in order, in the governance replay"),
    ("V6.C", "every sealed value is bound to its place (aggregate, version, field)"),
    ("V7.A", "every rule file parses, and its rules hash to the policy hash it is named by"),
    ("V7.B", "every closed proposal's outcome recomputes from its ballots and rules, deadlines included"),
)
TITLES = dict(CATALOGUE)

PASS, FAIL, NOT_RUN, NOT_IMPLEMENTED = "pass", "FAIL", "not run", "not implemented"


RECOMPUTE_FINDING = "the outcome does not recompute"  # how a replay finding about an outcome (V7.B) begins


class Finding(Protocol):
    """One replay finding, located: ``ledger.governance.replay.outcomes.Finding`` has this shape."""

    @property
    def leaf(self) -> int: ...
    @property
    def aggregate_id(self) -> UUID: ...
    @property
    def version(self) -> int: ...
    @property
    def reason(self) -> str: ...


class Replayed(Protocol):
    """What a governance replay leaves: its findings (the first event that does not apply, outcomes that differ)."""

    def findings(self) -> Sequence[Finding]: ...


Replay = Callable[[Iterable[tuple[int, bytes]]], Replayed]
"""The governance replay's interface: (leaf, record) pairs in log order to a replay whose findings name
leaf, aggregate id, version and reason. The log knows nothing of governance, so the replay is plugged in
from above (``ledger.governance.audit``, ``copro verify --bundle``); without it V6.B and V7.B are
reported as not implemented."""


@dataclass
class CheckResult:
    id: str
    title: str
    status: str = PASS
    findings: list[Problem] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.id} {self.status:<4} {self.title}"
        if self.findings:
            first = min(self.findings, key=Problem.sort_key)
            text += f"\n     first: {first.sentence()}"
            if len(self.findings) > 1:
                text += f" ({len(self.findings) - 1} more)"
        return text


@dataclass
class BundleReport:
    """The outcome of every numbered check over one bundle."""

    where: str
    origin: str = "?"
    leaves: int = 0
    checkpoints: int = 0
    results: dict[str, CheckResult] = field(default_factory=dict)
    found: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.results = {cid: CheckResult(cid, title) for cid, title in CATALOGUE}

    def fail(self, check: str, problem: Problem) -> None:
        result = self.results[check]
        result.status = FAIL
        result.findings.append(problem)
        self.found.append(problem)

    def mark(self, status: str, ids: Iterable[str]) -> None:
        for cid in ids:
            if self.results[cid].status == PASS:
                self.results[cid].status = status

    @property
    def ok(self) -> bool:
        return all(r.status != FAIL for r in self.results.values())

    @property
    def first(self) -> Problem | None:
        """The earliest finding in the log; at one leaf, the one found first (the cause before what follows from it)."""
        return min(self.found, key=Problem.sort_key) if self.found else None

    def text(self) -> str:
        lines = [r.line() for r in self.results.values()]
        counts = {s: sum(r.status == s for r in self.results.values()) for s in (PASS, FAIL, NOT_RUN, NOT_IMPLEMENTED)}
        summary = (
            f"{counts[PASS]} passed, {counts[FAIL]} failed, {counts[NOT_RUN]} not run, "
            f"{counts[NOT_IMPLEMENTED]} not implemented"
        )
        first = self.first
        if first is None:
            lines.append(f"OK: {self.origin}: {self.leaves} leaves and {self.checkpoints} checkpoints; {summary}.")
        else:
            lines.append(f"FAILED: {self.origin}: {summary}; the first bad record is {first.sentence().rstrip('.')}.")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        first = self.first
        return {
            "bundle": self.where,
            "origin": self.origin,
            "ok": self.ok,
            "leaves": self.leaves,
            "checkpoints": self.checkpoints,
            "first_problem": None if first is None else _problem_json(first),
            "checks": [
                {
                    "id": r.id,
                    "title": r.title,
                    "status": r.status,
                    "findings": [_problem_json(p) for p in r.findings],
                }
                for r in self.results.values()
            ],
        }


def _problem_json(p: Problem) -> dict[str, Any]:
    return {
        "check": p.check,
        "leaf": p.leaf_index,
        "aggregate": None if p.aggregate_id is None else str(p.aggregate_id),
        "version": p.version,
        "reason": p.reason,
    }


@dataclass(frozen=True)
class BundleRow:
    """One entry of the bundle, split as the engine reads a row (``state`` as FORMAT.md stores it)."""

    leaf_index: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    leaf_hash: bytes
    record: bytes


_NIL = UUID(int=0)


def _row(index: int, record: bytes) -> BundleRow:
    try:
        p = parse_record(record)
    except RecordFormatError:
        return BundleRow(index, _NIL, 0, "", b"", b"", record)  # the engine reports it (V3.A)
    return BundleRow(index, p.originator_id, p.version, p.topic, record[:HEADER_SIZE] + p.payload, b"", record)


class BundleSource:
    """The engine's source over an opened bundle; what cannot be read becomes a finding, not a crash."""

    def __init__(self, bundle: Bundle, first: int = 0) -> None:
        self.bundle = bundle
        self.first = first
        self.problems: list[Problem] = []

    def size(self) -> int:
        return self.bundle.manifest.tree_size

    def _damaged(self, check: str, leaf: int | None, e: BundleError) -> None:
        self.problems.append(Problem(leaf, None, None, str(e), "V1.B" if "the manifest" in str(e) else check))

    def scan(self, batch: int) -> Iterator[Sequence[BundleRow]]:
        size = self.size()
        rows: list[BundleRow] = []
        for index in range(self.first // TILE_WIDTH, (size + TILE_WIDTH - 1) // TILE_WIDTH):
            first = index * TILE_WIDTH
            try:
                records = self.bundle.entry_bundle(index, min(TILE_WIDTH, size - first))
            except BundleError as e:  # the entries, or the level-0 tile beside them, cannot be read
                tile = f": {tile_path(0, index, min(TILE_WIDTH, size - first))} "
                self._damaged(checks.LEAF_TILES if tile in str(e) else checks.ENTRIES, first, e)
                continue
            rows.extend(_row(first + i, r) for i, r in enumerate(records) if first + i >= self.first)
            if len(rows) >= batch:
                yield rows
                rows = []
        if rows:
            yield rows

    def leaf_tile(self, index: int) -> bytes | None:
        size = self.size()
        try:
            return self.bundle.tile(0, index, min(TILE_WIDTH, size - index * TILE_WIDTH))
        except BundleError as e:
            self._damaged(checks.LEAF_TILES, index * TILE_WIDTH, e)
            return b""

    def tiles_beyond(self, size: int) -> list[tuple[int, int]]:
        return []  # a bundle's manifest fixes its size; a tile the manifest lists past it is caught by V3.C

    def stored_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        for tile in tiles_for_size(self.size()):
            if tile.level == 0:
                continue
            try:
                yield tile.level, tile.index, self.bundle.tile(tile.level, tile.index, tile.width)
            except BundleError as e:
                self._damaged(checks.UPPER_TILES, None, e)
                yield tile.level, tile.index, b""

    def checkpoints(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        try:
            out.append(("bundle's checkpoint", self.bundle.checkpoint))
            out.extend((f"checkpoint for size {s}", note) for s, note in self.bundle.checkpoints())
        except BundleError as e:
            self._damaged(checks.CHECKPOINT_SIGNATURES, None, e)
        return out


def _first_record(bundle: Bundle) -> BundleRow | None:
    if bundle.manifest.tree_size == 0:
        return None
    try:
        return _row(0, bundle.entry_bundle(0, min(TILE_WIDTH, bundle.manifest.tree_size))[0])
    except (BundleError, IndexError):
        return None


def _check_keys(bundle: Bundle, report: BundleReport, keys: checks.Keys | None) -> list[bytes]:
    """V2.B: the key list ``copro/keys.json`` against the keyring events; returns its event keys."""
    try:
        listed = bundle.key_history()
    except BundleError as e:
        report.fail("V2.B", Problem(None, None, None, str(e), "V2.B"))
        return []
    if keys is None:
        return [k.public_key for k in listed if k.purpose == "event"]
    size = bundle.manifest.tree_size
    for purpose, schedule in (("event", keys.event), ("checkpoint", keys.checkpoint)):
        events = [(s, k) for s, k in zip(schedule.starts, schedule.keys, strict=True) if s < size]
        said = [(k.first_leaf, k.public_key) for k in listed if k.purpose == purpose]
        if events != said:
            report.fail(
                "V2.B",
                Problem(
                    None,
                    None,
                    None,
                    f"the key list names {len(said)} {purpose} key period(s) starting at leaves "
                    f"{[s for s, _ in said]}, but the keyring events put {len(events)} in force from leaves "
                    f"{[s for s, _ in events]} (or with other keys): one of them was changed after export",
                    "V2.B",
                ),
            )
    return [k.public_key for k in listed if k.purpose == "event"]


def _check_policies(bundle: Bundle, report: BundleReport) -> None:
    """V7.A: each rule file is named by the SHA-256 of its own bytes, so a proposal's recorded hash finds its rules."""
    try:
        hashes = bundle.policy_hashes()
    except BundleError as e:
        report.fail("V7.A", Problem(None, None, None, str(e), "V7.A"))
        return
    for policy_hash in hashes:
        try:
            data = bundle.policy(policy_hash)
        except BundleError as e:
            report.fail("V7.A", Problem(None, None, None, str(e), "V1.B"))
            continue
        name = f"{POLICIES_DIR}/{policy_hash.removeprefix('sha256:')}.toml"
        try:
            digest = rules_hash(parse_policy(data.decode("utf-8"), source=name))
        except (UnicodeDecodeError, PolicyError) as e:
            report.fail(
                "V7.A", Problem(None, None, None, f"the rule file {name} is not a valid rule file: {e}", "V7.A")
            )
            continue
        if digest != policy_hash:
            report.fail(
                "V7.A",
                Problem(
                    None,
                    None,
                    None,
                    f"the rule file {name} hashes to {digest}: its rules are not the ones the proposals recorded",
                    "V7.A",
                ),
            )


def verify_bundle(
    path: str | Path,
    *,
    workers: int | None = None,
    replay: Replay | None = None,
    seen: dict[UUID, int] | None = None,
    fast: bool = True,
) -> BundleReport:
    """Run every numbered check over the bundle at ``path``; NotABundleError (exit 2) if it is none.

    ``seen``, if given, is filled with each aggregate's last version under the bundle's
    checkpoint: what an incremental run later needs (``verify_since``). ``fast=False``
    skips the fast path (``ledger.log.bundle.fast``) and runs the reference engine alone,
    which the tests and the benchmark compare it with.
    """
    report = BundleReport(str(path))
    try:
        bundle = open_bundle(path)
    except NotABundleError:
        raise
    except BundleError as e:
        check = "V1.C" if "not in its manifest" in str(e) else "V1.B"
        report.fail(check, Problem(None, None, None, str(e), check))
        report.mark(NOT_RUN, [cid for cid, _ in CATALOGUE if cid not in ("V1.A", check)])
        return report
    with bundle:
        _verify_opened(bundle, report, workers, replay, seen, fast)
    return report


def _verify_opened(
    bundle: Bundle,
    report: BundleReport,
    workers: int | None,
    replay: Replay | None,
    seen: dict[UUID, int] | None,
    fast: bool = True,
) -> None:
    report.origin = bundle.manifest.origin
    first = _first_record(bundle)
    start = checks.keyring_start(first.state[HEADER_SIZE:]) if first is not None and first.state else None
    listed = _check_keys(bundle, report, None)
    candidates = list(dict.fromkeys([*(start.event.keys if start else []), *listed]))
    records: list[tuple[int, bytes]] = []
    under = bundle.manifest.checkpoint_size

    def keep(row: checks.Row) -> None:
        if replay is not None:
            records.append((row.leaf_index, cast(BundleRow, row).record))
        if seen is not None and row.leaf_index < under:
            seen[row.originator_id] = row.originator_version

    source = BundleSource(bundle)
    checked_keys: checks.Keys | None
    sound: Fast[Replayed] | None = None
    if fast:
        sound = fast_check(bundle, source, candidate_keys=candidates, workers=workers, under=under, replay=replay)
    replayed: Replayed | None = None
    if sound is not None and not source.problems:  # sound: the reference engine would find nothing either
        checked_report, checked_keys = sound.report, sound.keys
        replayed = sound.replayed
        if seen is not None:
            seen.update(sound.seen)
    else:  # something may be wrong: the reference engine finds it and names it
        source = BundleSource(bundle)
        checked = checks.check_log(
            source,
            origin=bundle.manifest.origin,
            candidate_keys=candidates,
            outcome_topic=OUTCOME_TOPIC,
            workers=workers,
            keep=keep if replay is not None or seen is not None else None,
        )
        checked_report, checked_keys = checked.report, checked.keys
    report.leaves, report.checkpoints = checked_report.leaves, checked_report.checkpoints
    for problem in [*source.problems, *checked_report.problems]:
        report.fail(problem.check or "V3.A", problem)
    if report.results["V2.B"].status == PASS:
        _check_keys(bundle, report, checked_keys)
    _check_policies(bundle, report)
    if not checked_report.problems and not source.problems:
        _check_checkpoint_file(bundle, report)
    if replay is None:
        report.mark(NOT_IMPLEMENTED, ["V6.B", "V7.B"])
    elif not report.ok:
        report.mark(NOT_RUN, ["V6.B", "V7.B"])
    else:
        for f in (replayed if replayed is not None else replay(records)).findings():
            check = "V7.B" if f.reason.startswith(RECOMPUTE_FINDING) else "V6.B"
            report.fail(check, Problem(f.leaf, f.aggregate_id, f.version, f.reason, check))


def _check_checkpoint_file(bundle: Bundle, report: BundleReport) -> None:
    """The top-level ``checkpoint`` is the one of the manifest's checkpoint size (V1.D's origin is the engine's)."""
    size = bundle.manifest.checkpoint_size
    stored = dict(bundle.checkpoints())
    if size and stored.get(size) != bundle.checkpoint:
        report.fail(
            "V3.D",
            Problem(
                None,
                None,
                None,
                f"the bundle's {CHECKPOINT} is not the stored checkpoint of size {size} the manifest names",
                "V3.D",
            ),
        )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ledger.log.bundle.verify", description=__doc__.split("\n\n")[0])
    p.add_argument("bundle", metavar="BUNDLE", help="the folder or archive 'copro export' wrote")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--workers", type=int, default=None, help="processes for signature checks (default: every core)")
    return p


def run(path: str, *, as_json: bool, workers: int | None = None, replay: Replay | None = None) -> int:
    """Verify, print the checks, and return the exit code (0 sound, 1 integrity failure)."""
    report = verify_bundle(path, workers=workers, replay=replay)
    if as_json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(report.text())
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None, *, replay: Replay | None = None) -> int:
    """The auditor's entry point (``ledger.governance.audit`` plugs the replay in): every failure is one
    sentence and an exit code, never a traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
    try:
        return run(args.bundle, as_json=args.json, workers=args.workers, replay=replay)
    except CoproError as e:
        print(f"verify: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(f"verify: cannot read {args.bundle}: {e.strerror}.", file=sys.stderr)
        return 2
