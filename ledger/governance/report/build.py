"""Build a funder's report: figures from the log, pinned to a signed checkpoint, written and signed.

The steps, in order, so that a report that cannot be finished writes nothing:
the period and the output folder are checked first; the log is read once up to the
checkpoint the report pins (each signature checked, the tree rebuilt, every event
folded into the figures); the previous report's checkpoint, if there is one, must be
part of this log, and the consistency proof from it is taken from the same tree; the
files are written into a hidden folder beside the target, signed with the report key,
and the folder is renamed into place only when every file is there.

Rendering lives in the web layer (HTML through Jinja, PDF through WeasyPrint); it is
handed in as ``renderers`` so the ledger imports no template engine.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.governance.replay.events import Event
from ledger.governance.replay.live import Leaves
from ledger.governance.report import snapshot_files
from ledger.governance.report.facts import Facts
from ledger.governance.report.figures import ReportError, document_of, fold, report_document
from ledger.governance.report.provenance import (
    CheckedLog,
    LogKeys,
    ProvenanceError,
    b64,
    open_checkpoint,
    report_key,
)
from ledger.governance.report.snapshot import Snapshot, SnapshotUnreadable
from ledger.log.canonical import strict_loads
from ledger.log.file_signatures import sign_folder
from ledger.log.keys import raw_public
from ledger.log.record import record_bytes
from policies.canonical import canonical_json

FORMAT = "copro-report/1"
REPORT_JSON = "report.json"
NAMESPACE = "copro-report"
Renderer = Callable[[dict[str, Any]], bytes]


class PeriodError(ReportError):
    """A period that is malformed, inverted, or starts in the future."""


def live_records(log: Leaves, size: int) -> Iterator[tuple[int, bytes]]:
    """The first ``size`` records of a live log, rebuilt from its rows (docs/FORMAT.md §2)."""
    for rows in log.scan():
        for row in rows:
            if row.leaf_index >= size:
                return
            yield row.leaf_index, record_bytes(row.originator_id, row.originator_version, row.topic, row.state)


# -- the period ---------------------------------------------------------------------


def moment(text: str, *, end: bool) -> datetime:
    """A date (``2026-03-31``) or a time with its offset, as a UTC instant.

    A date that ends a period means the end of that day, so ``--to 2026-03-31``
    includes the 31st; a date that starts one means its first moment.
    """
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime.combine(day, time(), tzinfo=UTC)
        return start + timedelta(days=1) if end else start
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(
            f"{text!r} is not a date; give one as YYYY-MM-DD (for example 2026-03-31), "
            "or a time with its offset such as 2026-03-31T17:00:00+00:00."
        ) from None
    if at.tzinfo is None:
        raise PeriodError(f"The time {text!r} has no offset; add one, such as +00:00 for UTC.")
    return at.astimezone(UTC)


def check_period(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime | None, datetime]:
    """The period as the report states it, in whole seconds (as report.json writes it).

    An end later than now becomes now, rounded up to the next whole second, so the
    events of this very second are in; nothing after it exists yet, and the checkpoint
    the report pins ends the log there in any case.
    """
    start = None if start is None else start.replace(microsecond=0)
    if end is not None and end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    if now.microsecond:
        now = now.replace(microsecond=0) + timedelta(seconds=1)
    if start is not None and start > now:
        raise PeriodError(
            f"The period starts on {stamp(start)}, which is in the future; give a start no later than now."
        )
    end = now if end is None or end > now else end
    if start is not None and start >= end:
        raise PeriodError(f"The period starts on {stamp(start)} but ends on {stamp(end)}; give a start before the end.")
    return start, end


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the output folder ----------------------------------------------------------------


def check_out(out: Path) -> None:
    """Refuse a target that holds something: a report never overwrites or mixes with other files."""
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} exists and is not a folder; choose a new folder for the report.")
    if out.is_dir() and any(out.iterdir()):
        raise ReportError(f"The folder {out} is not empty; choose a new or empty folder for the report.")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ReportError(f"The folder {parent} does not exist; create it first or choose another place.")
    if not os.access(parent, os.W_OK):
        raise ReportError(f"copro may not write in {parent}; choose a folder you can write to.")


# -- building -----------------------------------------------------------------------


@dataclass(frozen=True)
class Previous:
    """What a report needs of the previous one: the tree it pinned."""

    origin: str
    size: int
    root: bytes


def read_previous(folder: Path) -> Previous:
    """The checkpoint a previous report pinned, from its ``report.json`` (its signatures are checked by verify)."""
    path = folder / REPORT_JSON
    try:
        doc = strict_loads(path.read_bytes())
        log = doc["log"]
        return Previous(str(log["origin"]), int(log["size"]), base64.b64decode(log["root"], validate=True))
    except FileNotFoundError:
        raise ReportError(f"{folder} holds no {REPORT_JSON}; give the folder of the previous report.") from None
    except (ValueError, KeyError, TypeError) as e:
        raise ReportError(f"{path} is not a copro report ({e}); give the folder of the previous report.") from None


class Tree(Protocol):
    def root(self, size: int) -> bytes: ...
    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]: ...


def previous_link(previous: Previous | None, tree: Tree, origin: str, size: int) -> dict[str, Any] | None:
    """The previous report's checkpoint and the consistency proof from it to this one, from the same tree."""
    if previous is None:
        return None
    if previous.origin != origin:
        raise ReportError(f"The previous report is for the log {previous.origin!r}, not this ledger's {origin!r}.")
    if previous.size > size or tree.root(previous.size) != previous.root:
        raise ProvenanceError(
            f"The previous report pinned a log of {previous.size:,} events with root {b64(previous.root)}, "
            "which is not part of this log: the history was rewritten since, or it is another ledger's report."
        )
    proof = tree.consistency_proof(previous.size, size) if previous.size else []
    return {"size": previous.size, "root": b64(previous.root), "proof": [b64(h) for h in proof]}


