"""Receipts in the browser: download one for an act, and check one that somebody shows you.

A member downloads a ``.tlog-proof`` receipt for their vote, objection or signature
and can keep it for years; the "Check a receipt" page (no sign-in needed, works
without JavaScript) says in plain words what an uploaded receipt proves and what
it does not.  The checks are ``ledger.log.receipt``'s, the same as
``copro receipt verify`` runs offline.

Who may download a receipt: any member of the collective, for any event of the
log.  A receipt reveals nothing the public log (``/log/``) does not already serve.
"""

from __future__ import annotations

import dataclasses
from uuid import UUID

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from ledger.log.key_history import key_history, verifier_key_name
from ledger.log.keys import Purpose
from ledger.log.receipt import ReceiptCheck, ReceiptError, check_receipt, parse_receipt
from ledger.log.served_log import issue_receipt
from ledger.log.signed_note import NoteVerifier, verifier_key
from ledger.log.witnessing import load_witness_policy
from web.messages import N_, _
from web.state import copro, login_required, member_of

bp = Blueprint("receipts", __name__)

_KINDS = {
    "Ballot": N_("a vote"),
    "Objection": N_("an objection"),
    "Agreement": N_("a change to the agreement, such as a signature"),
    "Proposal": N_("a change to a proposal"),
    "Member": N_("a change to someone's membership"),
    "Comment": N_("a comment"),
    "Reflection": N_("a reflection"),
    "Contribution": N_("a contribution"),
}


def _kind(topic: str) -> str:
    aggregate = topic.removeprefix("copro/1/").split(".")[0]
    return _(_KINDS.get(aggregate, N_("an event")))


@bp.get("/c/<uuid:collective_id>/receipts/<uuid:aggregate_id>/<int:version>.tlog-proof")
@login_required
def download(collective_id: UUID, aggregate_id: UUID, version: int) -> Response:
    member_of(collective_id)
    log = copro.gov.merkle_log
    receipt = issue_receipt(log, aggregate_id, version)
    if receipt is None and log.leaf_index_of(aggregate_id, version) is not None:
        copro.gov.checkpoint()  # nothing signed covers it yet: sign the log as it stands
        receipt = issue_receipt(log, aggregate_id, version)
    if receipt is None:
        return Response("There is no such event in this log.\n", status=404, content_type="text/plain; charset=utf-8")
    response = Response(receipt, content_type="text/plain; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{aggregate_id}-{version}.tlog-proof"'
    return response


@bp.get("/c/<uuid:collective_id>/receipts/agreements/<uuid:agreement_id>/my-signature.tlog-proof")
@login_required
def my_signature(collective_id: UUID, agreement_id: UUID) -> Response:
    """The receipt for the signed-in member's own signature on an agreement (its version is looked up)."""
    account, _ = member_of(collective_id)
    version = copro.views.version_of_act(agreement_id, account.member_id, "Agreement.Signed")
    if version is None:
        return Response("You have not signed this agreement.\n", status=404, content_type="text/plain; charset=utf-8")
    return download(collective_id, agreement_id, version)


def _trusted_logs() -> list[NoteVerifier]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    origin, periods = key_history(copro.gov.merkle_log)
    name = verifier_key_name(origin, Purpose.CHECKPOINT)
    return [
        NoteVerifier.parse(verifier_key(name, Ed25519PublicKey.from_public_bytes(p.public_key)))
        for p in periods
        if p.purpose is Purpose.CHECKPOINT
    ]


@bp.get("/receipts/check")
def check_form() -> str:
    return render_template("receipts/check.html", result=None, error=None)


@bp.post("/receipts/check")
def check() -> tuple[str, int]:
    upload = request.files.get("receipt")
    data = upload.read() if upload is not None else b""
    if not data:
        return render_template("receipts/check.html", result=None, error=_("Choose a receipt file to check.")), 400
    result: ReceiptCheck | None = None
    try:
        result = check_receipt(parse_receipt(data), _trusted_logs())
        policy = load_witness_policy(copro.gov.config.data_dir)
        if policy is not None and policy.witnesses:
            from ledger.log.cosignature import verified_cosignatures

            receipt = parse_receipt(data)
            found = verified_cosignatures(receipt.note, list(policy.witnesses.values()))
            names = tuple(sorted(n for n, w in policy.witnesses.items() if w in found))
            result = dataclasses.replace(result, witnesses=names)
    except ReceiptError as e:
        return render_template("receipts/check.html", result=None, error=str(e)), 422
    return render_template("receipts/check.html", result=result, kind=_kind(result.topic), error=None), 200
