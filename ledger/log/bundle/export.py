"""``copro export``: write an auditor's bundle from a live ledger, in one pass over the log.

The bundle is the log as static files (docs/FORMAT.md, "Bundles"): the tlog-tiles
tiles and entry bundles, the latest checkpoint, and under ``copro/`` every stored
checkpoint, the key history, the files a plug-in adds (the rule files proposals
used, from ``ledger.governance.bundle_files``) and a manifest with the SHA-256 of
every file.

Why computed, not copied: the tiles are rebuilt from the records as they stream
past (every tile from its leaf hashes, O(n) in all), not read from
``copro_tiles``. The stored tiles have the same geometry and hashing as
tlog-tiles (a level-0 tile holds 256 leaf hashes, a level-L tile the roots of the
full tiles below), but the newest leaves are in no stored tile, and a tile is an
index a verifier must not trust, while the records are what is signed. So a
bundle's tiles always agree with its entries; a damaged record shows as a bad
signature or a root that differs from a signed checkpoint.

Only the log is read: no governance aggregate is replayed, no key is needed, and
records are written exactly as stored, so sealed personal data stays sealed and
an erased person, whose key is gone, stays erased. Memory holds one unfinished
tile per level (at most 255 hashes each, and 255 records), never the log.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from ledger.log import merkle
from ledger.log.bundle.layout import (
    BUNDLE_FORMAT,
    CHECKPOINT,
    CHECKPOINTS_DIR,
    COPRO_DIR,
    KEYS,
    MANIFEST,
    MAX_ENTRY,
    WIDE_ENTRIES_DIR,
    check_relative,
    checkpoint_path,
    entries_path,
    pack_entries,
    tile_path,
    wide_entries_path,
)
from ledger.log.canonical import canonical_dumps
from ledger.log.errors import ConfigurationError, IntegrityError
from ledger.log.key_history import key_history
from ledger.log.record import HEADER_SIZE, RecordFormatError, record_bytes
from ledger.log.storage.log_reader import LogRow, MerkleLogMixin
from ledger.log.tile_math import TILE_HEIGHT, TILE_WIDTH

NO_CHECKPOINT = (
    "The ledger has no signed checkpoint yet, so a bundle would have nothing signed over its tree; "
    "run 'copro checkpoint', then export again."
)
RESERVED = (MANIFEST, KEYS, CHECKPOINTS_DIR + "/", WIDE_ENTRIES_DIR + "/")


class FileCollector(Protocol):
    """Gathers a plug-in's files while the log streams past, and hands them over at the end."""

    def see(self, leaf_index: int, topic: str, originator_id: UUID, payload: bytes) -> None:
        """One record of a topic the plug-in asked for (``payload``: its canonical JSON bytes)."""

    def files(self) -> Mapping[str, bytes]:
        """The files to add, by bundle path (each under ``copro/``)."""


@dataclass(frozen=True)
class BundleFiles:
    """Extra files a bundle carries, plugged in from the side that knows what they mean.

    The log knows nothing of governance, so the rule files proposals used come from
    ``ledger.governance.bundle_files.POLICY_FILES``, as ``copro verify`` takes its
    outcome check. Only records of ``topics`` are shown to the collector.
    """

    topics: frozenset[str]
    start: Callable[[], FileCollector]


@dataclass(frozen=True)
class ExportSummary:
    """What was written: where, how many leaves, and which checkpoint the bundle's ``checkpoint`` is."""

    path: Path
    tree_size: int
    checkpoint_size: int
    files: int
    size_bytes: int
    archive: bool

    @property
    def uncovered(self) -> int:
        """Leaves after the latest checkpoint: in the bundle, but under no signed root yet."""
        return self.tree_size - self.checkpoint_size


