"""``/log/``: the signed log served as C2SP tlog-tiles, for monitors, witnesses and auditors.

No account, session or cookie is needed or set: anyone the collective allows can
follow the log with a standard tlog client.  The checkpoint may be cached for a
few seconds only; tiles and entry bundles never change once served, so they are
cached for a year.  The decisions are in ``ledger.log.served_log``.
"""

from __future__ import annotations

import gzip

from flask import Blueprint, request
from werkzeug.wrappers import Response

from ledger.log.log_access import LogAccess
from ledger.log.served_log import NotServed, ServedLog, parse_tile_path
from web.state import copro

bp = Blueprint("public_log", __name__, url_prefix="/log")


@bp.before_request
def only_named_auditors() -> Response | None:
    """When the operator has named auditors (``copro log-access add``), the log is theirs only."""
    access = LogAccess(copro.gov.config.data_dir)
    if not access.restricted():
        return None
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else None
    if access.allows(token):
        return None
    response = Response(
        "This collective shows its log only to named auditors; ask its operator for a token.\n",
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="copro log"'
    response.headers["Cache-Control"] = "no-store"
    return response


CHECKPOINT_CACHE = "public, max-age=5"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


def _answer(body: bytes, content_type: str, cache: str, *, compress: bool = False) -> Response:
    response = Response(body, content_type=content_type)
    if compress and "gzip" in request.headers.get("Accept-Encoding", ""):
        response.set_data(gzip.compress(body, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _refusal(error: NotServed) -> Response:
    response = Response(error.sentence + "\n", status=error.status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/checkpoint")
def checkpoint() -> Response:
    try:
        _, note = ServedLog(copro.gov.merkle_log).checkpoint()
    except NotServed as e:
        return _refusal(e)
    return _answer(note.encode("utf-8"), "text/plain; charset=utf-8", CHECKPOINT_CACHE)


@bp.get("/<path:path>")
def tile(path: str) -> Response:
    served = ServedLog(copro.gov.merkle_log)
    try:
        wanted = parse_tile_path(path)
        if wanted.level is None:
            body = served.entry_bundle(wanted)
            return _answer(body, "application/octet-stream", IMMUTABLE_CACHE, compress=True)
        return _answer(served.tile(wanted), "application/octet-stream", IMMUTABLE_CACHE)
    except NotServed as e:
        return _refusal(e)
