"""Receipts: a member's proof that their own act is in the public log (C2SP tlog-proof v1).

Why this module exists: a member who voted, objected or signed should not have to
take the collective's word that their act was recorded and stays recorded.  A
receipt is a ``.tlog-proof`` file: the record itself (in the ``extra`` line, so the
leaf hash can be recomputed), its index, the inclusion proof, and the signed (and,
where witnesses run, cosigned) checkpoint.  Anyone can check it offline with the
log's checkpoint key, and keep it: if the log ever dropped or changed the record,
no later checkpoint consistent with this one could exist, and witnesses and
monitors would see it.

What a receipt does not prove: that the act was the member's wish (only that this
signed record is in the log), nor anything about sealed text it holds.

Pure (standard library and cryptography): the offline verifier and the web
"Check a receipt" page use the same code.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.log import merkle
from ledger.log.record import RecordFormatError, parse_record
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note
from ledger.log.tlog_policy import Policy, QuorumError

__all__ = ["HEADER", "Receipt", "ReceiptCheck", "ReceiptError", "check_receipt", "make_receipt", "parse_receipt"]

HEADER = "c2sp.org/tlog-proof@v1"
MAX_RECEIPT = 256 * 1024
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,18})")


class ReceiptError(ValueError):
    """The file is not a receipt, or it does not prove what it claims; the message is one plain sentence."""


@dataclass(frozen=True)
class Receipt:
    index: int
    proof: tuple[bytes, ...]
    note: str
    record: bytes


@dataclass(frozen=True)
class ReceiptCheck:
    """What a receipt proved: which record, in which log, at which size, cosigned by whom."""

    origin: str
    size: int
    index: int
    aggregate_id: str
    version: int
    topic: str
    witnesses: tuple[str, ...]


def make_receipt(index: int, proof: Sequence[bytes], note: str, record: bytes) -> str:
    """The text of a ``.tlog-proof`` receipt for the record at ``index`` under the checkpoint ``note``."""
    lines = [HEADER, "extra " + base64.b64encode(record).decode(), f"index {index}"]
    lines += [base64.b64encode(h).decode() for h in proof]
    return "\n".join(lines) + "\n\n" + note


def parse_receipt(data: bytes) -> Receipt:
    """Read a receipt, or raise :class:`ReceiptError` saying what is wrong with it."""
    if len(data) > MAX_RECEIPT:
        raise ReceiptError("This file is too large to be a receipt.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ReceiptError("This file is not a receipt: it is not text.") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise ReceiptError(f"This file is not a receipt: it does not start with {HEADER}.")
    if not sep or not note:
        raise ReceiptError("This receipt is cut short: the signed checkpoint at its end is missing.")
    at = 1
    record = b""
    if len(lines) > 1 and lines[1].startswith("extra "):
        try:
            record = base64.b64decode(lines[1][6:].encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise ReceiptError("This receipt's record line is damaged.") from None
        at = 2
    if not record:
        raise ReceiptError("This receipt does not carry the record it is for, so it cannot be checked.")
    match = _INDEX.fullmatch(lines[at]) if len(lines) > at else None
    if match is None:
        raise ReceiptError("This receipt has no valid 'index' line.")
    proof: list[bytes] = []
    for line in lines[at + 1 :]:
        try:
            value = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            value = b""
        if len(value) != 32:
            raise ReceiptError("This receipt's proof is damaged: a line is not a hash.")
        proof.append(value)
    return Receipt(int(match.group(1)), tuple(proof), note, record)


def check_receipt(receipt: Receipt, logs: Sequence[NoteVerifier], policy: Policy | None = None) -> ReceiptCheck:
    """Check a receipt against the log keys trusted (and a witness policy, if given).

    Raises :class:`ReceiptError` in one sentence if the checkpoint is not signed by
    a trusted key, the record is not in the tree it signs, or the witnesses are too few.
    """
    trusted = list(logs) + (list(policy.logs) if policy is not None else [])
    try:
        opened = open_note(receipt.note, trusted)
        checkpoint = Checkpoint.parse(opened.text)
    except NoteError:
        raise ReceiptError(
            "This receipt's checkpoint is not signed by this log's key: it is for another log, or it was altered."
        ) from None
    try:
        record = parse_record(receipt.record)
    except RecordFormatError:
        raise ReceiptError("The record in this receipt is not a copro record.") from None
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(receipt.record), receipt.index, checkpoint.size, list(receipt.proof), checkpoint.root_hash
        )
    except merkle.ProofError:
        raise ReceiptError(
            "This receipt does not prove that the record is in the log: the record or the proof was changed."
        ) from None
    witnesses: tuple[str, ...] = ()
    if policy is not None:
        try:
            witnesses = tuple(sorted(policy.check(receipt.note, tuple(logs))))
        except (QuorumError, NoteError) as e:
            raise ReceiptError(f"The record is in the log, but not enough witnesses confirmed it: {e}") from None
    return ReceiptCheck(
        checkpoint.origin,
        checkpoint.size,
        receipt.index,
        str(record.originator_id),
        record.version,
        record.topic,
        witnesses,
    )
