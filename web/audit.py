"""The audit trail: the signed events behind what members see, and an inclusion proof for any of them."""

from __future__ import annotations

import base64
import json
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from flask import Blueprint, abort, request
from werkzeug.wrappers import Response

from ledger.record import record_bytes
from ledger.storage.log_reader import LogRow
from web.state import copro, login_required, member_of
from web.ui import page

bp = Blueprint("audit", __name__, url_prefix="/c/<uuid:collective_id>/audit")
PAGE = 50


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    _, c = member_of(collective_id)
    gov = copro().gov
    mine = copro().views.aggregates_of(c.id)
    only = request.args.get("aggregate", "")
    rows = []
    for batch in gov.log.scan(batch=2000):
        for row in batch:
            hexid = row.originator_id.hex
            if hexid in mine and (not only or only == hexid or only == str(row.originator_id)):
                rows.append(row)
    rows.reverse()
    try:
        start = max(int(request.args.get("from", "0")), 0)
    except ValueError:
        start = 0
    shown = []
    for row in rows[start : start + PAGE]:
        try:
            gov.mapper.to_domain_event(_stored(row))
            verified = True
        except Exception:  # a record that fails its signature check is shown as such, not hidden
            verified = False
        shown.append(
            {
                "row": row,
                "kind": (row.topic or "").rsplit(":", 1)[-1],
                "verified": verified,
                "hash": base64.b64encode(row.leaf_hash).decode(),
            }
        )
    checkpoints = gov.log.checkpoints()
    return page(
        "audit/index.html",
        c=c,
        events=shown,
        total=len(rows),
        start=start,
        page=PAGE,
        only=only,
        checkpoint=checkpoints[-1] if checkpoints else None,
        size=gov.log.log_size(),
    )


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
    gov = copro().gov
    found = next(iter(next(gov.log.scan(start=leaf, batch=1), [])), None)
    if found is None or found.leaf_index != leaf or found.originator_id.hex not in copro().views.aggregates_of(c.id):
        abort(404)
    note = gov.checkpoint()
    size = int(note.split("\n")[1])
    bundle = gov.inclusion_proof(found.originator_id, found.originator_version, size)
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
