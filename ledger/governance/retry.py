"""Commands that meet a concurrent change are run again against what they meet, never failed with a crash.

Two requests that change one aggregate at once (a member voting from two tabs, two
facilitators closing one proposal) race to write the same version; the store refuses
the loser (eventsourcing's ``RecordConflictError``). The loser's command is then run
again from the start: it reloads what it changes and checks every rule against the
new state, so a vote is re-checked, never blindly re-applied; a proposal closed
meanwhile refuses a second close with its ordinary 409 sentence. Only after several
lost races in a row does the person get a 409 asking them to try again.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from eventsourcing.persistence import RecordConflictError

from ledger.governance.errors import Conflict

P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 8


def command(method: Callable[P, R]) -> Callable[P, R]:
    """Run a use case; on a write conflict, run it again (up to ``ATTEMPTS`` times in all)."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(ATTEMPTS):
            try:
                return method(*args, **kwargs)
            except RecordConflictError:
                # Back off a little, at random, so racing writers do not collide again in step.
                time.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise Conflict(
            "Someone else changed this at the same moment, several times over. Reload the page and try again."
        )

    return run
