"""A realistic ledger of any length for the report benchmark, built through the real use cases.

A collective of ``members`` people in four stakeholder groups (every fifth in two), an
agreement in force, then cycle after cycle until the log holds the number of events
asked: a proposal drafted by a rotating author, opened, voted on by most voters (mostly
agreement, some disagreement with a reason, a rare block that raises an objection),
sometimes a paramount objection answered by a revision and integrated, sometimes a
concern; closed; then contributions with recognition offered and paid, reflections
with actions, and members' feedback on the decision.

Every event goes through ``Governance`` (sealing, signing, the Merkle log), so the log
is exactly what a real collective writes. Built ledgers are kept in
``/tmp/copro-bench-cache/<BUILDER>-<events>`` and reused across runs: building a million
events takes a long time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import date
from pathlib import Path
from uuid import UUID

from bench.common import temp_keys
from ledger.governance.errors import GovernanceError
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from tests.sized_world import build_sized_world

BUILDER = "report-ledger-1"  # change when the story changes, so old caches are not reused
CACHE = Path(os.environ.get("COPRO_BENCH_CACHE", "/tmp/copro-bench-cache"))  # tmpfs builds faster


def cached_ledger(events: int, members: int = 100) -> LedgerConfig:
    """The data folder of a ledger of ``events`` events, built once and kept in the cache."""
    folder = CACHE / f"{BUILDER}-{events}-{members}"
    done = folder / "built"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        cfg = LedgerConfig(folder / "data")
        cfg.data_dir.mkdir()
        build(cfg, events, members)
        done.write_text(f"{events}\n")
    return LedgerConfig(folder / "data")


def build(cfg: LedgerConfig, events: int, members: int) -> None:
    """Cycles of a collective's life until the log holds ``events`` events."""
    gov = Governance.open(cfg, temp_keys(cfg.data_dir), create=True)
    try:
        world = build_sized_world(gov, members, proposals=0, objections=0)
        fac, steward, voters, everyone = world.steward, world.steward, world.voters, world.members
        n = 0
        while gov.merkle_log.log_size() < events:
            cycle(gov, world.collective, fac, steward, voters, everyone, n, events)
            n += 1
    finally:
        gov.close()


def cycle(
    gov: Governance, cid: UUID, fac: UUID, steward: UUID, voters: list[UUID], everyone: list[UUID], n: int, events: int
) -> None:
    """One proposal's life, with the contributions, reflections and feedback around it."""
    author = voters[n % len(voters)]
    pid = gov.draft_proposal(cid, by=author, category="research_question", title=f"Question {n}", body=f"Study {n}?")
    gov.open_proposal(pid, by=fac)
    objection: UUID | None = None
    for i, voter in enumerate(voters):
        if (i + n) % 6 == 5:
            continue  # most vote, not all
        if gov.merkle_log.log_size() >= events - 2:
            break
        position, reason = _position(i, n)
        with contextlib.suppress(GovernanceError):
            gov.cast_ballot(pid, member_id=voter, position=position, reason=reason)
        if i == 10 and n % 4 == 1:
            objection = gov.raise_objection(pid, member_id=voters[(n + 3) % len(voters)], reason="A concern.")
            if n % 8 == 1:
                gov.answer_objection(objection, by=author, answer="We will change it.")
                gov.revise_proposal(pid, by=author, title=f"Question {n}, version 2", body=f"Study {n} kindly?")
                gov.resolve_objection(objection, by=fac, how="integrate", why="Version 2 answers it.")
            else:
                gov.test_objection(objection, by=fac, paramount=False, why="A concern to keep in mind.")
    if gov.merkle_log.log_size() >= events - 1:
        return
    try:
        gov.close_proposal(pid, by=fac)
    except GovernanceError:
        gov.withdraw_proposal(pid, by=author, reason="Could not be decided.")
        return
    if n % 3 == 0:
        who = everyone[n % len(everyone)]
        c = gov.log_contribution(cid, by=steward, member_id=who, activity="Panel", minutes=60 + n % 90, on=date.today())
        gov.offer_recognition(c, by=steward, kind="payment", amount_minor=2500, currency="GBP", rate_table="NIHR-2026")
        gov.respond_to_recognition(c, by=who, accept=True)
        gov.mark_paid(c, by=steward, reference="BACS")
    if n % 10 == 0:
        r = gov.record_reflection(
            cid,
            by=steward,
            subject="proposal",
            subject_ref=f"Question {n}",
            worked="People came.",
            did_not="Too long.",
            power="Shared.",
            actions=["Shorter meetings"],
        )
        gov.complete_action(r, 0, by=steward)
    for k in range(3):
        gov.give_feedback(pid, member_id=voters[(n + k * 7) % len(voters)], voice=3, contribution=4, agenda=2, change=3)


def _position(i: int, n: int) -> tuple[str, str]:
    k = i + n
    if k % 97 == 13:
        return "block", "This would harm people."
    if k % 10 == 3:
        return "disagree", "I think we should ask a different question."
    if k % 10 == 5:
        return "abstain", ""
    return "agree", ""
