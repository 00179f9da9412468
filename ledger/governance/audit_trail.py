"""The audit trail: a collective's events per aggregate or per member, by kind and period, and its exports.

Read from the history index the projection keeps (``view_events``), never from the
log: a page is one indexed query of one page of rows, newest first, whatever the
log's length. The exports (CSV and JSON) hold the same rows and columns (with the names of the
people each row names, as members see them on the pages); CSV cells
that a spreadsheet would run as a formula are neutralised (OWASP's CSV injection rule).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from uuid import UUID

from ledger.governance.errors import N_, Invalid, say
from ledger.governance.projection import moment_text
from ledger.governance.view_tables import GovernanceViewMixin
from ledger.log import vocabulary

COLUMNS = ("leaf", "time", "event", "aggregate", "version", "actor", "actor_name", "subject", "subject_name")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH = 1000
Name = Callable[[str], str]  # a member's hex id -> the name members see


def known_kinds() -> list[str]:
    """Every aggregate and event name of the vocabulary a collective's trail can hold (not the keyring's)."""
    prefix = f"{vocabulary.VOCABULARY}/"
    return sorted(
        name
        for topic in vocabulary.names()
        if topic.startswith(prefix) and not (name := topic.removeprefix(prefix)).startswith("Keyring")
    )


def aggregate_kinds() -> list[str]:
    """The aggregate names alone: the choices of the trail's kind filter."""
    return [k for k in known_kinds() if "." not in k]


@dataclass(frozen=True)
class TrailFilter:
    """What a trail shows: one aggregate or one member (or the whole collective), of a kind, in a period."""

    aggregate: UUID | None = None
    member: UUID | None = None
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind and self.kind not in known_kinds():
            raise Invalid(
                say(
                    N_("%(kind)s is not a kind of record or event; choose one of %(choices)s."),
                    kind=repr(self.kind),
                    choices=", ".join(aggregate_kinds()),
                )
            )
        if self.since is not None and self.until is not None and self.since > self.until:
            raise Invalid("The period starts after it ends; give a 'from' date before the 'to' date.")


@dataclass(frozen=True)
class TrailRow:
    """One event of the trail, as the index holds it: ids only, no personal data."""

    leaf: int
    time: str
    event: str
    aggregate: str
    version: int
    actor: str
    subject: str


def trail(
    view: GovernanceViewMixin, collective_id: UUID, where: TrailFilter, *, before: int | None, limit: int
) -> list[TrailRow]:
    """At most ``limit`` rows matching ``where`` with a leaf below ``before``, newest first: one query.

    Each question is asked of its own index, so its cost follows the rows it returns,
    not the log: one record's events by ``(aggregate_id, version)``; one member's as
    the union of the events they did (``actor``) and those about them (``subject``),
    each read newest first from its index and cut at ``limit``; the collective's by
    ``(collective_id, leaf)``. The caller has checked that the record or member is
    the collective's, and every event of either is.
    """
    filters, params = _filters(where, before)
    columns = "SELECT leaf, at, kind, aggregate_id, version, actor, subject FROM view_events WHERE"
    if where.member is not None:
        if where.aggregate is not None:
            filters = f"aggregate_id = ? AND {filters}"
            params = [where.aggregate.hex, *params]
        one = f"SELECT * FROM ({columns} {{who}} = ? AND {filters} ORDER BY leaf DESC LIMIT ?) AS {{name}}"
        sql = (
            f"{one.format(who='actor', name='did')} UNION {one.format(who='subject', name='about')} "
            "ORDER BY leaf DESC LIMIT ?"
        )
        member = where.member.hex
        args: tuple[object, ...] = (member, *params, limit, member, *params, limit, limit)
    elif where.aggregate is not None:
        sql = f"{columns} aggregate_id = ? AND {filters} ORDER BY leaf DESC LIMIT ?"
        args = (where.aggregate.hex, *params, limit)
    else:
        sql = f"{columns} collective_id = ? AND {filters} ORDER BY leaf DESC LIMIT ?"
        args = (collective_id.hex, *params, limit)
    return [
        TrailRow(int(leaf), str(at), str(kind), str(agg), int(version), str(actor or ""), str(subject or ""))
        for leaf, at, kind, agg, version, actor, subject in view.query(sql, args)
    ]


def _filters(where: TrailFilter, before: int | None) -> tuple[str, list[object]]:
    """The kind, period and page conditions every trail query shares, and their parameters."""
    sql, params = ["1 = 1"], list[object]()
    if where.kind and "." in where.kind:
        sql.append("kind = ?")
        params.append(where.kind)
    elif where.kind:
        sql.append("kind LIKE ?")  # an aggregate: every event of it ('Proposal.%')
        params.append(f"{where.kind}.%")
    if where.since is not None:
        sql.append("at >= ?")
        params.append(moment_text(where.since))
    if where.until is not None:
        sql.append("at <= ?")
        params.append(moment_text(where.until))
    if before is not None:
        sql.append("leaf < ?")
        params.append(before)
    return " AND ".join(sql), params


def every_row(view: GovernanceViewMixin, collective_id: UUID, where: TrailFilter) -> Iterator[TrailRow]:
    """Every matching row, newest first, a batch at a time (an export of any length in bounded memory)."""
    before: int | None = None
    while True:
        rows = trail(view, collective_id, where, before=before, limit=EXPORT_BATCH)
        yield from rows
        if len(rows) < EXPORT_BATCH:
            return
        before = rows[-1].leaf


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: one that could start a formula gets a leading apostrophe."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def exported(row: TrailRow, name: Name) -> dict[str, object]:
    """One row as both exports give it: the index's columns and the names of the people it names."""
    doc: dict[str, object] = asdict(row)
    doc["actor_name"] = name(row.actor) if row.actor else ""
    doc["subject_name"] = name(row.subject) if row.subject else ""
    return {column: doc[column] for column in COLUMNS}


def csv_lines(rows: Iterator[TrailRow], name: Name) -> Iterator[str]:
    """The trail as CSV (RFC 4180, CRLF line ends), a header line first, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(v) for v in exported(row, name).values()])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def json_chunks(rows: Iterator[TrailRow], name: Name, *, collective_id: UUID, where: TrailFilter) -> Iterator[str]:
    """The trail as one JSON document: the filter it answers and the rows, streamed."""
    head = {
        "collective": collective_id.hex,
        "filter": {
            "aggregate": where.aggregate.hex if where.aggregate else None,
            "member": where.member.hex if where.member else None,
            "kind": where.kind or None,
            "from": moment_text(where.since) if where.since else None,
            "to": moment_text(where.until) if where.until else None,
        },
        "columns": list(COLUMNS),
    }
    yield json.dumps(head, indent=2)[:-2] + ',\n  "rows": ['
    first = True
    for row in rows:
        yield ("\n    " if first else ",\n    ") + json.dumps(exported(row, name))
        first = False
    yield "\n  ]\n}\n"