def figures_over(
    checked: CheckedLog,
    records: Iterable[tuple[int, bytes]],
    *,
    collective_id: UUID | None,
    start: datetime | None,
    end: datetime,
) -> dict[str, Any]:
    """The figures over every record, and the whole tree rebuilt, even if the fold stops reading early."""
    events = checked.events(records)
    doc = report_document(events, collective_id=collective_id, start=start, end=end)
    for _ in events:  # the tree needs every leaf the checkpoint covers
        pass
    return doc


@dataclass(frozen=True)
class Built:
    folder: Path
    files: list[str]
    size: int
    doc: dict[str, Any]
    folded: int = 0  # events read by the fold: the report's cost
    resumed_at: int = 0  # the leaf the fold started from (0: no snapshot fitted)
    segments_read: int = 0  # snapshot segments read (the head aside): what the period cost beside the fold
    records_read: int = 0  # records decoded from them


class LogSource(Protocol):
    """A log a report is built from without reading all of it: its keys, its stored tree, its tail.

    ``keys`` come from the keyring's own events; ``root`` and ``consistency_proof`` from
    the log's stored tiles (O(log n)); ``events(start, size)`` are leaves ``start`` up
    to ``size``, each signature checked (``provenance.checked_events``).
    """

    @property
    def keys(self) -> LogKeys: ...
    def size(self) -> int: ...
    def root(self, size: int) -> bytes: ...
    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]: ...
    def events(self, start: int, size: int) -> Iterator[Event]: ...


def build_report(
    source: LogSource,
    *,
    checkpoint: str,
    out: Path,
    key: Ed25519PrivateKey,
    renderers: Mapping[str, Renderer],
    collective_id: UUID | None = None,
    start: datetime | None = None,
    end: datetime,
    previous: Previous | None = None,
    snapshot: Path | None = None,
) -> Built:
    """Compute, pin, write and sign a report into ``out`` (which must be new or empty).

    The checkpoint is checked against the log's stored tree; the figures are folded
    from the snapshot at ``snapshot`` (a file path; a cache the build also refreshes),
    when it fits this log and period, and the events after it, else from leaf 0. So a
    report costs the events since the last one, not the log. ``copro report verify``
    recomputes everything from leaf 0 all the same.
    """
    check_out(out)
    keys = source.keys
    cp = open_checkpoint(checkpoint, keys, source.size(), source.root)
    if raw_public(key.public_key()) != report_key(keys, cp.size):
        raise ReportError(
            "The report key in the keys folder is not the report key the ledger's keyring names; "
            "restore the ledger's own report.key, or rotate it with 'copro keys rotate report'."
        )
    resume = usable_snapshot(snapshot, source, size=cp.size, start=start, end=end)

    def figures(resume: Snapshot | None) -> tuple[Facts, int, dict[str, Any]]:
        return _figures_from(source, resume, snapshot, size=cp.size, start=start, end=end, cid=collective_id)

    try:
        facts, first, doc = figures(resume)
    except SnapshotUnreadable:  # a segment gone or spoilt since the head was read: the log is the truth
        resume = None
        facts, first, doc = figures(None)
    store = None if resume is None else resume.store
    doc["log"] = {
        "origin": cp.origin,
        "size": cp.size,
        "root": b64(cp.root_hash),
        "checkpoint": checkpoint,
        "previous": previous_link(previous, source, keys.origin, cp.size),
    }
    files = write_folder(out, doc, renderers, key, origin=cp.origin, signed_on=end.date())
    read = (0, 0) if store is None else (store.segments_read, store.records_read)
    return Built(out, files, cp.size, doc, facts.folded, first, *read)


