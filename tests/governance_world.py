"""A small co-produced project, built through the real use cases, for the governance stories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from ledger.governance.service import Governance

GROUPS = {
    "lived_experience": "People with lived experience",
    "researchers": "Researchers",
    "practitioners": "Practitioners",
    "funders": "Funders",
}

QUICK_CONSENT = """
name = "quick-consent"
method = "consent"
description = "Consent with no minimum open time, for tests."
block_effect = "objection"
quorum = "1/2"
min_open_hours = 0
"""

OVERRULABLE = """
name = "consent-with-overrule"
method = "consent"
description = "Consent where the steering group may overrule, by a recorded process."
block_effect = "objection"
quorum = "1/2"
min_open_hours = 0
allow_overrule = true
overrule_process = "two-thirds of the steering group after a second meeting"
"""


class Clock:
    """Time the tests control: decisions have minimum open times."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@dataclass
class World:
    gov: Governance
    clock: Clock
    collective: UUID
    steward: UUID
    facilitator: UUID
    people: dict[str, UUID] = field(default_factory=dict)
    agreement: UUID | None = None

    def member(self, name: str) -> UUID:
        return self.people[name]


def build_world(gov: Governance, *, with_agreement: bool = True) -> World:
    clock = Clock()
    gov.clock = clock
    cid, steward = gov.found_collective(
        name="Hearing Voices Research Partnership",
        purpose="Co-produce research on peer support with people who hear voices.",
        groups=GROUPS,
        founder_name="Sam Steward",
        founder_contact="sam@example.org",
        founder_groups=["researchers"],
    )
    w = World(gov, clock, cid, steward, steward)
    w.people["sam"] = steward
    for name, groups in [
        ("amara", ["lived_experience"]),
        ("ben", ["lived_experience"]),
        ("chloe", ["lived_experience", "practitioners"]),
        ("dev", ["researchers"]),
        ("erin", ["practitioners"]),
        ("femi", ["funders"]),
    ]:
        w.people[name] = gov.admit_member(
            cid, by=steward, name=name.title(), contact=f"{name}@example.org", groups=groups
        )
    w.facilitator = w.people["dev"]
    gov.assign_role(cid, w.facilitator, "facilitator", by=steward)
    if with_agreement:
        w.agreement = gov.draft_agreement(
            cid,
            by=steward,
            parties=["lived_experience", "researchers", "practitioners", "funders"],
            matrix={
                "research_question": (
                    "quick-consent",
                    {
                        "lived_experience": "decide",
                        "researchers": "decide",
                        "practitioners": "consent",
                        "funders": "inform",
                    },
                ),
                "budget": (
                    "majority-in-every-group",
                    {
                        "lived_experience": "decide",
                        "researchers": "decide",
                        "practitioners": "decide",
                        "funders": "consult",
                    },
                ),
                "publication": (
                    "consent-with-overrule",
                    {
                        "lived_experience": "decide",
                        "researchers": "decide",
                        "practitioners": "decide",
                        "funders": "inform",
                    },
                ),
                "governance": (
                    "quick-consent",
                    {
                        "lived_experience": "decide",
                        "researchers": "decide",
                        "practitioners": "decide",
                        "funders": "decide",
                    },
                ),
            },
            policy_texts={"quick-consent": QUICK_CONSENT, "consent-with-overrule": OVERRULABLE},
            review_date=date(2027, 11, 1),
            ground_rules="We listen; we share power; we pay people for their time.",
        )
        for name in ("amara", "sam", "erin", "femi"):
            gov.sign_agreement(w.agreement, member_id=w.people[name])
    return w
