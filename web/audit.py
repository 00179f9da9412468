"""The audit trail: the signed events behind what members see, and an inclusion proof for any of them."""

from __future__ import annotations

import base64
import json
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from ledger.log.errors import SignatureError
from ledger.log.proofs import ProofRangeError, consistency_bundle
from ledger.log.record import record_bytes
from ledger.log.storage.log_reader import LogRow, rows_of
from web.state import copro, login_required, member_of
from web.ui import bounded_int, page

bp = Blueprint("audit", __name__, url_prefix="/c/<uuid:collective_id>/audit")
PAGE = 50


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    _, c = member_of(collective_id)
    gov = copro.gov
    only = request.args.get("aggregate", "")
    size = gov.merkle_log.log_size()
    before = size
    if request.args.get("before"):
        before = bounded_int(request.args["before"], low=0, high=size, what="page of the audit trail")
    rows = _one_record(c.id, only) if only else _recent(c.id, before)
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
        older=rows[-1].leaf_index if more and rows else None,
        only=only,
        checkpoint=checkpoints[-1] if checkpoints else None,
        previous_checkpoint=checkpoints[-2] if len(checkpoints) > 1 else None,
        size=size,
    )


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
    _, c = member_of(collective_id)
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
