"""The auditor's bundle verifier, whole: the log's numbered checks with the governance replay plugged in.

``python -m ledger.governance.audit BUNDLE [--json]`` is ``copro verify --bundle``
without the server's stack: the log's checks (``ledger.log.bundle.verify``) know
nothing of governance (import contract ``log-below-governance``), so the replay
that makes V6.B (every event applies) and V7.B (every outcome recomputes) is
plugged in here, one layer up. Both sides are pure: this runs where only Python
and ``cryptography`` are installed (import contract ``verifier-core``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from ledger.governance.replay.events import events_from_records
from ledger.governance.replay.outcomes import Replayed, replay
from ledger.log.bundle import verify


def governance_replay(records: Iterable[tuple[int, bytes]]) -> Replayed:
    """``ledger.log.bundle.verify.Replay``: fold every (leaf, record) of the log, then recompute each outcome."""
    return replay(events_from_records(records))


def main(argv: Sequence[str] | None = None) -> int:
    return verify.main(argv, replay=governance_replay)


if __name__ == "__main__":
    sys.exit(main())
