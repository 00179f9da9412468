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

from ledger.governance.errors import Invalid
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
                f"{self.kind!r} is not a kind of record or event; choose one of {', '.join(aggregate_kinds())}."
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
    """At most ``limit`` rows matching ``where`` with a leaf below ``before``, newest first: one query."""
    sql = ["SELECT leaf, at, kind, aggregate_id, version, actor, subject FROM view_events WHERE collective_id = ?"]
    params: list[object] = [collective_id.hex]
    if where.aggregate is not None:
        sql.append("AND aggregate_id = ?")
        params.append(where.aggregate.hex)
    if where.member is not None:
        sql.append("AND (actor = ? OR subject = ?)")
        params += [where.member.hex, where.member.hex]
    if where.kind and "." in where.kind:
        sql.append("AND kind = ?")
        params.append(where.kind)
    elif where.kind:
        sql.append("AND kind LIKE ?")  # an aggregate: every event of it ('Proposal.%')
        params.append(f"{where.kind}.%")
    if where.since is not None:
        sql.append("AND at >= ?")
        params.append(moment_text(where.since))
    if where.until is not None:
        sql.append("AND at <= ?")
        params.append(moment_text(where.until))
    if before is not None:
        sql.append("AND leaf < ?")
        params.append(before)
    sql.append("ORDER BY leaf DESC LIMIT ?")
    params.append(limit)
    return [
        TrailRow(int(leaf), str(at), str(kind), str(agg), int(version), str(actor or ""), str(subject or ""))
        for leaf, at, kind, agg, version, actor, subject in view.query(" ".join(sql), tuple(params))
    ]


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
