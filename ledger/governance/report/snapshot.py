"""The report fold's state at a leaf, as versioned JSON, so the next report folds only the events after it.

A snapshot is a cache: the log is the truth. So it is plain data (JSON, never pickle:
a tampered cache must never run code), it names its format version and the root of
the tree it was folded from, and ``decode`` gives ``None`` for anything it cannot take
(not JSON, another version, a field missing or of the wrong type, a segment missing or
not the one named); the caller then folds from leaf 0. Whether a snapshot fits a request
(its leaf within the checkpoint, its root that of this log at that leaf, its newest event
before the period's end) is the builder's check, since only it knows the log.

**Segments, so that saving does not grow with the log.** The state is a *head* (the
leaf, the root, the open state: collectives, the ballots of open proposals) and a list
of *segments*, each a JSON document of records (proposals, objections, agreements,
reflections, contributions, feedback, narratives) and the tails of the append-only
tables (people, group sets, rosters) it added. A segment is named by the SHA-256 of its
bytes, which the head lists, so it is written once and never changed; a head names the
exact segments it was saved with. Reading applies the segments in order, a later copy of
a record replacing an earlier one (a contribution paid after it was offered, an
objection resolved). Saving writes only what changed since the snapshot was read
(``Facts.touched``) as a new segment, plus the small head. To keep the number of
segments small, the new segment absorbs the last ones while they hold no more than
twice its records (``plan``): sizes fall geometrically along the list, so there are
O(log n) segments and a record is rewritten O(log n) times over its life, never once
per report. Closed decisions, once compacted (``facts._compact``), end up in the large
early segments and are not written again.

``encode`` and ``decode`` also take a head with its records inline and no segments (one
document, as tests and the first save of a small log may hold).

Nothing in the state depends on the period (``facts.collect`` keeps times, not counts
of the period), so one snapshot serves every period that ends after it.

Pure (the standard library): the files belong to ``snapshot_files``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.governance.report import facts as fx

VERSION = "copro-report-facts/2"
Key = tuple[str, UUID]  # (kind, id): a record of one of the ``facts.KIND_OF`` tables
Tables = tuple[int, int, int]  # lengths of people, group sets, rosters


@dataclass(frozen=True)
class Segment:
    """A stored segment: its SHA-256 (hex, also its file name), the records it holds, where its table tails start."""

    sha256: str
    keys: frozenset[Key]
    tables: Tables


@dataclass(frozen=True)
class Snapshot:
    """A fold's state, and the root of the log's first ``facts.next_leaf`` leaves it was folded from.

    ``segments`` are the ones it was read from (in order), ``tables`` the table lengths at
    their end: what ``plan`` needs to write the next segment. ``head`` is the SHA-256 of the
    head it was read from or saved as: a process that keeps the state in memory
    (``copro project --follow``) reads it again only when the head on disk is another.
    """

    facts: fx.Facts
    root: bytes
    segments: tuple[Segment, ...] = ()
    tables: Tables = (0, 0, 0)
    head: str = ""


class _Bad(Exception):
    """Raised inside decoding; ``decode`` turns it into ``None``."""


# -- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the next save writes: the segments it keeps, the records of its new segment and where its tables start."""

    kept: tuple[Segment, ...]
    keys: frozenset[Key]
    tables: Tables = field(default=(0, 0, 0))


def plan(previous: Snapshot | None, touched: Collection[Key]) -> Plan:
    """The segments to keep and the one to write: the touched records, merged with the last segments
    while those hold no more than twice as many (so sizes fall geometrically along the list)."""
    kept = list(previous.segments) if previous is not None else []
    tables = previous.tables if previous is not None else (0, 0, 0)
    keys = set(touched)
    while kept and len(kept[-1].keys) <= 2 * len(keys):
        last = kept.pop()
        keys |= last.keys
        tables = last.tables
    return Plan(tuple(kept), frozenset(keys), tables)


def encode_segment(facts: fx.Facts, keys: Collection[Key], tables: Tables) -> bytes:
    """A segment: the records named by ``keys`` as they stand, and the tables' tails from ``tables``."""
    return _dumps({"version": VERSION, **_body(facts, keys, tables)})


def encode(
    facts: fx.Facts,
    root: bytes,
    segments: Iterable[Segment] = (),
    *,
    inline: Collection[Key] | None = None,
    tables: Tables = (0, 0, 0),
) -> bytes:
    """The head: the leaf, root, open state and segment list (without the period, which the next fold
    supplies), and inline the records of ``inline`` (every record when ``None``: one whole document)
    with the tables' tails from ``tables``."""
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
        "segments": [[s.sha256, list(s.tables)] for s in segments],
        **_body(f, inline, tables),
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
KINDS = tuple(_ENCODERS)
assert set(KINDS) == set(fx.KIND_OF.values())


def _body(f: fx.Facts, keys: Collection[Key] | None, tables: Tables) -> dict[str, Any]:
    """Records (all, or those in ``keys``) in the order the fold made them, and the tables from ``tables`` on."""
    people, sets, rosters = tables
    out: dict[str, Any] = {
        "tables_from": list(tables),
        "people": f.people[people:],
        "group_sets": f.group_sets[sets:],
        "rosters": f.rosters[rosters:],
    }
    for kind, enc in _ENCODERS.items():
        records: dict[UUID, Any] = getattr(f, kind)
        if keys is None:
            out[kind] = [enc(k, r) for k, r in records.items()]
        else:
            out[kind] = [enc(k, r) for k, r in records.items() if (kind, k) in keys]
    return out


