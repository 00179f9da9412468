"""The audit pages: the signed events behind what members see, an inclusion proof for any of them,
a record as it stood at any moment (``?as_of=``), and the audit trail per record or per member
(filtered by kind and period, paginated, exported as CSV and JSON) read from the history index."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from flask import Blueprint, abort, request, stream_with_context
from werkzeug.wrappers import Response

from ledger.governance import audit_trail
from ledger.governance.errors import Invalid, NotFound
from ledger.governance.history import AsOf, ViewVersionIndex, describe, load_as_of, parse_moment
from ledger.log.errors import SignatureError
from ledger.log.proofs import ProofRangeError, consistency_bundle
from ledger.log.record import record_bytes
from ledger.log.storage.log_reader import LogRow, rows_of
from web.event_words import event_words, record_words
from web.messages import _
from web.state import copro, login_required, member_of, refresh_views
from web.ui import BadParameter, bounded_int, page

bp = Blueprint("audit", __name__, url_prefix="/c/<uuid:collective_id>/audit")
PAGE = 50


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    _account, c = member_of(collective_id)
    gov = copro.gov
    only = request.args.get("aggregate", "")
    size = gov.merkle_log.log_size()
    before = size
    if request.args.get("before"):
        before = bounded_int(request.args["before"], low=0, high=size, what=_("page of the audit trail"))
    refresh_views()  # the index (who belongs where, and the history) holds every event recorded so far
    as_of = _moment("as_of") if request.args.get("as_of", "").strip() else None
    if as_of is not None and not only:
        raise BadParameter(_("Choose a record first: a moment in time is asked of one record at a time."))
    rows = _one_record(c.id, only) if only else _recent(c.id, before)
    state = _state_as_of(UUID(only), as_of) if only else None
    if as_of is not None and state is None:
        raise BadParameter(_("Only a group, a proposal, an agreement or a member can be seen as it was at one time."))
    if state is not None:
        rows = [r for r in rows if r.originator_version <= state.version]
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    shown = []
    for row in rows:
        try:
            gov.mapper.to_domain_event(_stored(row))
            verified = True
        except (SignatureError, MapperDeserialisationError):  # shown as failing, never hidden
            verified = False
        shown.append(
            {
                "row": row,
                "kind": (row.topic or "").rsplit("/", 1)[-1],
                "verified": verified,
                "hash": base64.b64encode(row.leaf_hash).decode(),
            }
        )
    checkpoints = gov.merkle_log.checkpoints()
    return page(
        "audit/index.html",
        c=c,
        events=shown,
        event_words=event_words,
        named=sorted({str(e["kind"]) for e in shown}),
        older=rows[-1].leaf_index if more and rows else None,
        only=only,
        as_of=as_of,
        as_of_text=request.args.get("as_of", "").strip(),
        state=describe(state, gov.reveal, contact_details=False) if state is not None else None,
        checkpoint=checkpoints[-1] if checkpoints else None,
        previous_checkpoint=checkpoints[-2] if len(checkpoints) > 1 else None,
        size=size,
    )


def _moment(field: str, *, day_starts: bool = False) -> datetime:
    """A time from the address, or 400 with the sentence that says what to type."""
    try:
        return parse_moment(request.args.get(field, ""), day_starts=day_starts)
    except Invalid as e:
        raise BadParameter(e.said or e.message) from None


def _state_as_of(aggregate_id: UUID, as_of: datetime | None) -> AsOf | None:
    """The record as it stood at ``as_of`` (now without one), for the kinds time travel shows; else None."""
    index = ViewVersionIndex(copro.views.view)
    kind = index.kind_of(aggregate_id)
    if kind is None:
        return None
    try:
        return load_as_of(copro.gov.repository, index, kind, aggregate_id, as_of or datetime.now(UTC))
    except NotFound as e:
        raise BadParameter(e.said or e.message) from None


def _one_record(collective_id: UUID, aggregate: str) -> list[LogRow]:
    """Every event of one aggregate (through the events table's key), newest first."""
    try:
        aggregate_id = UUID(aggregate)
    except ValueError:
        abort(404)
    if not copro.views.belonging(collective_id, [aggregate_id]):
        abort(404)
    return sorted(
        (r for r in rows_of(copro.gov.merkle_log, aggregate_id) if r.leaf_index >= 0), key=lambda r: -r.leaf_index
    )


def _recent(collective_id: UUID, before: int) -> list[LogRow]:
    """This collective's events below leaf ``before``, newest first: one page and one more."""
    found: list[LogRow] = []
    for batch in copro.gov.merkle_log.scan_back(before, batch=4 * PAGE):
        mine = copro.views.belonging(collective_id, (r.originator_id for r in batch))  # an index read per batch
        found += [r for r in batch if r.originator_id.hex in mine]
        if len(found) > PAGE:
            break
    return found


@bp.get("/trail")
@login_required
def trail(collective_id: UUID) -> Response:
    """The audit trail of one record or one member (or the whole collective), by kind and period, a page at a time."""
    _account, c = member_of(collective_id)
    where = _trail_filter(c.id)
    before = None
    if request.args.get("before"):
        before = bounded_int(request.args["before"], low=0, high=2**53, what=_("page of the audit trail"))
    rows = audit_trail.trail(copro.views.view, c.id, where, before=before, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    names: dict[str, str] = {}
    for row in rows:  # one name per person on the page, however long the log
        for person in (row.actor, row.subject):
            if person and person not in names:
                names[person] = copro.gov.member_name(UUID(person))
    args = {k: v for k, v in request.args.items() if k != "before" and v.strip()}
    return page(
        "audit/trail.html",
        c=c,
        rows=rows,
        names=names,
        where=where,
        args=args,
        older=rows[-1].leaf if more and rows else None,
        kinds=audit_trail.aggregate_kinds(),
        event_words=event_words,
        record_words=record_words,
        named=sorted({r.event for r in rows}),
        members=sorted((copro.gov.member_name(UUID(m)), m) for m in c.members),
    )


@bp.get("/trail.csv")
@login_required
def trail_csv(collective_id: UUID) -> Response:
    """The same trail as CSV: every matching row, safe to open in a spreadsheet."""
    _account, c = member_of(collective_id)
    where = _trail_filter(c.id)
    view, name = copro.views.view, _namer()
    rows = audit_trail.csv_lines(audit_trail.every_row(view, c.id, where), name)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="copro-audit-trail.csv"'},
    )


@bp.get("/trail.json")
@login_required
def trail_json(collective_id: UUID) -> Response:
    """The same trail as JSON: the filter it answers, and every matching row."""
    _account, c = member_of(collective_id)
    try:
        where = _trail_filter(c.id)
    except BadParameter as e:  # a machine asked: the same sentence, in JSON
        return _json({"error": e.message}, e.status)
    view, name = copro.views.view, _namer()
    chunks = audit_trail.json_chunks(audit_trail.every_row(view, c.id, where), name, collective_id=c.id, where=where)
    return Response(
        stream_with_context(chunks),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="copro-audit-trail.json"'},
    )


def _namer() -> audit_trail.Name:
    """Members' names as the pages show them, each looked up once per export."""
    gov, names = copro.gov, {}

    def name(person: str) -> str:
        if person not in names:
            names[person] = gov.member_name(UUID(person))
        return names[person]

    return name


def _trail_filter(collective_id: UUID) -> audit_trail.TrailFilter:
    """The filter the address asks for; 400 with one sentence for a value that names nothing."""
    refresh_views()  # the history index holds every event recorded so far
    args = request.args
    aggregate, member = _trail_id("aggregate", collective_id), _trail_id("member", collective_id)
    since = _moment("from", day_starts=True) if args.get("from", "").strip() else None
    until = _moment("to") if args.get("to", "").strip() else None
    try:
        return audit_trail.TrailFilter(aggregate, member, args.get("kind", "").strip(), since, until)
    except Invalid as e:
        raise BadParameter(e.said or e.message) from None


def _trail_id(field: str, collective_id: UUID) -> UUID | None:
    """A record or member id from the address: one of this collective's, or 400."""
    text = request.args.get(field, "").strip()
    if not text:
        return None
    try:
        found = UUID(text)
    except ValueError:
        found = None
    if found is None or not copro.views.belonging(collective_id, [found]):
        if field == "member":
            raise BadParameter(_("There is no such member in this collective; choose one from the audit pages."))
        raise BadParameter(_("There is no such record in this collective; choose one from the audit pages."))
    return found


def _stored(row: LogRow) -> StoredEvent:
    return StoredEvent(
        originator_id=row.originator_id,
        originator_version=row.originator_version,
        topic=row.topic or "",
        state=row.state or b"",
    )


@bp.get("/proof/<int:leaf>.json")
@login_required
def proof(collective_id: UUID, leaf: int) -> Response:
    """Everything needed to check offline that this event is in the log under a signed checkpoint."""
    _account, c = member_of(collective_id)
    gov = copro.gov
    if leaf >= gov.merkle_log.log_size():  # before any query: SQLite's integers stop at 2^63 - 1
        abort(404)
    found = next(iter(next(gov.merkle_log.scan(start=leaf, batch=1), [])), None)
    if found is None or found.leaf_index != leaf or not copro.views.belonging(c.id, [found.originator_id]):
        abort(404)
    note = gov.checkpoint()
    size = int(note.split("\n")[1])
    try:
        bundle = gov.inclusion_proof(found.originator_id, found.originator_version, size)
    except LookupError as e:  # a damaged log: say so rather than fail
        return _json({"error": f"This proof cannot be served: {e}."}, 409)
    bundle["leaf_hash"] = base64.b64encode(found.leaf_hash).decode()
    if found.topic is not None and found.state is not None:
        record = record_bytes(found.originator_id, found.originator_version, found.topic, found.state)
        bundle["record"] = base64.b64encode(record).decode()
    bundle["checkpoint"] = note
    bundle["how_to_check"] = "docs/FORMAT.md sections 2 to 4: leaf_hash = SHA-256(0x00 || record); RFC 9162 inclusion."
    body = json.dumps(bundle, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="copro-leaf-{leaf}-proof.json"'},
    )


@bp.get("/consistency/<int:old>/<int:new>.json")
@login_required
def consistency(collective_id: UUID, old: int, new: int) -> Response:
    """The RFC 9162 proof that the log of ``new`` events extends the log of ``old`` (docs/FORMAT.md section 3).

    An auditor who kept an old checkpoint checks it against a newer one with this;
    bad sizes get one sentence and a 4xx, never a server error.
    """
    member_of(collective_id)
    gov = copro.gov
    try:
        bundle = consistency_bundle(gov.merkle_log, gov.keys.origin, old, new)
    except ProofRangeError as e:
        return _json({"error": str(e)}, e.status)
    except LookupError as e:  # a damaged log: say so rather than fail
        return _json({"error": f"This proof cannot be served: {e}."}, 409)
    bundle["how_to_check"] = (
        "docs/FORMAT.md section 3: RFC 9162 section 2.1.4.2 over old_root_hash and new_root_hash; "
        "compare both roots with checkpoints you hold."
    )
    return _json(bundle, 200, filename=f"copro-consistency-{old}-{new}.json")


def _json(body: dict[str, object], status: int, *, filename: str | None = None) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return Response(json.dumps(body, indent=2), status=status, mimetype="application/json", headers=headers)
