"""Reports for funders: stewards build a signed transparency report for a period and download it.

Each report is kept in the data folder (``reports/<collective>/<made at>/``), so the
next one proves it extends the last: the newest kept report is its ``previous``. The
files are offered one by one and as one zip to email; HTML is sent as a download,
never shown under this site's own origin and policy.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, g, request, send_file, url_for
from werkzeug.wrappers import Response

from ledger.governance.collective import Role
from ledger.governance.errors import GovernanceError, NotAllowed
from ledger.governance.report.build import (
    REPORT_JSON,
    Previous,
    build_report,
    check_period,
    moment,
    read_previous,
)
from ledger.governance.report.figures import ReportError
from ledger.governance.report_source import LiveSource, snapshot_path
from ledger.log.canonical import strict_loads
from ledger.log.errors import CoproError
from web.report_files import RENDERERS
from web.state import copro, login_required, member_of
from web.ui import form, page

bp = Blueprint("reports", __name__, url_prefix="/c/<uuid:collective_id>/reports")
NAME = re.compile(r"^\d{8}T\d{6}Z(-\d{3})?$")
FILE = re.compile(r"^[a-z0-9_.-]{1,80}$")
TYPES = {".json": "application/json", ".html": "text/html", ".pdf": "application/pdf", ".txt": "text/plain"}
_building = threading.Lock()  # one report at a time: each pins the checkpoint the next one extends


class ReportRefused(GovernanceError):
    """A period or request the report cannot be made for (422), said in one sentence."""

    status = 422


@bp.app_context_processor
def _nav() -> dict[str, Any]:
    def steward_here() -> bool:
        """Whether the signed-in member is a steward of the collective this page is about (the nav's Reports link)."""
        c, account = g.get("collective"), g.get("account")
        return bool(c is not None and account is not None and c.has_role(account.member_id, Role.STEWARD))

    return {"steward_here": steward_here}


def _steward(collective_id: UUID) -> Any:
    account, c = member_of(collective_id)
    if not c.has_role(account.member_id, Role.STEWARD):
        raise NotAllowed("Only a steward can make and get the reports for funders.")
    return c


def _folder(collective_id: UUID) -> Path:
    return copro.gov.config.data_dir / "reports" / collective_id.hex


def _kept(collective_id: UUID) -> list[dict[str, Any]]:
    """The reports kept for this collective, newest first, with what their report.json says."""
    root = _folder(collective_id)
    out = []
    for folder in sorted(root.iterdir(), reverse=True) if root.is_dir() else []:
        if not NAME.match(folder.name) or not (folder / REPORT_JSON).is_file():
            continue
        doc = strict_loads((folder / REPORT_JSON).read_bytes())
        out.append(
            {
                "name": folder.name,
                "period": doc["period"],
                "size": doc["log"]["size"],
                "headline": doc["headline"],
                "files": sorted(p.name for p in folder.iterdir() if p.is_file()),
            }
        )
    return out


def _page(collective_id: UUID, status: int = 200, error: str | None = None) -> Response:
    c = _steward(collective_id)
    return page("reports/index.html", status, c=c, reports=_kept(collective_id), error=error, values=request.form)


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/")
@login_required
def make(collective_id: UUID) -> Response:
    c = _steward(collective_id)
    now = datetime.now(UTC)  # check_period rounds the end up to the whole second: this second's events are in
    try:
        start_text, end_text = form("from", 40).strip(), form("to", 40).strip()
        start = moment(start_text, end=False) if start_text else None
        end = moment(end_text, end=True) if end_text else None
        start, end = check_period(start, end, now)
    except ReportError as e:
        return _page(collective_id, 422, str(e))
    root = _folder(c.id)
    with _building:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        out = _new_folder(root, now)
        kept = _kept(c.id)
        previous: Previous | None = read_previous(root / kept[0]["name"]) if kept else None
        gov = copro.gov
        note = gov.checkpoint()
        try:
            build_report(
                LiveSource(gov.merkle_log),
                checkpoint=note,
                out=out,
                key=gov.keys.report.signing_key,
                renderers=RENDERERS,
                collective_id=c.id,
                start=start,
                end=end,
                previous=previous,
                snapshot=snapshot_path(gov.config),
            )
        except CoproError as e:
            return _page(collective_id, 409 if e.exit_code == 1 else 422, str(e))
    return Response(status=303, headers={"Location": url_for("reports.index", collective_id=c.id) + f"#r-{out.name}"})


def _new_folder(root: Path, now: datetime) -> Path:
    """A folder name that sorts by when it was made, unique even for two reports in one second."""
    name = now.strftime("%Y%m%dT%H%M%SZ")
    out, n = root / name, 1
    while out.exists():
        n += 1
        out = root / f"{name}-{n:03d}"
    return out


def _report_folder(collective_id: UUID, name: str) -> Path:
    _steward(collective_id)
    folder = _folder(collective_id) / name
    if not NAME.match(name) or not folder.is_dir():
        abort(404)
    return folder


@bp.get("/<name>/<filename>")
@login_required
def download(collective_id: UUID, name: str, filename: str) -> Response:
    folder = _report_folder(collective_id, name)
    path = folder / filename
    if not FILE.match(filename) or filename.startswith(".") or not path.is_file():
        abort(404)
    kind = TYPES.get(path.suffix, "application/octet-stream")
    return send_file(path, mimetype=kind, as_attachment=True, download_name=filename, max_age=0)


@bp.get("/<name>.zip")
@login_required
def archive(collective_id: UUID, name: str) -> Response:
    folder = _report_folder(collective_id, name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                z.write(path, f"report-{name}/{path.name}")
    buffer.seek(0)
    return send_file(buffer, mimetype="application/zip", as_attachment=True, download_name=f"report-{name}.zip")
