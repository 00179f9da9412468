"""The report fold's state at a leaf, as versioned JSON, so the next report folds only the events after it,
and reads only the records its period can touch.

A snapshot is a cache: the log is the truth. So it is plain data (JSON, never pickle:
a tampered cache must never run code), it names its format version and the root of
the tree it was folded from, and ``decode`` gives ``None`` for anything it cannot take
(not JSON, another version, a field missing or of the wrong type, a segment missing or
not the one named); the caller then folds from leaf 0. Whether a snapshot fits a request
(its leaf within the checkpoint, its root that of this log at that leaf, its newest event
before the period's end) is the builder's check, since only it knows the log.

**A head and dated segments.** The *head* holds the leaf, the root and the state every
report needs whatever its period, all of it small: collectives (members, roles, the newest
review), the ballots of open proposals, the tables of people, group sets and rosters, the
agreements and the narratives. The records that pile up with the log (proposals,
objections, reflections, contributions, feedback) are in *segments*, each of one kind,
named by the SHA-256 of its bytes (so written once and never changed), and listed in the
head with the number of records and the newest of their *dates*: the time that puts a record
in a period (``date_of``: a proposal's close or withdrawal, an objection's decision, a
reflection's, contribution's or feedback's own time). Every record of a snapshot is dated
before the period's end (the snapshot is only used when it ends before it), so a segment
whose newest date is before the period's start holds nothing the period's figures read:
``decode`` reads only the others, and of those only the records dated in the period. A
record's date never moves back (set once, or feedback's moving forward), so its newest copy
is in a segment that is read whenever an older copy is.

**The rest on demand.** The fold after a snapshot may change a record the period did not
read (a contribution logged before the period and paid in it, a proposal opened before it):
the tables of a decoded snapshot are ``LazyRecords``, which look a missing id up in the
segments not yet read, newest first, so the copy found is the newest. A save reads the
segments it merges the same way.

**Saving does not grow with the log.** A save writes only what changed since the snapshot
was read (``Facts.touched``) as new segments, plus the head. Per kind, the new records
absorb the last segments while those hold no more than twice as many (``plan``), so sizes
fall geometrically and a record is rewritten O(log n) times; a segment of ``CAP`` records
is *sealed*: never merged again, so old records stay in old segments, which is what lets
a period skip them.

``encode`` and ``decode`` also take a head with its records inline and no segments (one
document, as tests may hold).

Pure (the standard library): the files belong to ``snapshot_files``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

from ledger.governance.report import facts as fx

VERSION = "copro-report-facts/3"
Key = tuple[str, UUID]  # (kind, id): a record of one of the ``facts.KIND_OF`` tables
SEGMENT_KINDS = ("proposals", "objections", "reflections", "contributions", "feedback")
HEAD_KINDS = ("agreements", "narratives")  # few, and read by every period: kept in the head
assert set(SEGMENT_KINDS) | set(HEAD_KINDS) == set(fx.KIND_OF.values())
CAP = 1024  # records in a sealed segment; a module setting so a test can make segments small
V = TypeVar("V")


class SnapshotUnreadable(Exception):
    """A segment the head names could not be read when a record was looked up in it: fold from leaf 0."""


@dataclass(frozen=True)
class Segment:
    """A stored segment as the head lists it: its SHA-256 (hex, also its file name), the kind of its
    records, how many, and the newest of their dates (``None``: none is dated, e.g. open proposals)."""

    sha256: str
    kind: str
    count: int
    latest: datetime | None


class Store:
    """The segments of one snapshot and which of them are read into its facts.

    A segment is unread, *partly* read (only its records dated from the period's start: the
    rest kept as parsed JSON, decoded if asked for) or fully read. ``origin`` says which segment
    each record was read from, so a copy from an older segment never replaces a newer one, and
    no copy replaces a record the fold changed since (``Facts.touched``).
    """

    def __init__(self, facts: fx.Facts, segments: Iterable[Segment], read: Callable[[str], bytes | None]) -> None:
        self.facts = facts
        self.segments = list(segments)
        self._read = read
        self._pending: dict[int, list[Any]] = {}  # partly read: the records not decoded yet
        self._seen: dict[int, set[Key]] = {}  # the keys decoded from each segment so far
        self.full: dict[int, frozenset[Key]] = {}  # fully read: the keys it holds
        self.origin: dict[Key, int] = {}
        self.segments_read = 0  # files read and parsed: what a report costs, counted by tests
        self.records_read = 0  # records decoded from them

    def partly(self, i: int, since: datetime) -> None:
        """Read segment ``i``, decoding only the records dated at or after ``since``."""
        if i in self.full or i in self._pending:
            return
        date_at = _DATE_AT[self.segments[i].kind]
        later: list[Any] = []
        rest: list[Any] = []
        try:
            for r in self._records(i):
                dates = [_time(r[j]) for j in date_at if r[j] is not None]
                (later if dates and max(dates) >= since else rest).append(r)
        except (_Bad, ValueError, TypeError, IndexError) as e:
            raise SnapshotUnreadable(f"a record without its dates ({e})") from None
        self._pending[i] = rest
        self._apply(i, later)

    def read_fully(self, i: int) -> frozenset[Key]:
        """Every record of segment ``i`` read (what a merge and a look-up need): the keys it holds."""
        if i not in self.full:
            self._apply(i, self._pending.pop(i) if i in self._pending else self._records(i))
            keys = frozenset(self._seen.pop(i, set()))
            if len(keys) != self.segments[i].count:
                raise SnapshotUnreadable(f"segment {self.segments[i].sha256} holds a record twice")
            self.full[i] = keys
        return self.full[i]

    def find(self, kind: str, rid: UUID) -> bool:
        """Look ``rid`` up in the segments of ``kind`` not fully read, newest first: whether it is there now."""
        records: dict[UUID, Any] = getattr(self.facts, kind)
        for i in range(len(self.segments) - 1, -1, -1):
            if self.segments[i].kind == kind and i not in self.full:
                self.read_fully(i)
                if dict.__contains__(records, rid):
                    return True
        return False

    def _records(self, i: int) -> list[Any]:
        s = self.segments[i]
        try:
            data = self._read(s.sha256)
            if data is None or sha256(data) != s.sha256:
                raise _Bad("a segment missing or not the one the head names")
            part = _loads(data)
            if not isinstance(part, dict) or part.get("version") != VERSION or part.get("kind") != s.kind:
                raise _Bad("a segment of another version or kind")
            records = part["records"]
            if not isinstance(records, list) or len(records) != s.count:
                raise _Bad("a segment that does not hold the records its head counts")
        except (_Bad, ValueError, TypeError, KeyError, RecursionError) as e:
            raise SnapshotUnreadable(str(e)) from None
        self.segments_read += 1
        return records

    def _apply(self, i: int, raw: list[Any]) -> None:
        kind = self.segments[i].kind
        records: dict[UUID, Any] = getattr(self.facts, kind)
        decode_one = _DECODERS[kind]
        touched, seen = self.facts.touched, self._seen.setdefault(i, set())
        try:
            for r in raw:
                rid, record = decode_one(self.facts, r)
                key = (kind, rid)
                seen.add(key)
                held = self.origin.get(key)
                if dict.__contains__(records, rid) and (key in touched or held is None or held > i):
                    continue  # the fold changed it, or a newer segment's copy is already read
                dict.__setitem__(records, rid, record)
                self.origin[key] = i
        except (_Bad, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as e:
            raise SnapshotUnreadable(f"a record that does not decode ({e})") from None
        finally:
            _UUIDS.clear()
        self.records_read += len(raw)

    def rebase(self, segments: list[Segment], kept: list[int], written: list[frozenset[Key]]) -> None:
        """After a save: the head now names ``segments``, which are the old ones at ``kept`` (in order)
        and then the new ones just written, holding ``written`` (all read: they came from memory)."""
        moved = {old: new for new, old in enumerate(kept)}
        self.segments = segments
        self._pending = {moved[i]: r for i, r in self._pending.items() if i in moved}
        self._seen = {moved[i]: k for i, k in self._seen.items() if i in moved}
        self.full = {moved[i]: k for i, k in self.full.items() if i in moved}
        self.origin = {key: moved[i] for key, i in self.origin.items() if i in moved}
        for n, keys in enumerate(written, start=len(kept)):
            self.full[n] = keys
            for key in keys:
                self.origin[key] = n


class LazyRecords(dict[UUID, V]):
    """A table of records of a decoded snapshot: an id it does not hold is looked up in the
    segments not yet read (``Store.find``) before it is called missing."""

    def __init__(self, store: Store, kind: str) -> None:
        super().__init__()
        self._store, self._kind = store, kind

    def __missing__(self, key: UUID) -> V:
        if self._store.find(self._kind, key):
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def get(self, key: UUID, default: Any = None) -> Any:
        if dict.__contains__(self, key) or self._store.find(self._kind, key):
            return dict.__getitem__(self, key)
        return default

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, UUID) and self._store.find(self._kind, key))


@dataclass(frozen=True)
class Snapshot:
    """A fold's state, and the root of the log's first ``facts.next_leaf`` leaves it was folded from.

    ``segments`` are the ones its head names (in order), ``store`` what of them is read.
    ``head`` is the SHA-256 of the head it was read from or saved as: a process that keeps the
    state in memory (``copro project --follow``) reads it again only when the head on disk is another.
    """

    facts: fx.Facts
    root: bytes
    segments: tuple[Segment, ...] = ()
    head: str = ""
    store: Store | None = None


class _Bad(Exception):
    """Raised inside decoding; ``decode`` turns it into ``None``."""


def date_of(kind: str, record: Any) -> datetime | None:
    """The time that puts a record in a period (``None``: in none yet, e.g. a proposal still open)."""
    at: datetime | None
    if kind == "proposals":
        at = record.closed_at or record.withdrawn_at
    elif kind == "objections":
        at = record.decided_at
    else:
        at = record.at
    return at


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the next save writes: the old segments it keeps (their indexes) and, per kind, the records
    of its new segments (the touched ones and those of the last segments they absorb)."""

    kept: tuple[int, ...]
    keys: dict[str, frozenset[Key]]


