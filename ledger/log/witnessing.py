"""The log's side of witnessing: ask each configured witness to cosign a new checkpoint.

Why this module exists: cosignatures are only useful if the log collects them and
serves them with the checkpoint, so that a member's receipt and an auditor's
bundle carry the witnesses' word that nobody was shown a different history.

The operator lists witnesses in ``<data>/witnesses.policy``, a C2SP tlog-policy
file whose ``witness`` lines carry the witness's submission URL; its quorum is
what ``copro verify --policy`` will ask of the checkpoints later.  No state of
its own is kept: the size a witness last cosigned is read from the stored
checkpoints (the newest one carrying that witness's cosignature), and a 409
answer naming another size is followed once.  Each request has a short timeout,
witnesses are asked in parallel, and a witness that is down or slow only leaves
its line missing: checkpoints, and therefore votes, never wait on one.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ledger.log.cosignature import CosignerVerifier, verified_cosignatures
from ledger.log.errors import ConfigurationError
from ledger.log.keys import b64
from ledger.log.signed_note import NoteError
from ledger.log.tlog_policy import Policy, PolicyError, parse_policy

__all__ = ["POLICY_FILE", "WitnessOutcome", "collect_cosignatures", "load_witness_policy"]

POLICY_FILE = "witnesses.policy"
TIMEOUT = 5.0
SIZE_TYPE = "text/x.tlog.size"

Post = Callable[[str, bytes, float], tuple[int, str, str]]


class CheckpointLog(Protocol):
    def checkpoints(self) -> list[tuple[int, str]]: ...
    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]: ...
    def add_cosignatures(self, size: int, note: str) -> bool: ...


@dataclass(frozen=True)
class WitnessOutcome:
    """What one witness said, and one sentence.

    ``cosigned``; ``unreachable`` (down, slow, or not a witness); ``refused`` (it
    does not follow this log or trust its key: a configuration matter); or
    ``inconsistent`` (it saw a different history: evidence to keep and act on).
    """

    witness: str
    result: str
    sentence: str


def load_witness_policy(data_dir: Path) -> Policy | None:
    """The operator's witness policy, or None if the collective has no witnesses configured."""
    path = data_dir / POLICY_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        raise ConfigurationError(
            f"Cannot read {path}; it must be a UTF-8 text file in the tlog-policy format."
        ) from None
    try:
        return parse_policy(text)
    except PolicyError as e:
        raise ConfigurationError(f"{path}: {e}") from None


def http_post(url: str, body: bytes, timeout: float) -> tuple[int, str, str]:
    """POST ``body``; return status, content type and text (errors are answers too, not exceptions)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read(65536).decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read(65536).decode(errors="replace")


def _last_cosigned_size(log: CheckpointLog, witness: CosignerVerifier, below: int) -> int:
    for size, note in sorted(log.checkpoints(), reverse=True):
        if size >= below:
            continue
        try:
            if witness in verified_cosignatures(note, [witness]):
                return size
        except NoteError:
            continue
    return 0


def _ask(
    log: CheckpointLog, note: str, size: int, name: str, witness: CosignerVerifier, url: str, post: Post
) -> tuple[WitnessOutcome, str]:
    endpoint = url.rstrip("/") + "/add-checkpoint"
    old = _last_cosigned_size(log, witness, size)
    for _attempt in range(2):
        proof = log.consistency_proof(old, size) if 0 < old < size else []
        body = ("".join(f"{line}\n" for line in [f"old {old}", *(b64(h) for h in proof)]) + "\n" + note).encode()
        try:
            status, content_type, text = post(endpoint, body, TIMEOUT)
        except (OSError, ValueError) as e:
            return WitnessOutcome(name, "unreachable", f"Witness {name} could not be reached ({e})."), ""
        if status == 200:
            try:
                if witness in verified_cosignatures(note + text, [witness]):
                    lines = [line + "\n" for line in text.splitlines() if line.startswith(f"\u2014 {witness.name} ")]
                    return WitnessOutcome(name, "cosigned", f"Witness {name} cosigned size {size}."), "".join(lines)
            except NoteError:
                pass
            return WitnessOutcome(name, "refused", f"Witness {name} answered without a valid cosignature."), ""
        if status == 409 and content_type.startswith(SIZE_TYPE) and text.strip().isdigit():
            claimed = int(text.strip())
            if claimed > size:
                return (
                    WitnessOutcome(
                        name,
                        "inconsistent",
                        f"Witness {name} has cosigned size {claimed}, larger than this log's {size}: "
                        "the log may have been rolled back; keep this message as evidence.",
                    ),
                    "",
                )
            old = claimed
            continue
        sentence = text.strip().splitlines()[0] if text.strip() else f"status {status}"
        result = "inconsistent" if status in (409, 422) else "refused" if status in (403, 404) else "unreachable"
        return WitnessOutcome(name, result, f"Witness {name} refused size {size} ({status}): {sentence}"), ""
    return WitnessOutcome(name, "refused", f"Witness {name} kept naming another size; try again later."), ""


def collect_cosignatures(
    log: CheckpointLog, size: int, note: str, policy: Policy, post: Post = http_post
) -> tuple[str, list[WitnessOutcome]]:
    """Ask every witness with a URL to cosign the stored checkpoint ``note`` at ``size``.

    Returns the note with the new cosignature lines appended (stored too) and
    what each witness said.  Lines already on the note are kept; a witness whose
    line is already there is not asked again.
    """
    asked = [(name, w, policy.urls[name]) for name, w in policy.witnesses.items() if name in policy.urls]
    try:
        present = verified_cosignatures(note, [w for _, w, _ in asked])
    except NoteError:
        present = {}
    pending = [(name, w, url) for name, w, url in asked if w not in present]
    outcomes = [
        WitnessOutcome(name, "cosigned", f"Witness {name} had cosigned already.")
        for name, w, _ in asked
        if w in present
    ]
    if not pending:
        return note, outcomes
    with ThreadPoolExecutor(max_workers=min(8, len(pending))) as pool:
        answers = list(pool.map(lambda a: _ask(log, note, size, a[0], a[1], a[2], post), pending))
    added = "".join(lines for _, lines in answers)
    outcomes += [outcome for outcome, _ in answers]
    if added and log.add_cosignatures(size, note + added):
        note = note + added
    return note, outcomes


def witness_lines(outcomes: Sequence[WitnessOutcome]) -> list[str]:
    """One line per witness for the command's output."""
    return [o.sentence for o in outcomes]
