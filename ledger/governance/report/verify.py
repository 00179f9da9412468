"""Check a funder's report: its signatures, its checkpoint, its link to the previous one, every figure.

``copro report verify DIR [--previous DIR]`` runs these numbered checks against the
live log or a bundle (docs/REPORTS.md lists them):

- R1 the report is a ``copro-report/1`` document in canonical bytes;
- R2 its checkpoint is signed by the log's checkpoint key and matches the log's tree;
- R3 every file is signed, in all three forms, by the report key in force at that checkpoint,
  and every key file holds that key;
- R4 the previous report's checkpoint is part of this log, and the consistency proof the
  report carries proves it (and the previous report's own signatures hold);
- R5 every figure equals the figures recomputed from the log's events.

Each check passes or fails on its own line; the first failure of R2 stops R5, since
figures from a log that does not hold together prove nothing.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.governance.report.build import FORMAT, REPORT_JSON, figures_over
from ledger.governance.report.figures import ReportError
from ledger.governance.report.provenance import CheckedLog, ProvenanceError
from ledger.log import merkle
from ledger.log.canonical import strict_loads
from ledger.log.file_signatures import verify_folder
from policies.canonical import canonical_json

SIGNED = ("report.json", "report.html", "report.pdf")


@dataclass
class Check:
    id: str
    title: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ReportCheck:
    """Every check's result, in order; ``ok`` when none found a problem."""

    folder: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def check(self, id: str, title: str) -> Check:
        c = Check(id, title)
        self.checks.append(c)
        return c

    def lines(self) -> list[str]:
        out = []
        for c in self.checks:
            out.append(f"{c.id} {'pass' if c.ok else 'FAIL'}  {c.title}")
            out.extend(f"     {p}" for p in c.problems)
        verdict = "sound" if self.ok else "NOT sound"
        failed = sum(not c.ok for c in self.checks)
        passed = len(self.checks) - failed
        out.append(f"The report in {self.folder} is {verdict}: {passed} of {len(self.checks)} checks passed.")
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "report": str(self.folder),
            "ok": self.ok,
            "checks": [{"id": c.id, "title": c.title, "ok": c.ok, "problems": c.problems} for c in self.checks],
        }


