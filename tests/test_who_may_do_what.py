"""Who may do what, command by command, in the domain itself: and a refused request writes nothing.

Every command of the governance application is run by each kind of person: a member
with lived experience who wrote the proposal (amara), another (ben), the facilitator
(dev), the steward (sam), a funder who is only informed on research questions (femi) and
a member of another collective (outsider). Who may is listed with each command; everyone
else is refused with a governance error, and the log and the side stores hold exactly
what they held before. An allowed run must write something, so the comparison is seen
to notice a write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from ledger.governance.errors import Conflict, GovernanceError, NotAllowed, NotFound
from tests.governance_world import World
from tests.nothing_written import held

Act = Callable[[UUID], object]
MEMBERS = {"amara", "ben", "dev", "sam", "femi"}
VOTERS = {"amara", "ben", "dev", "sam"}  # funders are only informed on research questions


def question(w: World) -> UUID:
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("amara"), category="research_question", title="Which models?", body="Three."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    return pid


def objection(w: World) -> UUID:
    return w.gov.raise_objection(question(w), member_id=w.member("ben"), reason="Too narrow.")


def contribution(w: World) -> UUID:
    return w.gov.log_contribution(
        w.collective, by=w.member("ben"), member_id=w.member("ben"), activity="Panel", minutes=60, on=date(2026, 11, 1)
    )


def offered(w: World, kind: str = "credit", **money: object) -> UUID:
    cid = contribution(w)
    w.gov.offer_recognition(cid, by=w.steward, kind=kind, **money)  # type: ignore[arg-type]
    return cid


def paid_offer_accepted(w: World) -> UUID:
    cid = offered(w, "payment", amount_minor=2500, currency="GBP", rate_table="2026-v1")
    w.gov.respond_to_recognition(cid, by=w.member("ben"), accept=True)
    return cid


def next_agreement(w: World) -> UUID:
    return w.gov.draft_agreement(
        w.collective,
        by=w.steward,
        parties=["lived_experience", "researchers", "practitioners", "funders"],
        matrix={"budget": ("majority", {"lived_experience": "decide", "researchers": "decide"})},
        review_date=date(2027, 12, 1),
        ground_rules="We listen.",
    )


def closed_question(w: World) -> UUID:
    pid = question(w)
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    w.gov.close_proposal(pid, by=w.facilitator)
    return pid


def reflection(w: World) -> UUID:
    return w.gov.record_reflection(
        w.collective,
        by=w.member("amara"),
        subject="period",
        subject_ref="November",
        worked="",
        did_not="",
        power="",
        actions=["Pay people sooner."],
    )


# command: (set up what it acts on, then the act as a person; who may)
COMMANDS: dict[str, tuple[Callable[[World], Act], set[str]]] = {
    "admit a member": (
        lambda w: lambda by: w.gov.admit_member(w.collective, by=by, name="Nia", contact="", groups=["funders"]),
        {"sam"},
    ),
    "assign a role": (
        lambda w: lambda by: w.gov.assign_role(w.collective, w.member("erin"), "secretary", by=by),
        {"sam"},
    ),
    "record that someone left": (
        lambda w: lambda by: w.gov.leave_collective(w.collective, w.member("erin"), by=by),
        {"sam"},
    ),
    "draft the agreement": (
        lambda w: (
            lambda by: w.gov.draft_agreement(
                w.collective,
                by=by,
                parties=["researchers"],
                matrix={"budget": ("majority", {"researchers": "decide"})},
                review_date=date(2027, 12, 1),
                ground_rules="We listen.",
            )
        ),
        {"sam"},
    ),
    "sign the agreement": (
        lambda w: (lambda a: lambda by: w.gov.sign_agreement(a, member_id=by))(next_agreement(w)),
        MEMBERS,
    ),
    "draft a proposal": (
        lambda w: (
            lambda by: w.gov.draft_proposal(
                w.collective, by=by, category="research_question", title="Ask", body="Text."
            )
        ),
        MEMBERS,
    ),
    "revise a proposal": (
        lambda w: (lambda p: lambda by: w.gov.revise_proposal(p, by=by, title="Which models now?", body="Four."))(
            question(w)
        ),
        {"amara", "dev"},
    ),
    "open a proposal": (
        lambda w: (lambda p: lambda by: w.gov.open_proposal(p, by=by))(
            w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title="Pay", body="£25.")
        ),
        {"dev"},
    ),
    "close a proposal": (lambda w: (lambda p: lambda by: w.gov.close_proposal(p, by=by))(question(w)), {"dev"}),
    "withdraw a proposal": (
        lambda w: (lambda p: lambda by: w.gov.withdraw_proposal(p, by=by, reason="Not now."))(question(w)),
        {"amara", "dev"},
    ),
    "vote": (
        lambda w: (lambda p: lambda by: w.gov.cast_ballot(p, member_id=by, position="agree"))(question(w)),
        VOTERS,
    ),
    "object": (
        lambda w: (lambda p: lambda by: w.gov.raise_objection(p, member_id=by, reason="No."))(question(w)),
        VOTERS,
    ),
    "test an objection": (
        lambda w: (lambda o: lambda by: w.gov.test_objection(o, by=by, paramount=False, why="A concern."))(
            objection(w)
        ),
        {"dev"},
    ),
    "answer an objection": (
        lambda w: (lambda o: lambda by: w.gov.answer_objection(o, by=by, answer="We will."))(objection(w)),
        MEMBERS,
    ),
    "withdraw an objection": (
        lambda w: (lambda o: lambda by: w.gov.withdraw_objection(o, by=by))(objection(w)),
        {"ben"},
    ),
    "resolve an objection": (
        lambda w: (lambda o: lambda by: w.gov.resolve_objection(o, by=by, how="uphold", why="It stands."))(
            objection(w)
        ),
        {"dev"},
    ),
    "record a reflection": (
        lambda w: (
            lambda by: w.gov.record_reflection(
                w.collective,
                by=by,
                subject="period",
                subject_ref="",
                worked="Meetings.",
                did_not="",
                power="",
                actions=[],
            )
        ),
        MEMBERS,
    ),
    "complete an action": (lambda w: (lambda r: lambda by: w.gov.complete_action(r, 0, by=by))(reflection(w)), MEMBERS),
    "log time for ben": (
        lambda w: (
            lambda by: w.gov.log_contribution(
                w.collective, by=by, member_id=w.member("ben"), activity="Panel", minutes=30, on=date(2026, 11, 1)
            )
        ),
        {"ben", "sam"},
    ),
    "offer recognition": (
        lambda w: (lambda c: lambda by: w.gov.offer_recognition(c, by=by, kind="credit"))(contribution(w)),
        {"sam"},
    ),
    "respond to recognition": (
        lambda w: (lambda c: lambda by: w.gov.respond_to_recognition(c, by=by, accept=False, reason="Benefits."))(
            offered(w)
        ),
        {"ben"},
    ),
    "give feedback on a closed decision": (
        lambda w: (lambda p: lambda by: w.gov.give_feedback(p, member_id=by, voice=3, comment="Heard."))(
            closed_question(w)
        ),
        MEMBERS,
    ),
    "write the report narrative": (
        lambda w: lambda by: w.gov.write_narrative(w.collective, by=by, aim="Shape the study together."),
        {"sam"},
    ),
    "mark a payment paid": (
        lambda w: (lambda c: lambda by: w.gov.mark_paid(c, by=by, reference="BACS 1"))(paid_offer_accepted(w)),
        {"sam"},
    ),
}


def outsider(w: World) -> UUID:
    """A member, indeed the steward, of another collective on the same ledger."""
    _, founder = w.gov.found_collective(
        name="Other",
        purpose="Elsewhere.",
        groups={"x": "X"},
        founder_name="Olu",
        founder_contact="",
        founder_groups=["x"],
    )
    return founder


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("who", ["amara", "ben", "dev", "sam", "femi", "outsider"])
def test_each_command_refuses_whoever_may_not_and_a_refusal_writes_nothing(
    world: World, command: str, who: str
) -> None:
    setup, allowed = COMMANDS[command]
    person = outsider(world) if who == "outsider" else world.member(who)
    act = setup(world)
    before = held(world.gov)
    if who in allowed:
        act(person)
        assert held(world.gov) != before, f"{command} by {who} was allowed but recorded nothing"
        return
    with pytest.raises(GovernanceError) as refused:
        act(person)
    expected = NotFound if who == "outsider" else (NotAllowed, Conflict)
    assert isinstance(refused.value, expected), (command, who, refused.value)
    assert held(world.gov) == before, f"{command} by {who} was refused ({refused.value}) but wrote to the ledger"


def test_a_refused_last_signature_on_an_unadopted_agreement_writes_nothing(world: World) -> None:
    """Every party signing a later version is refused until a governance proposal adopts it; nothing is kept."""
    w = world
    new = next_agreement(w)
    for name in ("amara", "sam", "erin"):
        w.gov.sign_agreement(new, member_id=w.member(name))
    before = held(w.gov)
    with pytest.raises(Conflict, match="must first vote on a change to its rules"):
        w.gov.sign_agreement(new, member_id=w.member("femi"))
    assert held(w.gov) == before
    assert not w.gov.agreement(new).in_force and w.member("femi").hex not in w.gov.agreement(new).signatures
