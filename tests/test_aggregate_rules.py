"""The aggregates keep their own rules: called directly, with no command handler in front, they refuse.

The handlers call the same guards first (so nothing is sealed or read for a request that
will be refused), but a rule holds because the aggregate holds it. Facts that belong to
another aggregate (is this person a facilitator? has the change been adopted?) are passed
in, as the handler passes them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from ledger.governance.agreement import Agreement
from ledger.governance.collective import Collective, Role
from ledger.governance.contribution import Contribution, Kind
from ledger.governance.errors import Conflict, Invalid, NotAllowed
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal, version_hash
from ledger.governance.reflection import Reflection
from ledger.log.sealed import Sealed

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
AUTHOR, OTHER = uuid4(), uuid4()


def sealed(person: UUID) -> Sealed:
    return Sealed(person, "/x", b"\0" * 12, b"ciphertext")


def proposal() -> Proposal:
    return Proposal(
        collective_id=uuid4(),
        category="budget",
        title="Pay",
        body="£25.",
        author_id=AUTHOR,
        content_hash=version_hash("Pay", "£25.", "budget", 1),
        changes_agreement=None,
    )


def opened() -> Proposal:
    p = proposal()
    p.open(OTHER, NOW.isoformat(), "majority", "sha256:p", uuid4(), max_open_hours=None)
    return p


def test_a_proposal_is_revised_only_by_its_author_or_a_facilitator() -> None:
    p = proposal()
    with pytest.raises(NotAllowed, match="Only the one who wrote it, or the one who runs the process, can revise it"):
        p.revise("Pay more", "£30.", OTHER, by_is_facilitator=False, now=NOW)
    p.revise("Pay more", "£30.", OTHER, by_is_facilitator=True, now=NOW)
    p.revise("Pay most", "£35.", AUTHOR, by_is_facilitator=False, now=NOW)
    assert [v.number for v in p.versions] == [1, 2, 3]


def test_a_proposal_is_withdrawn_only_by_its_author_or_a_facilitator() -> None:
    p = proposal()
    with pytest.raises(NotAllowed, match="Only the one who wrote it, or the one who runs the process, can withdraw it"):
        p.withdraw(OTHER, sealed(OTHER), by_is_facilitator=False, now=NOW)
    p.withdraw(AUTHOR, sealed(AUTHOR), by_is_facilitator=False, now=NOW)
    assert p.state.value == "withdrawn"


def test_a_proposal_refuses_to_close_before_its_minimum_open_time() -> None:
    from tests.test_closing_result import KNOWN

    p = opened()
    with pytest.raises(Conflict, match="must stay open for at least 2 days, until 04 November 2026 10:00 UTC"):
        p.close(OTHER, NOW + timedelta(hours=47), KNOWN, min_open_hours=48)
    p.close(OTHER, NOW + timedelta(hours=48), KNOWN, min_open_hours=48)
    assert p.outcome is not None and p.outcome["outcome"] == "no_quorum"


def test_recognition_is_answered_only_by_the_person_offered_it() -> None:
    c = Contribution.log(
        id=uuid4(),
        collective_id=uuid4(),
        member_id=AUTHOR,
        activity=sealed(AUTHOR),
        minutes=60,
        on="2026-11-01",
        by=AUTHOR,
    )
    c.offer(Kind.CREDIT, 0, "", "", OTHER)
    with pytest.raises(NotAllowed, match="Only the person who is thanked can say yes or no to the thanks"):
        c.respond(OTHER, True, None)
    c.respond(AUTHOR, True, None)
    assert c.recognition.value == "accepted"


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1])
def test_time_given_is_between_a_minute_and_a_day(minutes: int) -> None:
    with pytest.raises(Invalid, match="between 1 minute and 24 hours"):
        Contribution.log(
            id=uuid4(),
            collective_id=uuid4(),
            member_id=AUTHOR,
            activity=sealed(AUTHOR),
            minutes=minutes,
            on="",
            by=AUTHOR,
        )


def test_only_money_carries_a_currency() -> None:
    c = Contribution.log(
        id=uuid4(), collective_id=uuid4(), member_id=AUTHOR, activity=sealed(AUTHOR), minutes=60, on="", by=AUTHOR
    )
    with pytest.raises(Invalid, match="Only a payment, a voucher or a cost you paid can have a money code"):
        c.offer(Kind.TRAINING, 0, "GBP", "", OTHER)


def test_members_log_their_own_time_unless_a_steward_or_secretary_logs_it() -> None:
    steward, member, secretary, other = uuid4(), uuid4(), uuid4(), uuid4()
    c = Collective(name="C", purpose="P", groups={"g": "G"}, founder_id=steward, founder_groups=["g"])
    for person in (member, secretary, other):
        c.admit(person, ["g"], steward)
    c.assign_role(secretary, Role.SECRETARY, date(2026, 1, 1), None, steward)
    with pytest.raises(NotAllowed, match="Members log their own time; a steward or secretary can log it for them"):
        c.check_may_log_time_for(other, member)
    for by in (member, steward, secretary):
        c.check_may_log_time_for(by, member)


def test_an_unknown_role_is_refused_with_the_roles_there_are() -> None:
    with pytest.raises(
        Invalid,
        match=r"We do not know the role 'chair'\. Use one of the four we have: steward, member, facilitator",
    ):
        Role.parse("chair")
    assert Role.parse("secretary") is Role.SECRETARY


def draft(**changes: object) -> Agreement:
    fields: dict[str, object] = {
        "collective_id": uuid4(),
        "parties": ["a", "b"],
        "groups": ["a", "b"],
        "matrix": {"budget": ("majority", {"a": "decide", "b": "consult"})},
        "policies": {"majority": "text"},
        "policy_hashes": {"majority": "sha256:m"},
        "review_date": date(2027, 1, 1),
        "today": date(2026, 11, 2),
        "ground_rules": "We listen.",
        "supersedes": None,
    }
    fields.update(changes)
    return Agreement.draft(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        (
            {"matrix": {"budget": ("majority", {"c": "decide"})}},
            "Unknown stakeholder group 'c' in the rights for 'budget'.",
        ),
        (
            {"matrix": {"budget": ("majority", {"a": "veto"})}},
            "There is no right called 'veto'. Use decide, consent, consult or inform.",
        ),
        (
            {"matrix": {"budget": ("majority", {"a": "consult", "b": "inform"})}},
            "No group can decide 'budget'; give at least one group the right to decide or consent.",
        ),
        ({"review_date": date(2026, 11, 2)}, "The review date must be in the future."),
    ],
)
def test_an_agreement_that_could_not_govern_is_not_drafted(changes: dict[str, object], sentence: str) -> None:
    with pytest.raises(Invalid) as refused:
        draft(**changes)
    assert str(refused.value) == sentence


def test_a_later_agreement_comes_into_force_only_once_its_change_is_adopted() -> None:
    later = draft(supersedes=uuid4())
    later.sign(AUTHOR, frozenset({"a"}), change_adopted=False)
    with pytest.raises(Conflict, match="must first vote on a change to its rules"):
        later.sign(OTHER, frozenset({"b"}), change_adopted=False)
    assert not later.in_force and OTHER.hex not in later.signatures
    later.sign(OTHER, frozenset({"b"}), change_adopted=True)
    assert later.in_force


def test_overruling_needs_a_rule_that_allows_it() -> None:
    o = Objection(
        id=uuid4(),
        proposal_id=uuid4(),
        member_id=AUTHOR,
        reason=sealed(AUTHOR),
        paramount=True,
        version_hash="sha256:v1",
        from_block=False,
    )
    with pytest.raises(NotAllowed, match="does not let you overrule"):
        o.resolve("overrule", OTHER, sealed(OTHER), version_hash="sha256:v1", allow_overrule=False)
    with pytest.raises(Invalid, match="Choose what to do with it"):
        o.resolve("ignore", OTHER, sealed(OTHER), version_hash="sha256:v1", allow_overrule=True)
    o.resolve("overrule", OTHER, sealed(OTHER), version_hash="sha256:v1", allow_overrule=True)
    assert o.status.value == "overruled"


def test_a_reflection_must_say_something() -> None:
    with pytest.raises(Invalid, match="This reflection is empty"):
        Reflection.check_not_empty(["", ""], [])
    Reflection.check_not_empty(["", ""], ["Pay people sooner."])
