"""The pure replay's outcome recompute against the eventsourcing one, on one realistic ledger, in one run.

The ledger is built through the real use cases (tests/sized_world.py): a collective of
``--members`` people in several stakeholder groups with an agreement in force, then
proposal after proposal, each opened, voted on by every voter (mostly agreement, some
disagreement with reasons, a rare block that raises an objection), a few positions
changed, and closed, until the log holds ``--events`` events.

Three contenders, interleaved round by round so drift on a shared machine hits each:

- ``eventsourcing``: ``ledger.governance.recompute.OUTCOMES`` (what ``copro verify`` runs
  today): loads each closed proposal's aggregates through eventsourcing and recomputes.
- ``replay (live)``: ``ledger.governance.replay.live.start``: reads every leaf from the
  database, checks its signature again, folds every payload, recomputes every outcome.
- ``replay (payloads)``: ``replay.outcomes.replay`` over the events already in memory, as
  the bundle verifier holds them after its signature pass: folding and recomputing alone.

    python -m bench.replay [--events N] [--members M] [--rounds R]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bench.common import interleaved, temp_keys, tempdir, timed
from ledger.governance.errors import GovernanceError
from ledger.governance.recompute import OUTCOMES
from ledger.governance.replay import live
from ledger.governance.replay.events import Event
from ledger.governance.replay.outcomes import CLOSED, OutcomeCheck, replay
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keys import event_key_id
from ledger.log.record import HEADER_SIZE
from ledger.log.verify import VerifyReport, read_keyring
from tests.sized_world import build_sized_world, position_for


def build(cfg: LedgerConfig, events: int, members: int) -> None:
    """Proposals opened, voted on, some votes changed, closed, until the log holds ``events`` events."""
    gov = Governance.open(cfg, temp_keys(cfg.data_dir), create=True)
    try:
        world = build_sized_world(gov, members, proposals=1, objections=0)
        pending = list(world.proposals)
        n = 0
        while gov.merkle_log.log_size() < events:
            if not pending:
                pid = gov.draft_proposal(
                    world.collective, by=world.steward, category="research_question", title=f"Q{n}", body=f"Body {n}."
                )
                gov.open_proposal(pid, by=world.steward)
                pending.append(pid)
            pid = pending.pop()
            for i, voter in enumerate(world.voters):
                position, reason = position_for(i + n)
                try:
                    gov.cast_ballot(pid, member_id=voter, position=position, reason=reason)
                    if i % 25 == n % 25:
                        gov.cast_ballot(pid, member_id=voter, position="abstain", reason="Thought again.")
                except GovernanceError:
                    pass  # a second block by one member, say: refused and nothing written
                if gov.merkle_log.log_size() >= events - 1:
                    break
            gov.close_proposal(pid, by=world.steward)
            n += 1
    finally:
        gov.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cfg = LedgerConfig(tempdir() / "ours")
    cfg.data_dir.mkdir()
    build(cfg, args.events, args.members)
    log = Ledger.recorder_only(cfg)
    keyring = read_keyring(log, VerifyReport(origin="?"))
    if keyring is None:
        raise SystemExit("the benchmark ledger has no keyring")
    keys: Mapping[bytes, Ed25519PublicKey] = {
        event_key_id(k): Ed25519PublicKey.from_public_bytes(k) for k in keyring.event.all()
    }
    events = [
        Event(r.leaf_index, r.originator_id, r.originator_version, r.topic, r.state[HEADER_SIZE:])
        for batch in log.scan()
        for r in batch
    ]
    closed = [(e.originator_id, e.version) for e in events if e.topic == CLOSED]

    def all_recompute(start: Callable[[], OutcomeCheck]) -> Callable[[], float]:
        def run() -> float:
            reasons: list[str | None] = []
            t = timed(lambda: reasons.extend(check(p, v) for check in [start()] for p, v in closed))
            if any(reasons):
                raise SystemExit(f"an honest outcome did not recompute: {next(r for r in reasons if r)}")
            return t

        return run

    def classic() -> OutcomeCheck:
        return OUTCOMES.start(log, keys)  # type: ignore[arg-type]  # the recorder, as verify passes it

    def replay_live() -> OutcomeCheck:
        return live.start(log, keys)

    def replay_payloads() -> OutcomeCheck:
        return replay(events).check

    medians = interleaved(
        {
            "eventsourcing": all_recompute(classic),
            "replay (live)": all_recompute(replay_live),
            "replay (payloads)": all_recompute(replay_payloads),
        },
        args.rounds,
    )
    size = len(events)
    base = medians["eventsourcing"]
    print(f"replay: {size} events, {len(closed)} closed proposals, {args.members} members")
    for name, seconds in medians.items():
        speed = f"{size / seconds:9.0f} events/s"
        print(f"  {name:18} {seconds:8.2f} s  {speed}  ratio {base / seconds:5.2f} (eventsourcing's time / this)")


if __name__ == "__main__":
    main()