def _figures_from(
    source: LogSource,
    resume: Snapshot | None,
    snapshot: Path | None,
    *,
    size: int,
    start: datetime | None,
    end: datetime,
    cid: UUID | None,
) -> tuple[Facts, int, dict[str, Any]]:
    """Fold from ``resume`` (or leaf 0) to the period's end, save the snapshot, and compute the figures:
    the facts, the leaf the fold started from, and the document."""
    first = 0 if resume is None else resume.facts.next_leaf
    facts = fold(source.events(first, size), start=start, end=end, resume=None if resume is None else resume.facts)
    if snapshot is not None and facts.next_leaf > first:
        snapshot_files.save(snapshot, resume, facts, source.root(facts.next_leaf))
    return facts, first, document_of(facts, cid)


def usable_snapshot(
    path: Path | None,
    source: LogSource,
    *,
    size: int,
    start: datetime | None,
    end: datetime,
    held: Snapshot | None = None,
    period: bool = True,
) -> Snapshot | None:
    """The snapshot if it fits: it parses, has this version, lies within the checkpoint, is of
    this log (the root at its leaf), and ends before the period does. Anything else: ``None``, fold from 0.

    ``held`` is one this process saved and kept in memory: used instead of reading the files
    again when the head on disk is still the one it saved. ``period`` false: read none of the
    period's records (a fold that makes no report; they are read if the fold looks them up).
    """
    if path is None:
        return None
    if held is not None and held.head and snapshot_files.head_digest(path) == held.head:
        held.facts.start, held.facts.end = start, end
        snap: Snapshot | None = held
    else:
        snap = snapshot_files.load(path, start=start, end=end, period=period)
    if snap is None:
        return None
    f = snap.facts
    if f.next_leaf == 0 or f.next_leaf > size or (f.latest is not None and f.latest >= end):
        return None
    if source.root(f.next_leaf) != snap.root:
        return None  # another ledger's, or a history rewritten since: the log is the truth
    return snap


@dataclass(frozen=True)
class Refreshed:
    """What ``refresh_snapshot`` did: the events it folded, and the snapshot to hand it next time."""

    folded: int
    snapshot: Snapshot | None


def refresh_snapshot(source: LogSource, path: Path, *, now: datetime, held: Snapshot | None = None) -> Refreshed:
    """Fold the events since the snapshot at ``path`` into it and save it, so that the next report
    folds only what came after: ``copro project`` calls it after each catch-up.

    The fold runs to the log's end as of ``now`` (rounded up to the whole second, as a report's
    period is), from leaf 0 if no snapshot fits. ``held`` (the last call's snapshot) spares reading
    the files again while no one else saved. A log that cannot be folded raises ``ReportError``.
    """
    _, end = check_period(None, None, now)
    size = source.size()
    resume = usable_snapshot(path, source, size=size, start=None, end=end, held=held, period=False)
    try:
        return _refresh(source, path, resume, size=size, end=end)
    except SnapshotUnreadable:  # a segment gone or spoilt since the head was read: fold from leaf 0
        return _refresh(source, path, None, size=size, end=end)


def _refresh(source: LogSource, path: Path, resume: Snapshot | None, *, size: int, end: datetime) -> Refreshed:
    first = 0 if resume is None else resume.facts.next_leaf
    facts = fold(source.events(first, size), start=None, end=end, resume=None if resume is None else resume.facts)
    if facts.next_leaf == first:
        return Refreshed(facts.folded, resume)
    return Refreshed(facts.folded, snapshot_files.save(path, resume, facts, source.root(facts.next_leaf)))


def principal(origin: str) -> str:
    """The name the report key has in ``allowed_signers``: ``reports@`` and the host that names the log.

    (An ``allowed_signers`` name takes no ``/``, so the origin's path is left out: the
    file names one key only, so the name needs only to be recognisable.)
    """
    return f"reports@{origin.split('/', 1)[0]}"


def write_folder(
    out: Path,
    doc: dict[str, Any],
    renderers: Mapping[str, Renderer],
    key: Ed25519PrivateKey,
    *,
    origin: str,
    signed_on: date,
) -> list[str]:
    """Write every file into a hidden folder beside ``out``, sign them, then move the folder into place."""
    out = out.absolute()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        files = {REPORT_JSON: canonical_json(doc)}
        for name, render in renderers.items():
            files[name] = render(doc)
        for name, data in files.items():
            (staging / name).write_bytes(data)
        written = sign_folder(
            staging,
            list(files),
            key,
            principal=principal(origin),
            valid_after=signed_on,
            valid_before=None,
            origin=origin,
        )
        for path in staging.iterdir():
            path.chmod(0o644)
        staging.chmod(0o755)
        if out.is_dir():
            out.rmdir()  # empty: checked before anything was computed
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(set(files) | set(written))