def plan(
    previous: Snapshot | None, touched: Collection[Key], keys_of: Callable[[int], frozenset[Key]] | None = None
) -> Plan:
    """Per kind, the touched records merged with the last segments of that kind while those are not
    sealed and hold no more than twice as many (so sizes fall geometrically along the list).
    ``keys_of`` gives an old segment's keys (by default: read it through the snapshot's store)."""
    segments = list(previous.segments) if previous is not None else []
    if keys_of is None:
        store = previous.store if previous is not None else None
        keys_of = (lambda i: frozenset()) if store is None else store.read_fully
    dropped: set[int] = set()
    out: dict[str, frozenset[Key]] = {}
    for kind in SEGMENT_KINDS:
        keys = {k for k in touched if k[0] == kind}
        if not keys:
            continue
        mine = [i for i, s in enumerate(segments) if s.kind == kind]
        while mine and segments[mine[-1]].count < CAP and segments[mine[-1]].count <= 2 * len(keys):
            i = mine.pop()
            keys |= keys_of(i)
            dropped.add(i)
        out[kind] = frozenset(keys)
    return Plan(tuple(i for i in range(len(segments)) if i not in dropped), out)


def chunks(facts: fx.Facts, kind: str, keys: Collection[Key]) -> list[list[UUID]]:
    """The ids of ``keys`` in the order the fold made them, in segments of ``CAP`` (the last one shorter)."""
    records: dict[UUID, Any] = getattr(facts, kind)
    ids = [k for k in records if (kind, k) in keys]
    return [ids[n : n + CAP] for n in range(0, len(ids), CAP)]