def read_report(folder: Path) -> tuple[dict[str, Any], bytes]:
    """The report document and its bytes; ReportError (a usage mistake) if the folder holds none."""
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder; give the folder a report was written to.")
    path = folder / REPORT_JSON
    if not path.is_file():
        raise ReportError(f"{folder} holds no {REPORT_JSON}, so it is not a copro report folder.")
    data = path.read_bytes()
    try:
        doc = strict_loads(data)
    except ValueError as e:
        raise ReportError(f"{path} is not JSON ({e}); it is not a copro report.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        raise ReportError(f"{path} is not a {FORMAT} report (its format is {found!r}).")
    return doc, data


def verify_report(
    folder: Path,
    records: Iterable[tuple[int, bytes]],
    *,
    previous: Path | None = None,
) -> ReportCheck:
    """Run R1 to R5 over the report in ``folder`` against the log whose records are given from leaf 0."""
    doc, data = read_report(folder)
    result = ReportCheck(folder)
    r1 = result.check("R1", "the report is a copro-report/1 document in canonical bytes")
    try:
        if canonical_json(doc) != data:
            r1.problems.append(
                f"{REPORT_JSON} is not in canonical form (RFC 8785): it was edited after it was written."
            )
        log = doc["log"]
        size, root, note = int(log["size"]), base64.b64decode(log["root"], validate=True), str(log["checkpoint"])
        collective_id = UUID(hex=doc["collective"]["id"])
        period = doc["period"]
        start = None if period["from"] is None else _instant(period["from"])
        end = _instant(period["to"])
    except (KeyError, TypeError, ValueError) as e:
        r1.problems.append(f"{REPORT_JSON} lacks a field a report must have, or holds a wrong value ({e}).")
        return result

    checked = CheckedLog()
    limited = ((leaf, record) for leaf, record in records if leaf < size)
    r2 = result.check("R2", f"the checkpoint (size {size:,}) is signed by the log and matches its tree")
    recomputed: dict[str, Any] | None = None
    try:
        recomputed = figures_over(checked, limited, collective_id=collective_id, start=start, end=end)
        cp = checked.open_checkpoint(note)
        if (cp.size, cp.root_hash) != (size, root):
            r2.problems.append("the size or root the report states differ from those its checkpoint signs.")
    except ProvenanceError as e:
        r2.problems.append(f"{e}.")
    except ReportError as e:
        r2.problems.append(f"the figures cannot be recomputed: {e}")

    r3 = result.check("R3", "every file is signed by the report key in force at the checkpoint, in all three forms")
    if r2.ok:
        key = Ed25519PublicKey.from_public_bytes(checked.report_key(size))
        r3.problems.extend(verify_folder(folder, _present(folder), key))
    else:
        r3.problems.append("not checked: the report key in force is only known from a log that holds together (R2).")

    r4 = result.check("R4", "the previous report's checkpoint is part of this log (consistency proof)")
    if r2.ok:
        r4.problems.extend(_check_previous(doc, checked, size, root, previous))

    r5 = result.check("R5", "every figure equals the figures recomputed from the log")
    if r2.ok and recomputed is not None:
        expected = {k: v for k, v in doc.items() if k != "log"}
        recomputed.pop("log", None)
        difference = first_difference(expected, recomputed)
        if difference:
            r5.problems.append(difference)
    else:
        r5.problems.append("not checked: figures recomputed from a log that does not hold together prove nothing (R2).")
    return result


def _present(folder: Path) -> list[str]:
    return [name for name in SIGNED if (folder / name).exists()] or list(SIGNED)


def _check_previous(
    doc: dict[str, Any], checked: CheckedLog, size: int, root: bytes, previous: Path | None
) -> list[str]:
    link = doc["log"].get("previous")
    problems: list[str] = []
    if link is None:
        if previous is not None:
            problems.append("the report names no previous report, but one was given to check it against.")
        return problems
    try:
        old_size, old_root = int(link["size"]), base64.b64decode(link["root"], validate=True)
        proof = [base64.b64decode(h, validate=True) for h in link["proof"]]
    except (KeyError, TypeError, ValueError) as e:
        return [f"the previous report's checkpoint in {REPORT_JSON} cannot be read ({e})."]
    try:
        merkle.verify_consistency(old_size, size, old_root, root, proof)
    except merkle.ProofError as e:
        problems.append(f"the consistency proof from size {old_size:,} to {size:,} does not hold: {e}.")
    if old_size > checked.tree.size or checked.tree.root(old_size) != old_root:
        problems.append(f"the log's first {old_size:,} events do not hash to the previous report's root.")
    if previous is not None:
        try:
            before, _ = read_report(previous)
            stated = before["log"]
            if (int(stated["size"]), base64.b64decode(stated["root"])) != (old_size, old_root):
                problems.append(f"the report in {previous} pinned another checkpoint than the one this report names.")
            key = Ed25519PublicKey.from_public_bytes(checked.report_key(int(stated["size"])))
            problems.extend(f"previous report: {p}" for p in verify_folder(previous, _present(previous), key))
        except ReportError as e:
            problems.append(str(e))
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"the previous report's checkpoint cannot be read ({e}).")
    return problems


def _instant(text: str) -> datetime:
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"the time {text!r} has no offset")
    return at


def first_difference(stated: Any, recomputed: Any, path: str = "") -> str | None:
    """The first place two documents differ, as a sentence naming the figure; None if equal."""
    where = path or "the document"
    if isinstance(stated, dict) and isinstance(recomputed, dict):
        for key in sorted(set(stated) | set(recomputed)):
            here = f"{path}.{key}" if path else key
            if key not in recomputed:
                return f"the report has {here}, which the log does not give."
            if key not in stated:
                return f"the report lacks {here}, which the log gives."
            found = first_difference(stated[key], recomputed[key], here)
            if found:
                return found
        return None
    if isinstance(stated, list) and isinstance(recomputed, list):
        for i, (a, b) in enumerate(zip(stated, recomputed, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(stated) != len(recomputed):
            return f"{where} lists {len(stated)} items in the report but {len(recomputed)} recomputed from the log."
        return None
    if stated != recomputed or type(stated) is not type(recomputed):
        return f"{where} is {stated!r} in the report but {recomputed!r} recomputed from the log."
    return None