# -- reading ---------------------------------------------------------------------------------


def decode(
    data: bytes,
    *,
    start: datetime | None,
    end: datetime,
    segment: Callable[[str], bytes | None] = lambda sha: None,
) -> Snapshot | None:
    """The snapshot whose head is ``data`` (its segments read through ``segment``, by SHA-256), its
    period set to ``[start, end)``; ``None`` for anything else."""
    try:
        doc = _loads(data)
        if not isinstance(doc, dict) or doc.get("version") != VERSION:
            return None
        snap = _snapshot(doc, start, end, segment)
        return Snapshot(snap.facts, snap.root, snap.segments, snap.tables, sha256(data))
    except (_Bad, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        return None
    finally:
        _UUIDS.clear()


def _loads(data: bytes) -> Any:
    return json.loads(data, parse_constant=_no_constant)


def _no_constant(name: str) -> Any:
    raise _Bad(name)


def _snapshot(
    doc: dict[str, Any], start: datetime | None, end: datetime, segment: Callable[[str], bytes | None]
) -> Snapshot:
    f = fx.Facts(start, end)
    f.size, f.next_leaf, f.latest = _int(doc["size"]), _int(doc["next_leaf"]), _opt_time(doc["latest"])
    segments = []
    for sha, tables in doc["segments"]:
        data = segment(_s(sha))
        if data is None or sha256(data) != sha:
            raise _Bad("a segment missing or not the one the head names")
        part = _loads(data)
        if not isinstance(part, dict) or part.get("version") != VERSION or part["tables_from"] != tables:
            raise _Bad("a segment of another version or place")
        at = _tables(f)
        segments.append(Segment(sha, frozenset(_apply(f, part)), at))
    tables_end = _tables(f)
    f.touched = _apply(f, doc)  # records inline in the head are in no segment yet
    f.index_tables()
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
    people, sets = len(f.people), len(f.group_sets)
    for r in f.rosters:  # every packed index must point into its table
        if len(r) % 2 or not _within(r[::2], people) or not _within(r[1::2], sets):
            raise _Bad("roster")
    for pf in f.proposals.values():
        if not -1 <= pf.roster < len(f.rosters) or len(pf.counted) % 2:
            raise _Bad("packed votes")
        if not _within(pf.counted[::2], people) or not _within(pf.counted[1::2], len(fx.POSITIONS)):
            raise _Bad("counted index")
    return Snapshot(f, root, tuple(segments), tables_end)


def _tables(f: fx.Facts) -> Tables:
    return len(f.people), len(f.group_sets), len(f.rosters)


def _apply(f: fx.Facts, doc: dict[str, Any]) -> set[Key]:
    """Apply one body (a segment's, or the head's inline one) over the state so far: its table tails
    must start where the tables end, and its records replace earlier copies. The keys it held."""
    if doc["tables_from"] != list(_tables(f)):
        raise _Bad("a table tail that does not start where the tables end")
    f.people += [_s(h) for h in doc["people"]]
    f.group_sets += [[_s(g) for g in gs] for gs in doc["group_sets"]]
    f.rosters += [_ints(r) for r in doc["rosters"]]
    keys: set[Key] = set()
    for p in doc["proposals"]:
        pf = _proposal_of(p)
        f.proposals[pf.id] = pf
        keys.add(("proposals", pf.id))
    for o in doc["objections"]:
        of = _objection_of(o)
        f.objections[of.id] = of
        keys.add(("objections", of.id))
    for a in doc["agreements"]:
        af = _agreement_of(a)
        f.agreements[af.id] = af
        keys.add(("agreements", af.id))
    for k, cid, subject, outcome, at, actions, done in doc["reflections"]:
        rid = _u(k)
        f.reflections[rid] = fx.ReflectionFacts(
            _u(cid), _s(subject), _opt_s(outcome), _time(at), _int(actions), _int(done)
        )
        keys.add(("reflections", rid))
    for k, cid, mid, minutes, at, recognition, kind, amount, currency, table in doc["contributions"]:
        kid = _u(k)
        f.contributions[kid] = fx.ContributionFacts(
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
        keys.add(("contributions", kid))
    for k, cid, pid, mid, answers, at in doc["feedback"]:
        fid = _u(k)
        f.feedback[fid] = fx.FeedbackFacts(_u(cid), _u(pid), _u(mid), _answers(answers), _time(at))
        keys.add(("feedback", fid))
    for k, cid, texts, leaf in doc["narratives"]:
        nid = _u(k)
        f.narratives[nid] = fx.NarrativeFacts(_u(cid), _texts(texts), _int(leaf))
        keys.add(("narratives", nid))
    return keys


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
    ]


def _collective_of(c: list[Any]) -> fx.CollectiveFacts:
    cid, name, purpose, groups, founded, members, roles, last = c
    out = fx.CollectiveFacts(_u(cid), _s(name), _s(purpose), {_s(k): _s(v) for k, v in groups}, _time(founded))
    for m, gs, left in members:
        out.members[_u(m)] = fx.Member(frozenset(_s(g) for g in gs), _bool(left))
    for m, role, starts, ends, at, rotated in roles:
        out.roles.append(fx.RoleTerm(_u(m), _s(role), _s(starts), _opt_s(ends), _time(at), _bool(rotated)))
    out.last_activity = _opt_time(last)
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
    ]


def _objection_of(o: list[Any]) -> fx.ObjectionFacts:
    oid, pid, mid, paramount, from_block, version_hash, raised, status, resolved, into = o
    return fx.ObjectionFacts(
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