def encode_segment(facts: fx.Facts, kind: str, ids: Iterable[UUID]) -> tuple[bytes, Segment]:
    """A segment of the records ``ids`` of ``kind`` as they stand, and how the head lists it."""
    records: dict[UUID, Any] = getattr(facts, kind)
    enc = _ENCODERS[kind]
    out, latest = [], None
    for k in ids:
        r = dict.__getitem__(records, k)
        out.append(enc(k, r))
        at = date_of(kind, r)
        if at is not None and (latest is None or at > latest):
            latest = at
    data = _dumps({"version": VERSION, "kind": kind, "records": out})
    return data, Segment(sha256(data), kind, len(out), latest)


def encode(
    facts: fx.Facts,
    root: bytes,
    segments: Iterable[Segment] = (),
    *,
    inline: Collection[Key] | None = None,
) -> bytes:
    """The head: the leaf, root, the state every period needs and the segment list (without the
    period, which the next fold supplies), and inline the records of ``inline`` (every record when
    ``None``: one whole document, of a fold from leaf 0; of a decoded snapshot only the records
    read so far are in memory, which is why a save writes segments instead)."""
    f = facts
    doc = {
        "version": VERSION,
        "root": base64.b64encode(root).decode("ascii"),
        "size": f.size,
        "next_leaf": f.next_leaf,
        "latest": _t(f.latest),
        "collectives": [_collective(c) for c in f.collectives.values()],
        "ballots": [
            [k.hex, b.proposal_id.hex, b.member_id.hex, [_pos(v) for v in b.versions]] for k, b in f.ballots.items()
        ],
        "ballots_of": [[k.hex, [b.hex for b in v]] for k, v in f.ballots_of.items()],
        "people": f.people,
        "group_sets": f.group_sets,
        "rosters": f.rosters,
        **{kind: [_ENCODERS[kind](k, r) for k, r in getattr(f, kind).items()] for kind in HEAD_KINDS},
        "segments": [[s.sha256, s.kind, s.count, _t(s.latest)] for s in segments],
        "inline": {
            kind: [_ENCODERS[kind](k, r) for k, r in getattr(f, kind).items() if inline is None or (kind, k) in inline]
            for kind in SEGMENT_KINDS
        },
    }
    return _dumps(doc)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dumps(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


_ENCODERS: dict[str, Callable[[Any, Any], list[Any]]] = {
    "proposals": lambda k, p: _proposal(p),
    "objections": lambda k, o: _objection(o),
    "agreements": lambda k, a: _agreement(a),
    "reflections": lambda k, r: [k.hex, r.collective_id.hex, r.subject, r.review_outcome, _t(r.at), r.actions, r.done],
    "contributions": lambda k, c: [
        k.hex,
        c.collective_id.hex,
        c.member_id.hex,
        c.minutes,
        _t(c.at),
        c.recognition,
        c.kind,
        c.amount_minor,
        c.currency,
        c.rate_table,
    ],
    "feedback": lambda k, b: [k.hex, b.collective_id.hex, b.proposal_id.hex, b.member_id.hex, b.answers, _t(b.at)],
    "narratives": lambda k, n: [k.hex, n.collective_id.hex, n.texts, n.leaf],
}
# Where each segment kind's encoded record holds its dates (``date_of``), read before decoding it.
_DATE_AT: dict[str, tuple[int, ...]] = {
    "proposals": (8, 10),
    "objections": (10,),
    "reflections": (4,),
    "contributions": (4,),
    "feedback": (5,),
}
KINDS = tuple(_ENCODERS)
assert set(KINDS) == set(fx.KIND_OF.values())


# -- reading ---------------------------------------------------------------------------------


def decode(
    data: bytes,
    *,
    start: datetime | None,
    end: datetime,
    segment: Callable[[str], bytes | None] = lambda sha: None,
    period: bool = True,
) -> Snapshot | None:
    """The snapshot whose head is ``data`` (its segments read through ``segment``, by SHA-256), its
    period set to ``[start, end)``, with the records that period's figures read (all of them when
    ``start`` is ``None``; none when ``period`` is false: a fold that makes no report); ``None``
    for anything it cannot take. The other records are read when looked up (``LazyRecords``)."""
    try:
        doc = _loads(data)
        if not isinstance(doc, dict) or doc.get("version") != VERSION:
            return None
        f = fx.Facts(start, end)
        segments = [_segment_of(s) for s in doc["segments"]]
        store = Store(f, segments, segment)
        for kind in SEGMENT_KINDS:
            setattr(f, kind, LazyRecords(store, kind))
        root = _head(f, doc)
        if period:
            since = start or datetime.min.replace(tzinfo=UTC)
            for i, s in enumerate(segments):
                if s.latest is not None and s.latest >= since:
                    store.partly(i, since)
        return Snapshot(f, root, tuple(segments), sha256(data), store)
    except (_Bad, SnapshotUnreadable, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None
    finally:
        _UUIDS.clear()


def _loads(data: bytes) -> Any:
    return json.loads(data, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise _Bad(name)


def _segment_of(entry: Any) -> Segment:
    sha, kind, count, latest = entry
    if kind not in SEGMENT_KINDS or not re.fullmatch(r"[0-9a-f]{64}", _s(sha)):
        raise _Bad("a segment of no kind, or a name that is not a SHA-256")
    return Segment(sha, kind, _int(count), _opt_time(latest))


def _head(f: fx.Facts, doc: dict[str, Any]) -> bytes:
    """Read the head's own state into ``f``: the root it names."""
    f.size, f.next_leaf, f.latest = _int(doc["size"]), _int(doc["next_leaf"]), _opt_time(doc["latest"])
    f.people = [_s(h) for h in doc["people"]]
    f.group_sets = [[_s(g) for g in gs] for gs in doc["group_sets"]]
    f.rosters = [_ints(r) for r in doc["rosters"]]
    f.index_tables()
    people, sets = len(f.people), len(f.group_sets)
    for r in f.rosters:  # every packed index must point into its table
        if len(r) % 2 or not _within(r[::2], people) or not _within(r[1::2], sets):
            raise _Bad("roster")
    for kind in HEAD_KINDS:
        records: dict[UUID, Any] = getattr(f, kind)
        for r in doc[kind]:
            rid, record = _DECODERS[kind](f, r)
            records[rid] = record
    inline = doc["inline"]
    for kind in SEGMENT_KINDS:
        for r in inline[kind]:  # records inline in the head are in no segment yet
            rid, record = _DECODERS[kind](f, r)
            dict.__setitem__(getattr(f, kind), rid, record)
            f.touched.add((kind, rid))
    for c in doc["collectives"]:
        cf = _collective_of(c)
        f.collectives[cf.id] = cf
    for k, pid, mid, versions in doc["ballots"]:
        f.ballots[_u(k)] = fx.BallotFacts(_u(pid), _u(mid), [_pos_of(v) for v in versions])
    for k, ids in doc["ballots_of"]:
        f.ballots_of[_u(k)] = [_u(b) for b in ids]
    root = base64.b64decode(_s(doc["root"]), validate=True)
    if f.next_leaf < f.size or len(root) != 32:
        raise _Bad("inconsistent")
    return root


# -- each kind of state, both ways -------------------------------------------------------------


def _collective(c: fx.CollectiveFacts) -> list[Any]:
    return [
        c.id.hex,
        c.name,
        c.purpose,
        [[k, v] for k, v in c.groups.items()],
        _t(c.founded_at),
        [[m.hex, sorted(mem.groups), mem.left] for m, mem in c.members.items()],
        [[t.member_id.hex, t.role, t.starts, t.ends, _t(t.at), t.rotated] for t in c.roles],
        _t(c.last_activity),
        _t(c.last_review),
    ]


def _collective_of(c: list[Any]) -> fx.CollectiveFacts:
    cid, name, purpose, groups, founded, members, roles, last, review = c
    out = fx.CollectiveFacts(_u(cid), _s(name), _s(purpose), {_s(k): _s(v) for k, v in groups}, _time(founded))
    for m, gs, left in members:
        out.members[_u(m)] = fx.Member(frozenset(_s(g) for g in gs), _bool(left))
    for m, role, starts, ends, at, rotated in roles:
        out.roles.append(fx.RoleTerm(_u(m), _s(role), _s(starts), _opt_s(ends), _time(at), _bool(rotated)))
    out.last_activity, out.last_review = _opt_time(last), _opt_time(review)
    return out


def _proposal(p: fx.ProposalFacts) -> list[Any]:
    return [
        p.id.hex,
        p.collective_id.hex,
        p.category,
        [[v.number, v.content_hash, v.author_id.hex, v.title, _t(v.at)] for v in p.versions],
        p.state,
        None if p.agreement_id is None else p.agreement_id.hex,
        p.policy_name,
        [o.hex for o in p.objection_ids],
        _t(p.closed_at),
        p.result,
        _t(p.withdrawn_at),
        p.roster,
        p.counted,
        [[m.hex, _pos(at)] for m, at in p.reasons],
    ]


def _proposal_of(p: list[Any]) -> fx.ProposalFacts:
    (pid, cid, category, versions, state, agreement, policy, objections, closed, result, withdrawn) = p[:11]
    roster, counted, reasons = p[11:]
    if result is not None and not isinstance(result, dict):
        raise _Bad("result")
    return fx.ProposalFacts(
        _u(pid),
        _u(cid),
        _s(category),
        [fx.Version(_int(n), _s(h), _u(a), _s(t), _time(at)) for n, h, a, t, at in versions],
        _s(state),
        None if agreement is None else _u(agreement),
        _s(policy),
        [_u(o) for o in objections],
        _opt_time(closed),
        result,
        _opt_time(withdrawn),
        _int(roster),
        _ints(counted),
        [(_u(m), _pos_of(at)) for m, at in reasons],
    )


def _pos(v: fx.Position) -> list[Any]:
    return [v.position, v.version_hash, v.has_reason, _t(v.at)]


def _pos_of(v: list[Any]) -> fx.Position:
    position, version_hash, has_reason, at = v
    return fx.Position(_s(position), _s(version_hash), _bool(has_reason), _time(at))


def _objection(o: fx.ObjectionFacts) -> list[Any]:
    return [
        o.id.hex,
        o.proposal_id.hex,
        o.member_id.hex,
        o.paramount,
        o.from_block,
        o.version_hash,
        _t(o.raised_at),
        o.status,
        _t(o.resolved_at),
        o.resolved_into,
        _t(o.decided_at),
    ]


def _objection_of(o: list[Any]) -> fx.ObjectionFacts:
    oid, pid, mid, paramount, from_block, version_hash, raised, status, resolved, into, decided = o
    out = fx.ObjectionFacts(
        _u(oid),
        _u(pid),
        _u(mid),
        _bool(paramount),
        _bool(from_block),
        _s(version_hash),
        _time(raised),
        _s(status),
        _opt_time(resolved),
        _s(into),
    )
    out.decided_at = _opt_time(decided)
    return out


def _agreement(a: fx.AgreementFacts) -> list[Any]:
    return [
        a.id.hex,
        a.collective_id.hex,
        a.parties,
        a.review_date,
        a.policies,
        [[m.hex, g] for m, g in a.signatures.items()],
        _t(a.in_force_at),
        a.superseded,
    ]


def _agreement_of(a: list[Any]) -> fx.AgreementFacts:
    aid, cid, parties, review, texts, signatures, in_force, superseded = a
    out = fx.AgreementFacts(_u(aid), _u(cid), [_s(p) for p in parties], _s(review), _texts(texts))
    out.signatures = {_u(m): _s(g) for m, g in signatures}
    out.in_force_at, out.superseded = _opt_time(in_force), _bool(superseded)
    return out


def _checked_proposal(f: fx.Facts, raw: Any) -> tuple[UUID, fx.ProposalFacts]:
    """A proposal whose packed indexes all point into the head's tables."""
    pf = _proposal_of(raw)
    if not -1 <= pf.roster < len(f.rosters) or len(pf.counted) % 2:
        raise _Bad("packed votes")
    if not _within(pf.counted[::2], len(f.people)) or not _within(pf.counted[1::2], len(fx.POSITIONS)):
        raise _Bad("counted index")
    return pf.id, pf


def _reflection_of(f: fx.Facts, raw: Any) -> tuple[UUID, fx.ReflectionFacts]:
    k, cid, subject, outcome, at, actions, done = raw
    return _u(k), fx.ReflectionFacts(_u(cid), _s(subject), _opt_s(outcome), _time(at), _int(actions), _int(done))


def _contribution_of(f: fx.Facts, raw: Any) -> tuple[UUID, fx.ContributionFacts]:
    k, cid, mid, minutes, at, recognition, kind, amount, currency, table = raw
    return _u(k), fx.ContributionFacts(
        _u(cid),
        _u(mid),
        _int(minutes),
        _time(at),
        _s(recognition),
        _opt_s(kind),
        _int(amount),
        _s(currency),
        _s(table),
    )


def _feedback_of(f: fx.Facts, raw: Any) -> tuple[UUID, fx.FeedbackFacts]:
    k, cid, pid, mid, answers, at = raw
    return _u(k), fx.FeedbackFacts(_u(cid), _u(pid), _u(mid), _answers(answers), _time(at))


def _narrative_of(f: fx.Facts, raw: Any) -> tuple[UUID, fx.NarrativeFacts]:
    k, cid, texts, leaf = raw
    return _u(k), fx.NarrativeFacts(_u(cid), _texts(texts), _int(leaf))


def _objection_record(f: fx.Facts, raw: Any) -> tuple[UUID, fx.ObjectionFacts]:
    o = _objection_of(raw)
    return o.id, o


def _agreement_record(f: fx.Facts, raw: Any) -> tuple[UUID, fx.AgreementFacts]:
    a = _agreement_of(raw)
    return a.id, a


_DECODERS: dict[str, Callable[[fx.Facts, Any], tuple[UUID, Any]]] = {
    "proposals": _checked_proposal,
    "objections": _objection_record,
    "agreements": _agreement_record,
    "reflections": _reflection_of,
    "contributions": _contribution_of,
    "feedback": _feedback_of,
    "narratives": _narrative_of,
}


# -- checked scalars -----------------------------------------------------------------------------


def _t(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _time(text: Any) -> datetime:
    at = fx.parse_time(_s(text))
    if at.utcoffset() is None:
        raise _Bad("a time without its offset")
    return at


def _opt_time(text: Any) -> datetime | None:
    return None if text is None else _time(text)


# The ids of one snapshot, each parsed once: the same member, proposal and collective ids
# recur all through it (three in four ids at 10k events), and parsing a UUID costs more
# than everything else ``decode`` does. Emptied after each decode; UUIDs are immutable,
# so sharing one object between facts is safe.
_UUIDS: dict[Any, UUID] = {}


def _u(text: Any) -> UUID:
    known = _UUIDS.get(text)  # an unhashable value (a list) raises TypeError: decode gives None
    if known is None:
        known = _UUIDS[text] = UUID(hex=_s(text))
    return known


def _s(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad("not text")
    return value


def _opt_s(value: Any) -> str | None:
    return None if value is None else _s(value)


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Bad("not a whole number")
    return value


def _ints(value: Any) -> list[int]:
    # set(map(type, ...)) runs in C: a counted list holds a number per voter, and there is one per decision
    if not isinstance(value, list) or not set(map(type, value)) <= {int}:
        raise _Bad("not a list of whole numbers")
    return value


def _within(indexes: list[int], size: int) -> bool:
    """Every index points into a table of ``size`` (min and max run in C)."""
    return not indexes or (min(indexes) >= 0 and max(indexes) < size)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("not true or false")
    return value


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Bad("not an object")
    return {_s(k): _s(v) for k, v in value.items()}


def _answers(value: Any) -> dict[str, int | None]:
    if not isinstance(value, dict):
        raise _Bad("not an object")
    return {_s(k): None if v is None else _int(v) for k, v in value.items()}
