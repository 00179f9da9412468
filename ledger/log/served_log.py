"""The log as C2SP tlog-tiles resources: what ``/log/`` serves, worked out from the stored log.

Why this module exists: a signed log protects people only if outsiders can follow
it.  Serving it in the tlog-tiles form lets any standard client (a monitor, a
witness's log follower, ``copro monitor``) fetch the checkpoint, the tiles and the
entries, and check inclusion and consistency itself, without an account.  The
paths are the bundle's paths (``ledger.log.bundle.layout``), so a served log and
an exported bundle read the same way.

Everything served is covered by the newest stored checkpoint: a tile or entry
bundle beyond it is "not found", so nothing unsigned is published, and a client
that asks for a partial tile of an older checkpoint gets it (its hashes never
change).  What the log reveals is what the records already hold: ids, kinds of
event and times, with personal text sealed (docs/FORMAT.md section 6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from ledger.log.bundle.layout import MAX_ENTRY, MAX_LEVEL, pack_entries
from ledger.log.signed_note import Checkpoint, NoteError
from ledger.log.tile_math import TILE_HEIGHT, TILE_WIDTH

__all__ = ["NotServed", "ServedLog", "issue_receipt", "parse_tile_path"]

_INDEX = re.compile(r"(?:x[0-9]{3}/)*[0-9]{3}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")


class NotServed(LookupError):
    """A resource the log does not serve: ``status`` 400 for a malformed path, 404 beyond the checkpoint."""

    def __init__(self, status: int, sentence: str) -> None:
        super().__init__(sentence)
        self.status = status
        self.sentence = sentence


class TileSource(Protocol):
    def checkpoints(self) -> list[tuple[int, str]]: ...
    def tile_hashes(self, level: int, start: int, end: int) -> bytes: ...
    def entries(self, start: int, end: int) -> list[bytes]: ...


@dataclass(frozen=True)
class TileRequest:
    """A parsed ``tile/...`` path: the level (None for entry bundles), the index and the width."""

    level: int | None
    index: int
    width: int
    wide: bool = False


def parse_tile_path(path: str) -> TileRequest:
    """Read ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]`` or ``copro/entries/<N>[.p/<W>]`` exactly.

    tlog-tiles fixes the form: ``<L>`` 0 to 63 with no leading zeros, ``<N>`` in
    3-digit groups all but the last prefixed ``x`` (no superfluous leading group),
    ``<W>`` 1 to 255.  Anything else is a malformed path (400).
    """
    wide = path.startswith("copro/entries/")
    if wide:
        rest, level = path[len("copro/entries/") :], None
    elif path.startswith("tile/entries/"):
        rest, level = path[len("tile/entries/") :], None
    elif path.startswith("tile/"):
        level_text, _, rest = path[len("tile/") :].partition("/")
        if not _LEVEL.fullmatch(level_text) or int(level_text) > MAX_LEVEL:
            raise NotServed(400, f"The tile level {level_text!r} is not a number from 0 to {MAX_LEVEL}.")
        level = int(level_text)
    else:
        raise NotServed(404, "The log serves checkpoint, tile/<L>/<N> and tile/entries/<N>.")
    index_text, partial, width_text = rest.partition(".p/")
    if not _INDEX.fullmatch(index_text) or (index_text.startswith("x000/")):
        raise NotServed(400, f"The tile index {index_text!r} is not written as tlog-tiles says (e.g. x001/234).")
    index = int(index_text.replace("x", "").replace("/", ""))
    width = TILE_WIDTH
    if partial:
        if not _WIDTH.fullmatch(width_text) or int(width_text) >= TILE_WIDTH:
            raise NotServed(400, f"The partial tile width {width_text!r} is not a number from 1 to 255.")
        width = int(width_text)
    return TileRequest(level, index, width, wide)


class ServedLog:
    """Answers for ``/log/`` from a stored log (both engines' recorders are tile sources)."""

    def __init__(self, log: TileSource) -> None:
        self._log = log

    def checkpoint(self) -> tuple[int, str]:
        """The newest stored checkpoint (with any witness cosignatures) and its size."""
        stored = self._log.checkpoints()
        if not stored:
            raise NotServed(404, "This log has no checkpoint yet; ask its operator to run 'copro checkpoint'.")
        size, note = stored[-1]
        return size, note

    def _signed_size(self) -> int:
        size, note = self.checkpoint()
        try:
            return Checkpoint.parse(note[: note.rfind("\n\n") + 1]).size
        except NoteError:
            return size

    def tile(self, request: TileRequest) -> bytes:
        """A tile's bytes, if the newest checkpoint covers it."""
        assert request.level is not None
        nodes = self._signed_size() >> (TILE_HEIGHT * request.level)
        start = request.index * TILE_WIDTH
        if start + request.width > nodes:
            raise NotServed(404, "That tile is beyond the log's newest checkpoint.")
        return self._log.tile_hashes(request.level, start, start + request.width)

    def entry_bundle(self, request: TileRequest) -> bytes:
        """An entry bundle (uint16 lengths; under ``copro/entries/``: uint32 lengths), if covered."""
        start = request.index * TILE_WIDTH
        if start + request.width > self._signed_size():
            raise NotServed(404, "That entry bundle is beyond the log's newest checkpoint.")
        entries = self._log.entries(start, start + request.width)
        too_long = any(len(e) > MAX_ENTRY for e in entries)
        if too_long and not request.wide:
            raise NotServed(
                404,
                "An entry of this bundle is too long for tlog-tiles; fetch copro/entries/ at the same index instead.",
            )
        if request.wide and not too_long:
            raise NotServed(404, "This bundle fits tlog-tiles; fetch tile/entries/ at the same index instead.")
        return pack_entries(entries, wide=request.wide)


class ReceiptSource(TileSource, Protocol):
    def leaf_index_of(self, originator_id: UUID, version: int) -> int | None: ...
    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...


def issue_receipt(log: ReceiptSource, aggregate_id: UUID, version: int) -> str | None:
    """A receipt for an event under the newest stored checkpoint that covers it.

    None if the event is not in the log or no checkpoint covers it yet (the caller
    makes a checkpoint and asks again).  The newest covering checkpoint carries the
    most cosignatures; any later one proves the same, so members' receipts stay valid.
    """
    from ledger.log.receipt import make_receipt

    index = log.leaf_index_of(aggregate_id, version)
    if index is None:
        return None
    covering = [(size, note) for size, note in log.checkpoints() if size > index]
    if not covering:
        return None
    size, note = covering[-1]
    return make_receipt(index, log.inclusion_proof(index, size), note, log.entries(index, index + 1)[0])