class BundleWriter:
    """Writes the tiles and entry bundles of leaves added in order, then copro's files and the manifest.

    Pure bookkeeping over a folder: it is given record bytes, so tests can drive it
    with any log, and :func:`export_log` drives it from a ledger.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.size = 0
        self._written: dict[str, tuple[str, int]] = {}
        self._levels: list[list[bytes]] = [[]]  # per tile level: the nodes of its unfinished tile
        self._entries: list[bytes] = []  # the records of the unfinished level-0 tile

    def write(self, path: str, data: bytes) -> None:
        """Write one file of the bundle and note its SHA-256 for the manifest."""
        check_relative(path)
        if path in self._written:
            raise ConfigurationError(f"Two files of the bundle would both be {path}; report this as a bug.")
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self._written[path] = (sha256(data).hexdigest(), len(data))

    def add(self, record: bytes) -> None:
        """The next leaf's record."""
        self._entries.append(record)
        self.size += 1
        self._push(0, merkle.leaf_hash(record))
        if len(self._entries) == TILE_WIDTH:
            self._write_entries(self.size // TILE_WIDTH - 1, self._entries)
            self._entries = []

    def _push(self, level: int, node: bytes) -> None:
        if level == len(self._levels):
            self._levels.append([])
        nodes = self._levels[level]
        nodes.append(node)
        if len(nodes) == TILE_WIDTH:  # size is now a multiple of 256 ** (level + 1)
            index = (self.size >> (TILE_HEIGHT * level)) // TILE_WIDTH - 1
            self.write(tile_path(level, index), b"".join(nodes))
            self._levels[level] = []
            self._push(level + 1, merkle.root_hash(nodes))

    def _write_entries(self, index: int, records: Sequence[bytes]) -> None:
        width = len(records)
        if any(len(r) > MAX_ENTRY for r in records):
            self.write(wide_entries_path(index, width), pack_entries(records, wide=True))
        else:
            self.write(entries_path(index, width), pack_entries(records))

    def finish_tiles(self, sizes: Iterable[int]) -> None:
        """Write the partial tiles and entry bundles of the bundle's size and of each of ``sizes``.

        tlog-tiles asks a log to serve the partial tiles of every size it signed a
        checkpoint for; where a full tile has since replaced one, a client reads the
        full tile instead. So a partial tile is written only in the last, unfinished
        tile of each level: for this size and for every smaller checkpoint that ends there.
        """
        wanted = {self.size} | {s for s in sizes if 0 < s <= self.size}
        for level, nodes in enumerate(self._levels):
            shift = TILE_HEIGHT * level
            last = (self.size >> shift) >> TILE_HEIGHT
            widths = {(s >> shift) % TILE_WIDTH for s in wanted if (s >> shift) >> TILE_HEIGHT == last} - {0}
            for width in sorted(widths):
                self.write(tile_path(level, last, width), b"".join(nodes[:width]))
                if level == 0:
                    self._write_entries(last, self._entries[:width])

    def finish(
        self,
        *,
        origin: str,
        ledger_format: str,
        checkpoints: Sequence[tuple[int, str]],
        keys: Sequence[Mapping[str, Any]],
        extra: Mapping[str, bytes],
    ) -> int:
        """Write the checkpoints, keys, extra files and manifest; return the size of the ``checkpoint`` file's tree."""
        signed = [(s, note) for s, note in checkpoints if s <= self.size]
        if not signed:
            raise ConfigurationError(NO_CHECKPOINT)
        self.finish_tiles(s for s, _ in checkpoints)
        latest_size, latest = max(signed)
        self.write(CHECKPOINT, latest.encode("utf-8"))
        for size, note in checkpoints:
            self.write(checkpoint_path(size), note.encode("utf-8"))
        self.write(KEYS, canonical_dumps({"origin": origin, "keys": list(keys)}))
        for path, data in sorted(extra.items()):
            if not path.startswith(COPRO_DIR + "/") or path.startswith(RESERVED):
                raise ConfigurationError(f"A bundle plug-in asked to write {path!r}, outside its place; report this.")
            self.write(path, data)
        manifest = {
            "format": BUNDLE_FORMAT,
            "origin": origin,
            "tree_size": self.size,
            "checkpoint_size": latest_size,
            "ledger_format": ledger_format,
            "files": [{"path": p, "sha256": h, "size": n} for p, (h, n) in sorted(self._written.items())],
        }
        self.write(MANIFEST, canonical_dumps(manifest))
        return latest_size

    @property
    def paths(self) -> list[str]:
        return sorted(self._written)


def _record(row: LogRow, expected: int) -> bytes:
    if row.leaf_index != expected:
        raise IntegrityError(
            f"Leaf {expected} is missing from the log (the next stored event is leaf {row.leaf_index}), "
            "so no bundle can hold the log as it was signed; run 'copro verify'."
        )
    try:
        return record_bytes(row.originator_id, row.originator_version, row.topic, row.state)
    except RecordFormatError as e:
        raise IntegrityError(f"Leaf {expected} is not a copro record ({e}); run 'copro verify'.") from None


def write_log(log: MerkleLogMixin, root: Path, plugins: Sequence[BundleFiles] = ()) -> tuple[BundleWriter, int]:
    """Write the bundle of ``log`` as it stands into the empty folder ``root``; the writer and its checkpoint size."""
    meta = log.meta()
    size = log.log_size()
    checkpoints = log.checkpoints()
    origin, periods = key_history(log)
    keys = [p.as_json(origin) for p in periods if p.first_leaf < size]
    for k in keys:  # a rotation appended while this runs ends a key after the bundle's last leaf
        if k["last_leaf"] is not None and k["last_leaf"] >= size:
            k["last_leaf"] = None
    if not any(s <= size for s, _ in checkpoints):
        raise ConfigurationError(NO_CHECKPOINT)
    collectors = [(p.topics, p.start()) for p in plugins]
    writer = BundleWriter(root)
    for batch in log.scan():
        for row in batch:
            if writer.size == size:
                break
            writer.add(_record(row, writer.size))
            for topics, collector in collectors:
                if row.topic in topics:
                    collector.see(row.leaf_index, row.topic, row.originator_id, row.state[HEADER_SIZE:])
        if writer.size == size:
            break
    if writer.size != size:
        raise IntegrityError(
            f"Leaf {writer.size} is missing from the log, which says it holds {size} leaves; run 'copro verify'."
        )
    extra: dict[str, bytes] = {}
    for _, collector in collectors:
        extra.update(collector.files())
    checkpoint_size = writer.finish(
        origin=origin,
        ledger_format=meta.get("format", ""),
        checkpoints=checkpoints,
        keys=keys,
        extra=extra,
    )
    return writer, checkpoint_size


def write_archive(folder: Path, paths: Iterable[str], target: Path) -> None:
    """A deterministic ``.tar.gz`` of ``paths`` in ``folder``: the same bundle gives the same bytes.

    Names sorted, regular files only (no folder entries), mtime 0, uid and gid 0, no
    user or group names, mode 0644, ustar format; gzip with no file name and mtime 0.
    """
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for name in sorted(paths):
            source = folder / name
            info = tarfile.TarInfo(name)
            info.size = source.stat().st_size
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            with source.open("rb") as f:
                tar.addfile(info, f)


def check_target(out: Path, *, archive: bool) -> None:
    """Refuse, before anything is written, a target that holds something or cannot be made."""
    if out.is_dir() and archive:
        raise ConfigurationError(f"{out} is a folder; --archive writes one file, so name a file that does not exist.")
    if out.is_dir() and any(out.iterdir()):
        raise ConfigurationError(f"{out} is not empty; export into a new or empty folder.")
    if not out.is_dir() and (out.is_symlink() or (out.exists() and (not archive or out.stat().st_size))):
        raise ConfigurationError(f"{out} already exists; choose a path that does not, so nothing is overwritten.")
    if not out.parent.is_dir():
        raise ConfigurationError(f"The folder {out.parent} does not exist; create it or export elsewhere.")


def export_log(
    log: MerkleLogMixin, out: Path, *, plugins: Sequence[BundleFiles] = (), archive: bool = False
) -> ExportSummary:
    """Write the bundle of ``log`` to ``out`` (a folder, or with ``archive`` one ``.tar.gz`` file).

    ``out`` must not exist, or be an empty folder (an empty file with ``archive``).
    Everything is written beside it first and moved into place at the end, so a
    failed export leaves nothing behind.
    """
    check_target(out, archive=archive)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        folder = work / "bundle"
        folder.mkdir()
        writer, checkpoint_size = write_log(log, folder, plugins)
        if archive:
            packed = work / "bundle.tar.gz"
            write_archive(folder, writer.paths, packed)
            size_bytes = packed.stat().st_size
            os.replace(packed, out)
        else:
            size_bytes = sum((folder / p).stat().st_size for p in writer.paths)
            folder.chmod(0o755)  # a bundle is public: readable by a web server that serves it
            if out.is_dir():
                out.rmdir()
            os.replace(folder, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ExportSummary(out, writer.size, checkpoint_size, len(writer.paths), size_bytes, archive)
