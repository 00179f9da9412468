"""Where a snapshot of the report fold lives on disk: a head file, and its segments in a folder beside it.

``<data>/cache/report-facts.json`` is the head; ``<data>/cache/report-facts-segments/`` holds
the segments, each named by the SHA-256 of its bytes (``snapshot.py`` says why). A save writes
the new segment (if any) and then the head, each beside its place and renamed in, so a reader
sees the old snapshot or the new one, never half of one. Segments no head names any more are
*retired* (renamed ``<sha>.json.retired``), once they are old enough that no save running at
the same time (``copro project --follow`` and ``copro report`` may both save) can be about to
name them, and removed ``GRACE_SECONDS`` after that: a reader reads a segment when its fold
looks a record up in it, possibly after another process saved, so it falls back to the retired
name. A reader that still finds one missing folds from leaf 0, which costs time only.

Everything here is a cache: a file that cannot be read or written costs the next report time,
never this one, so I/O errors are ignored.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from ledger.governance.report import facts as fx
from ledger.governance.report.snapshot import (
    SEGMENT_KINDS,
    Key,
    Snapshot,
    Store,
    chunks,
    decode,
    encode,
    encode_segment,
    plan,
    sha256,
)

GRACE_SECONDS = 600  # an unnamed segment younger than this may belong to a save still under way
_NAME = re.compile(r"[0-9a-f]{64}\.json")
_RETIRED = re.compile(r"[0-9a-f]{64}\.json\.retired")


def segments_folder(head: Path) -> Path:
    """The folder of a head's segments: ``report-facts.json`` -> ``report-facts-segments``."""
    return head.with_name(f"{head.stem}-segments")


def load(head: Path, *, start: datetime | None, end: datetime, period: bool = True) -> Snapshot | None:
    """The snapshot at ``head`` with its period set and the records that period reads (``snapshot.decode``),
    or ``None`` if it is missing or does not decode."""
    try:
        data = head.read_bytes()
    except OSError:
        return None
    folder = segments_folder(head)

    def segment(sha: str) -> bytes | None:
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            return None  # a head naming anything but a segment: never a path to follow
        for name in (f"{sha}.json", f"{sha}.json.retired"):  # retired: unnamed by a save since the head was read
            try:
                return (folder / name).read_bytes()
            except OSError:
                continue
        return None

    return decode(data, start=start, end=end, segment=segment, period=period)


def save(head: Path, previous: Snapshot | None, facts: fx.Facts, root: bytes) -> Snapshot | None:
    """Save ``facts`` (folded on from ``previous``, or from leaf 0 when ``None``): new segments of the
    records touched since (merged with the last small ones of their kind, ``snapshot.plan``), then
    the head. The snapshot as saved (to fold on from in memory), or ``None`` if it could not be
    written. A segment ``previous`` names that cannot be read raises ``SnapshotUnreadable``."""
    touched: Collection[Key] = facts.touched
    p = plan(previous, touched)
    old = list(previous.segments) if previous is not None else []
    segments = [old[i] for i in p.kept]
    written: list[frozenset[Key]] = []
    folder = segments_folder(head)
    try:
        for kind in SEGMENT_KINDS:
            for ids in chunks(facts, kind, p.keys.get(kind, frozenset())):
                data, segment = encode_segment(facts, kind, ids)
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                write_atomically(folder / f"{segment.sha256}.json", data)
                segments.append(segment)
                written.append(frozenset((kind, i) for i in ids))
        data = encode(facts, root, segments, inline=())
        write_atomically(head, data)
        _remove_unnamed(folder, {s.sha256 for s in segments})
    except OSError:
        return None
    facts.touched = set()
    store = previous.store if previous is not None and previous.store is not None else None
    if store is None:
        store = Store(facts, (), lambda sha: None)
    store.rebase(segments, list(p.kept), written)
    return Snapshot(facts, root, tuple(segments), sha256(data), store)


def head_digest(head: Path) -> str | None:
    """The SHA-256 of the head on disk (``None`` if there is none): whether another process saved since."""
    try:
        return sha256(head.read_bytes())
    except OSError:
        return None


def stored_bytes(head: Path) -> int:
    """The bytes a snapshot takes: its head and the segments it names (what a benchmark reports)."""
    try:
        data = head.read_bytes()
        names = [str(entry[0]) for entry in json.loads(data)["segments"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return 0
    folder = segments_folder(head)
    return len(data) + sum((folder / f"{n}.json").stat().st_size for n in names if _NAME.fullmatch(f"{n}.json"))


def remove(head: Path) -> None:
    """Delete a snapshot, head and segments (the next report folds from leaf 0)."""
    head.unlink(missing_ok=True)
    shutil.rmtree(segments_folder(head), ignore_errors=True)


def copy(head: Path, to: Path) -> None:
    """Copy a snapshot, head and segments, to the head path ``to`` (a benchmark keeps one aside)."""
    remove(to)
    shutil.copyfile(head, to)
    if segments_folder(head).is_dir():
        shutil.copytree(segments_folder(head), segments_folder(to))


def write_atomically(path: Path, data: bytes) -> None:
    """Write beside ``path`` and rename in, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _remove_unnamed(folder: Path, named: set[str]) -> None:
    """Retire the segments no head names that are old enough, and remove those retired long enough ago."""
    if not folder.is_dir():
        return
    now = time.time()
    old = now - GRACE_SECONDS
    for path in folder.iterdir():
        try:
            if _NAME.fullmatch(path.name) and path.stem not in named and path.stat().st_mtime < old:
                retired = path.with_name(f"{path.name}.retired")
                os.replace(path, retired)
                os.utime(retired, (now, now))  # its grace as a retired segment starts now
            elif (
                _RETIRED.fullmatch(path.name)
                and path.name.removesuffix(".json.retired") not in named
                and path.stat().st_mtime < old
            ):
                path.unlink()
        except OSError:
            pass
