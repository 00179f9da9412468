"""The figures of a funder's report, each checked against a recount from the event log written here.

A realistic story is built through the real ``Governance`` use cases (SQLite); the
report is computed from the log's events; the test then reads the same events with
plain ``json`` and counts by hand. A count about 1 to 4 people must show "fewer than
5"; any other shown number must equal the recount; a cell withheld to protect
another (null) is checked by the suppression tests.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from copro.stories import PEOPLE, seed
from ledger.governance.replay.events import Event
from ledger.governance.report import ReportError, report_document
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from policies.canonical import canonical_json
from tests.conftest import PASSPHRASE
from tests.governance_world import QUICK_CONSENT, build_world
from tests.replay_support import events_of

GROUPS = {
    "lived": "People with lived experience",
    "researchers": "Researchers",
    "practitioners": "Practitioners",
    "funders": "Funders",
}
FEW = "fewer than 5"


@dataclass
class Story:
    gov: Governance
    config: LedgerConfig
    collective: UUID
    people: dict[str, UUID] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # every sealed text the story wrote
    open_proposal: UUID | None = None
    open_title: str = "Pay the steering group a retainer"
    midpoint: datetime | None = None
    late: datetime | None = None  # after the last decision, before roles, reflections and contributions

    def events(self) -> list[Event]:
        return events_of(self.config)

    def vote(self, pid: UUID, who: list[str], position: str = "agree") -> None:
        for name in who:
            self.gov.cast_ballot(pid, member_id=self.people[name], position=position)


def _moment() -> datetime:
    """A time strictly between the events before it and those after (timestamps have microseconds)."""
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


@pytest.fixture
def sqlite_gov(make_config: Any) -> Iterator[tuple[Governance, LedgerConfig]]:
    config = make_config("sqlite")
    app = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    yield app, config
    app.close()


def build_story(gov: Governance, config: LedgerConfig) -> Story:
    founder_name = "Rosa Founder"
    cid, founder = gov.found_collective(
        name="Kitchen Table Research",
        purpose="People with lived experience and researchers study peer support together.",
        groups=GROUPS,
        founder_name=founder_name,
        founder_contact="rosa@example.org",
        founder_groups=["researchers"],
    )
    s = Story(gov, config, cid, {"r0": founder}, [founder_name], ["rosa@example.org"])
    members = (
        [(f"l{i}", ["lived"]) for i in range(1, 7)]
        + [("x", ["lived", "practitioners"])]
        + [(f"p{i}", ["practitioners"]) for i in range(1, 5)]
        + [(f"r{i}", ["researchers"]) for i in range(1, 6)]
        + [("f1", ["funders"]), ("f2", ["funders"])]
    )
    for key, groups in members:
        name, contact = f"Person {key.upper()} Zqx", f"{key}-contact@example.org"
        s.people[key] = gov.admit_member(cid, by=founder, name=name, contact=contact, groups=groups)
        s.names.append(name)
        s.secrets.append(contact)
    p = s.people
    gov.assign_role(cid, p["r1"], "facilitator", by=founder)
    gov.assign_role(cid, p["p1"], "secretary", by=founder)
    rights = {"lived": "decide", "researchers": "decide", "practitioners": "consent", "funders": "inform"}
    agreement = gov.draft_agreement(
        cid,
        by=founder,
        parties=list(GROUPS),
        matrix={"research_question": ("quick-consent", rights), "recruitment": ("quick-consent", rights)},
        policy_texts={"quick-consent": QUICK_CONSENT},
        review_date=date.today() + timedelta(days=1),
        ground_rules="We listen and we share power.",
    )
    for signer in ("l1", "l2", "r0", "p1", "f1"):
        gov.sign_agreement(agreement, member_id=p[signer])
    fac = p["r1"]
    everyone = [f"l{i}" for i in range(1, 7)] + ["x", "p1", "p2", "r0", "r2", "r3"]

    # 1. A block answered by a revision, integrated: "you said, we did".
    guide = gov.draft_proposal(cid, by=p["r2"], category="research_question", title="Interview guide", body="Q1-Q12.")
    gov.open_proposal(guide, by=fac)
    s.vote(guide, everyone[1:])
    reason = "Question 7 can re-traumatise people Zqx."
    gov.cast_ballot(guide, member_id=p["l1"], position="block", reason=reason)
    s.secrets.append(reason)
    (block,) = gov.proposal(guide).objection_ids
    gov.answer_objection(block, by=p["r2"], answer="We add a content note Zqx.")
    s.secrets.append("We add a content note Zqx.")
    gov.revise_proposal(guide, by=p["r2"], title="Interview guide, version 2", body="Q1-Q12, Q7 with a note.")
    gov.resolve_objection(block, by=fac, how="integrate", why="Version 2 adds the note Zqx.")
    s.vote(guide, everyone[:-1])  # r3 does not vote again: their ballot answers version 1 and is not counted
    gov.close_proposal(guide, by=fac)

    # 2. A paramount objection upheld: the outcome changed.
    share = gov.draft_proposal(
        cid, by=p["r3"], category="research_question", title="Share transcripts", body="With the funder."
    )
    gov.open_proposal(share, by=fac)
    s.vote(share, everyone[:10])
    o = gov.raise_objection(share, member_id=p["r4"], reason="Consent does not cover it Zqx.")
    gov.test_objection(o, by=fac, paramount=True, why="Consent matters Zqx.")
    gov.resolve_objection(o, by=fac, how="uphold", why="Upheld Zqx.")
    gov.close_proposal(share, by=fac)
    s.secrets += ["Consent does not cover it Zqx.", "Consent matters Zqx.", "Upheld Zqx."]

    s.midpoint = _moment()

    # 3. A reason given before a revision; a concern raised after it, left as a concern.
    online = gov.draft_proposal(cid, by=p["p1"], category="recruitment", title="Recruit online", body="Forums only.")
    gov.open_proposal(online, by=fac)
    gov.cast_ballot(online, member_id=p["l2"], position="disagree", reason="Not everyone is online Zqx.")
    gov.revise_proposal(online, by=p["p1"], title="Recruit online and in person", body="Forums and clinics.")
    s.vote(online, everyone[:11])
    concern = gov.raise_objection(online, member_id=p["p2"], reason="Workload Zqx.")
    gov.test_objection(concern, by=fac, paramount=False, why="A concern to review Zqx.")
    gov.close_proposal(online, by=fac)
    s.secrets += ["Not everyone is online Zqx.", "Workload Zqx.", "A concern to review Zqx."]

    # 4. Decided as first written, nothing raised.
    plain = gov.draft_proposal(cid, by=p["l3"], category="research_question", title="Meet monthly", body="Monthly.")
    gov.open_proposal(plain, by=fac)
    s.vote(plain, everyone)
    gov.close_proposal(plain, by=fac)

    # 4b. Adopted by consent although most lived-experience members disagreed: a divergent decision.
    online_only = gov.draft_proposal(
        cid, by=p["r2"], category="research_question", title="Meet online only", body="No rooms."
    )
    gov.open_proposal(online_only, by=fac)
    for who in ("l1", "l2", "l3", "l4", "l5"):
        gov.cast_ballot(online_only, member_id=p[who], position="disagree", reason=f"I need a room {who} Zqx.")
        s.secrets.append(f"I need a room {who} Zqx.")
    s.vote(online_only, ["l6", "x", "p1", "p2", "r0", "r2", "r3"])
    gov.close_proposal(online_only, by=fac)

    # 5. Withdrawn before opening.
    rename = gov.draft_proposal(cid, by=p["l4"], category="recruitment", title="Rename the study", body="Voices.")
    gov.withdraw_proposal(rename, by=p["l4"], reason="People like the name Zqx.")
    s.secrets.append("People like the name Zqx.")

    # 6. Still open at the end: must appear nowhere.
    pending = gov.draft_proposal(cid, by=p["l5"], category="research_question", title=s.open_title, body="Secret.")
    gov.open_proposal(pending, by=fac)
    s.vote(pending, ["l6", "r5"])
    gov.raise_objection(pending, member_id=p["p3"], reason="Too early Zqx.")
    s.secrets.append("Too early Zqx.")
    s.open_proposal = pending

    s.late = _moment()

    # Roles rotate, reflections and actions, contributions and recognition.
    gov.assign_role(cid, p["r2"], "facilitator", by=founder)
    r = gov.record_reflection(
        cid,
        by=p["l1"],
        subject="agreement",
        subject_ref="annual review Zqx",
        worked="Paid time helped Zqx.",
        did_not="Late meetings Zqx.",
        power="Researchers set the agenda Zqx.",
        actions=["Rotate the chair Zqx", "Finish by 8pm Zqx"],
        review_outcome="amend",
    )
    gov.complete_action(r, 1, by=p["r2"])
    gov.record_reflection(
        cid,
        by=p["r3"],
        subject="period",
        subject_ref="spring Zqx",
        worked="Good turnout Zqx.",
        did_not="",
        power="",
        actions=[],
    )
    s.secrets += ["annual review Zqx", "Paid time helped Zqx.", "Rotate the chair Zqx", "spring Zqx"]
    for who, minutes, answer in [
        ("l1", 90, "paid"),
        ("l2", 120, "paid"),
        ("l3", 45, "accept"),
        ("l4", 60, "none"),
        ("l5", 30, "decline"),
    ]:
        c = gov.log_contribution(
            cid, by=p["p1"], member_id=p[who], activity=f"Panel {who} Zqx", minutes=minutes, on=date(2026, 11, 3)
        )
        s.secrets.append(f"Panel {who} Zqx")
        gov.offer_recognition(
            c, by=founder, kind="payment", amount_minor=minutes * 25, currency="GBP", rate_table="NIHR-2026"
        )
        if answer in ("paid", "accept"):
            gov.respond_to_recognition(c, by=p[who], accept=True)
        if answer == "paid":
            gov.mark_paid(c, by=founder, reference=f"BACS {who} Zqx")
            s.secrets.append(f"BACS {who} Zqx")
        if answer == "decline":
            gov.respond_to_recognition(c, by=p[who], accept=False, reason="Benefits Zqx.")
    for who in ("r1", "r2", "r3", "r4", "r5"):  # co-authors, credited
        credit = gov.log_contribution(
            cid, by=p["p1"], member_id=p[who], activity="Wrote Zqx", minutes=120, on=date(2026, 11, 4)
        )
        gov.offer_recognition(credit, by=founder, kind="credit")
    return s


@pytest.fixture
def story(sqlite_gov: tuple[Governance, LedgerConfig]) -> Story:
    return build_story(*sqlite_gov)


def later() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


# -- the independent recount -------------------------------------------------------------------


def _u(value: Any) -> str:
    assert value["_type_"] == "uuid_hex"
    return str(value["_data_"])


def _ts(doc: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(doc["timestamp"]["_data_"])


class Recount:
    """The log read with plain json, counted by hand: no code of the report is used."""

    def __init__(self, events: list[Event], start: datetime | None, end: datetime) -> None:
        self.groups: dict[str, set[str]] = defaultdict(set)
        self.member_groups: dict[str, list[str]] = {}
        self.left: set[str] = set()
        self.proposals: dict[str, dict[str, Any]] = {}
        self.ballots: dict[str, list[dict[str, Any]]] = {}
        self.objections: dict[str, dict[str, Any]] = {}
        self.closed: list[tuple[str, dict[str, Any], datetime]] = []
        self.contributions: dict[str, dict[str, Any]] = {}
        self.reflections: dict[str, dict[str, Any]] = {}
        self.roles: list[tuple[str, str, datetime]] = []
        self.signatures: list[str] = []
        for e in events:
            doc = json.loads(e.payload)
            at = _ts(doc)
            if at >= end:
                break
            name, oid = e.topic.removeprefix("copro/1/"), e.originator_id.hex
            inside = start is None or at >= start
            if name == "Collective.Founded":
                self.member_groups[_u(doc["founder_id"])] = doc["founder_groups"]
                self.roles.append(("steward", _u(doc["founder_id"]), at))
            elif name == "Collective.MemberAdmitted":
                self.member_groups[_u(doc["member_id"])] = doc["groups"]
            elif name == "Collective.RoleAssigned":
                self.roles.append((doc["role"], _u(doc["member_id"]), at))
            elif name == "Agreement.Signed":
                self.signatures.append(doc["group"])
            elif name == "Proposal.Drafted":
                self.proposals[oid] = {
                    "author": _u(doc["author_id"]),
                    "title": doc["title"],
                    "versions": 1,
                    "category": doc["category"],
                }
            elif name == "Proposal.Revised":
                self.proposals[oid]["versions"] += 1
                self.proposals[oid]["title"] = doc["title"]
            elif name == "Proposal.Closed" and inside:
                self.closed.append((oid, doc["result"], at))
            elif name == "Proposal.Withdrawn" and inside:
                self.proposals[oid]["withdrawn"] = True
            elif name in ("Ballot.Cast", "Ballot.Changed"):
                self.ballots.setdefault(oid, []).append(doc)
            elif name == "Objection.Raised":
                self.objections[oid] = {
                    "proposal": _u(doc["proposal_id"]),
                    "member": _u(doc["member_id"]),
                    "paramount": doc["paramount"],
                    "status": "raised",
                }
            elif name == "Objection.Tested":
                self.objections[oid]["paramount"] = doc["paramount"]
            elif name == "Objection.Answered":
                self.objections[oid]["status"] = "answered"
            elif name == "Objection.Resolved":
                self.objections[oid]["status"] = doc["status"]
            elif name == "Contribution.Logged" and inside:
                self.contributions[oid] = {"member": _u(doc["member_id"]), "minutes": doc["minutes"], "state": "none"}
            elif name == "Contribution.RecognitionOffered" and oid in self.contributions:
                self.contributions[oid].update(state="offered", kind=doc["kind"], amount=doc.get("amount_minor", 0))
            elif name == "Contribution.RecognitionAccepted" and oid in self.contributions:
                self.contributions[oid]["state"] = "accepted"
            elif name == "Contribution.RecognitionDeclined" and oid in self.contributions:
                self.contributions[oid]["state"] = "declined"
            elif name == "Contribution.Paid" and oid in self.contributions:
                self.contributions[oid]["state"] = "paid"
            elif name == "Reflection.Recorded" and inside:
                self.reflections[oid] = {"subject": doc["subject"], "actions": len(doc["actions"]), "done": 0}
            elif name == "Reflection.ActionCompleted" and oid in self.reflections:
                self.reflections[oid]["done"] += 1
        for m, gs in self.member_groups.items():
            for g in gs:
                self.groups[g].add(m)

    def counted(self, result: dict[str, Any]) -> list[tuple[str, str]]:
        """(member, position) of every ballot the result counts: at its cited version, for the decided version."""
        roster = {m for m, _ in result["roster"]}
        out = []
        for ballot, version in result["ballots"]:
            doc = self.ballots[ballot][version - 1]
            if doc["version_hash"] == result["version_hash"] and _u(doc["member_id"]) in roster:
                out.append((_u(doc["member_id"]), doc["position"]))
        return out


def matches(shown: Any, value: int) -> bool:
    """A shown Count against the recount: equal, or 'fewer than 5' for 1..4, or withheld (null) to protect one."""
    if shown == FEW:
        return 1 <= value <= 4
    if shown is None:
        return value >= 0
    return bool(shown == value)


def test_every_figure_equals_an_independent_recount(story: Story) -> None:
    events, end = story.events(), later()
    doc = report_document(events, collective_id=None, start=None, end=end)
    canonical_json(doc)
    rc = Recount(events, None, end)

    assert [g["id"] for g in doc["groups"]] == sorted(GROUPS)  # the log's (canonical) order of the groups
    for g in doc["groups"]:
        assert matches(g["members"], len(rc.groups[g["id"]])), g
    assert doc["headline"]["members"] == len(rc.member_groups) == 19
    assert doc["groups"][1]["members"] == 7  # lived: six plus the one also in practitioners
    assert doc["groups"][0]["members"] == FEW  # funders: two

    # decisions, and participation per group from the roster and the counted ballots
    closed_ids = [oid for oid, _, _ in rc.closed]
    items = doc["decisions"]["items"]
    assert [i["proposal_id"] for i in items] == closed_ids and len(items) == 5
    assert doc["headline"]["decisions"] == 5
    for item, (oid, result, _) in zip(items, rc.closed, strict=True):
        assert item["outcome"] == result["outcome"]
        assert item["title"] == rc.proposals[oid]["title"]
        assert item["versions"] == rc.proposals[oid]["versions"]
        votes = rc.counted(result)
        assert item["overall"]["eligible"] == len(result["roster"])
        assert matches(item["overall"]["took_part"], len(votes))
        for row in item["participation"]:
            eligible = {m for m, gs in result["roster"] if row["group"] in gs}
            took = {m for m, _ in votes} & eligible
            assert matches(row["eligible"], len(eligible)) and matches(row["took_part"], len(took)), row
            if isinstance(row["eligible"], int) and isinstance(row["took_part"], int) and row["eligible"]:
                assert row["percent"] == (200 * len(took) + len(eligible)) // (2 * len(eligible))
    outcomes: dict[str, int] = defaultdict(int)
    for _, result, _ in rc.closed:
        outcomes[result["outcome"]] += 1
    assert {k: v for k, v in doc["decisions"]["by_outcome"].items() if v} == dict(outcomes)
    assert doc["decisions"]["by_outcome"] == {
        "adopted": 4,
        "not_adopted": 1,
        "no_quorum": 0,
        "blocked": 0,
        "objection_unresolved": 0,
    }
    assert doc["decisions"]["withdrawn"] == sum(1 for p in rc.proposals.values() if p.get("withdrawn")) == 1
    all_votes = [rc.counted(r) for _, r, _ in rc.closed]
    eligible_sum = sum(len(r["roster"]) for _, r, _ in rc.closed)
    took_sum = sum(len(v) for v in all_votes)
    assert doc["headline"]["participation_percent"] == (200 * took_sum + eligible_sum) // (2 * eligible_sum)

    # by category, and what became of each group's proposals
    categories: dict[str, int] = defaultdict(int)
    for oid, _, _ in rc.closed:
        categories[rc.proposals[oid]["category"]] += 1
    assert {c["category"]: c["count"] for c in doc["decisions"]["by_category"]} == dict(categories)
    assert [c["category"] for c in doc["decisions"]["by_category"]] == sorted(categories)
    assert [(r["rule"], r["count"]) for r in doc["decisions"]["by_rule"]] == [("consent", 5)]
    outcome_of = {oid: result["outcome"] for oid, result, _ in rc.closed}
    for row in doc["influence"]["authored"]:
        written = [
            (oid, p)
            for oid, p in rc.proposals.items()
            if row["group"] in rc.member_groups[p["author"]] and (oid in outcome_of or p.get("withdrawn"))
        ]
        adopted = sum(1 for oid, _ in written if outcome_of.get(oid) == "adopted")
        assert matches(row["proposed"], len(written)) and matches(row["adopted"], adopted), row
        assert matches(row["withdrawn"], sum(1 for _, p in written if p.get("withdrawn")))

    # objections by the objector's groups: only those on decided proposals
    decided = set(closed_ids)
    mine = [o for o in rc.objections.values() if o["proposal"] in decided]
    assert len(mine) == 3
    total = doc["objections"]["total"]
    assert matches(total["raised"], len(mine)) and total["raised"] == FEW
    for row in doc["objections"]["by_group"]:
        theirs = [o for o in mine if row["group"] in rc.member_groups[o["member"]]]
        assert matches(row["raised"], len(theirs)), row
        assert matches(row["integrated"], sum(1 for o in theirs if o["status"] == "integrated"))
        assert matches(row["upheld"], sum(1 for o in theirs if o["status"] == "upheld"))
        assert matches(row["concerns"], sum(1 for o in theirs if not o["paramount"]))
        assert matches(row["unresolved"], sum(1 for o in theirs if o["status"] in ("raised", "answered")))

    # contributions, money and recognition
    con = doc["contributions"]
    minutes = sum(c["minutes"] for c in rc.contributions.values())
    assert doc["headline"]["hours_given"] == (minutes + 30) // 60 == 16
    offers = [c for c in rc.contributions.values() if c.get("kind") == "payment"]
    (money,) = con["money"]
    assert money == {
        "rate_table": "NIHR-2026",
        "currency": "GBP",
        "offered_minor": sum(c["amount"] for c in offers),
        "paid_minor": sum(c["amount"] for c in offers if c["state"] == "paid"),
        "declined_minor": sum(c["amount"] for c in offers if c["state"] == "declined"),
        "offers": len(offers),
    }
    assert con["recognition"] == {"payment": 5, "voucher": 0, "expenses": 0, "credit": 5, "training": 0}
    lived = next(r for r in con["by_group"] if r["group"] == "lived")
    researchers = next(r for r in con["by_group"] if r["group"] == "researchers")
    assert lived["people"] == 5 and lived["offered"] == 5 and lived["accepted"] == FEW
    assert lived["hours"] == (sum(c["minutes"] for c in offers) + 30) // 60 == 6
    assert researchers["people"] == 5 and researchers["offered"] == 5 and researchers["hours"] == 10
    assert [r["hours"] for r in con["by_group"] if r["group"] in ("funders", "practitioners")] == [0, 0]
    assert matches(lived["paid"], 2) and matches(lived["declined"], 1)

    # reflections, roles and the agreement
    refl = doc["reflections"]
    assert refl["recorded"] == len(rc.reflections) == 2
    assert refl["actions"] == sum(r["actions"] for r in rc.reflections.values()) == 2
    assert refl["actions_done"] == 1 and refl["actions_open"] == 1
    assert refl["by_subject"] == {"proposal": 0, "agreement": 1, "period": 1}
    facilitator = next(r for r in doc["roles"] if r["role"] == "facilitator")
    assert facilitator["terms"] == sum(1 for role, _, _ in rc.roles if role == "facilitator") == 2
    assert facilitator["rotations"] == 1
    for role in doc["roles"]:
        holders = {m for r, m, _ in rc.roles if r == role["role"]}  # every term here lasts into the period
        for row in role["by_group"]:
            assert matches(row["held"], sum(1 for m in holders if row["group"] in rc.member_groups[m])), row
    (agreement,) = doc["agreements"]["in_force"]
    for row in agreement["signed"]:
        assert matches(row["signed"], rc.signatures.count(row["group"]))
    assert agreement["review_overdue"] is False  # reviewed (a reflection with an outcome) after it came into force
    assert doc["agreements"]["reviews_done"] == 1


def test_the_influence_trail_shows_what_was_said_and_what_it_changed(story: Story) -> None:
    doc = report_document(story.events(), collective_id=None, start=None, end=later())
    trail = doc["influence"]["trail"]
    kinds = [(t["title"], t["said"]["kind"], t["did"]["kind"], t["did"]["version"], t["did"]["outcome"]) for t in trail]
    assert kinds == [
        ("Interview guide, version 2", "objection", "revision", 2, None),
        ("Share transcripts", "objection", "outcome", None, "not_adopted"),
        ("Recruit online and in person", "reason", "revision", 2, None),
    ]
    assert trail[0]["said"]["group"] == "lived"  # 7 members: big enough to name
    assert trail[1]["said"]["group"] == "researchers"
    assert doc["headline"]["changed_by_involvement"] == 3
    assert [n["title"] for n in doc["influence"]["no_change"]] == ["Meet monthly", "Meet online only"]
    # the lived-experience members agreed to share, but an upheld objection stopped it; five of the
    # seven disagreed with meeting online only, and it was adopted by consent
    items = doc["decisions"]["items"]
    assert doc["influence"]["divergent"] == [
        {
            "proposal_id": items[1]["proposal_id"],
            "title": "Share transcripts",
            "group": "lived",
            "group_position": "agree",
            "outcome": "not_adopted",
        },
        {
            "proposal_id": items[4]["proposal_id"],
            "title": "Meet online only",
            "group": "lived",
            "group_position": "disagree",
            "outcome": "adopted",
        },
    ]
    lived = next(a for a in doc["influence"]["authored"] if a["group"] == "lived")
    assert lived["proposed"] == FEW and lived["withdrawn"] == FEW  # Meet monthly (adopted) and the rename
    assert "changed nothing" in doc["influence"]["statement"]


def test_no_open_decision_name_contact_sealed_text_or_person_id_appears(story: Story) -> None:
    doc = report_document(story.events(), collective_id=None, start=None, end=later())
    text = canonical_json(doc).decode()
    assert story.open_proposal is not None
    assert story.open_proposal.hex not in text and story.open_title not in text
    assert "Zqx" not in text  # every name, contact and sealed text of the story carries it
    for secret in story.names + story.secrets:
        assert secret not in text
    for person in story.people.values():
        assert person.hex not in text
    # the open proposal's objection is not counted either: 3 on decided proposals, 4 raised in all
    assert sum(1 for e in story.events() if e.topic == "copro/1/Objection.Raised") == 4


def test_a_period_counts_only_what_happened_in_it(story: Story) -> None:
    events, end = story.events(), later()
    assert story.midpoint is not None
    doc = report_document(events, collective_id=None, start=story.midpoint, end=end)
    titles = ["Recruit online and in person", "Meet monthly", "Meet online only"]
    assert [i["title"] for i in doc["decisions"]["items"]] == titles
    assert doc["period"]["from"] == story.midpoint.strftime("%Y-%m-%dT%H:%M:%SZ")
    # the log as it stood at the midpoint: the first two decisions only, nothing after
    early = report_document(events, collective_id=None, start=None, end=story.midpoint)
    assert [i["title"] for i in early["decisions"]["items"]] == ["Interview guide, version 2", "Share transcripts"]
    assert early["contributions"]["money"] == [] and early["reflections"]["recorded"] == 0
    assert early["decisions"]["withdrawn"] == 0
    # after the last decision: activity, but no decision, and the sentence says so
    assert story.late is not None
    quiet = report_document(events, collective_id=None, start=story.late, end=end)
    assert quiet["decisions"]["items"] == [] and quiet["headline"]["no_activity"] is False
    assert quiet["headline"]["statement"] == "No decision closed in this period; members gave 16 hours of their time."
    assert quiet["reflections"]["recorded"] == 2 and quiet["roles"][1]["terms"] == 1


def test_a_period_with_no_activity_says_so(story: Story) -> None:
    start = later()
    doc = report_document(story.events(), collective_id=None, start=start, end=start + timedelta(days=30))
    canonical_json(doc)
    assert doc["headline"]["no_activity"] is True
    assert doc["headline"]["decisions"] == 0 and doc["decisions"]["items"] == []
    assert doc["headline"]["statement"].startswith("Nothing was recorded")
    assert doc["headline"]["members"] == 19  # members at the period's end are still counted
    busy = report_document(story.events(), collective_id=None, start=None, end=start)
    assert busy["headline"]["no_activity"] is False


def test_the_demo_trail_shows_the_objection_integrated_by_the_revision_it_produced(
    sqlite_gov: tuple[Governance, LedgerConfig],
) -> None:
    gov, config = sqlite_gov
    seed(gov)
    doc = report_document(events_of(config), collective_id=None, start=None, end=later())
    canonical_json(doc)
    integrated = [t for t in doc["influence"]["trail"] if t["did"]["kind"] == "revision"]
    assert integrated, doc["influence"]
    guide = integrated[0]
    assert guide["title"] == "Interview guide, version 2"
    assert guide["said"] == {"kind": "objection", "group": "lived_experience", "paramount": True}
    assert guide["did"]["version"] == 2 and "integrated into version 2" in guide["did"]["summary"]
    # two people voted on "Recruit online only": its turnout is hidden, so no share over all the
    # decisions is given, as it would let that turnout be recovered from the others
    assert doc["headline"]["participation_percent"] is None
    text = canonical_json(doc).decode()
    for name, contact, _, needs in PEOPLE:
        assert name not in text and contact not in text and (not needs or needs not in text)
    assert "Which peer-support models do we study?" not in text  # still open in the demo


def test_feedback_and_the_narrative_are_folded(story: Story) -> None:
    events = story.events()
    doc0 = report_document(events, collective_id=None, start=None, end=later())
    decided = [UUID(hex=i["proposal_id"]) for i in doc0["decisions"]["items"]]
    now = datetime.now(UTC)
    leaf = events[-1].leaf
    extra: list[Event] = []

    def add(oid: UUID, version: int, topic: str, fields: dict[str, Any]) -> None:
        nonlocal leaf
        leaf += 1
        fields["timestamp"] = {"_type_": "datetime_iso", "_data_": now.isoformat()}
        extra.append(Event(leaf, oid, version, f"copro/1/{topic}", canonical_json(fields)))

    def uid(u: UUID) -> dict[str, str]:
        return {"_type_": "uuid_hex", "_data_": u.hex}

    lived = [story.people[f"l{i}"] for i in range(1, 7)]
    for n, member in enumerate(lived):
        answers = {"voice": 4, "contribution": 3, "agenda": 4 if n < 3 else 2, "change": None}
        fid = uuid4()
        add(
            fid,
            1,
            "Feedback.Given",
            {
                "collective_id": uid(story.collective),
                "proposal_id": uid(decided[0]),
                "member_id": uid(member),
                "comment": None,
                **answers,
                "originator_topic": "copro/1/Feedback",
            },
        )
        if n == 0:
            add(fid, 2, "Feedback.Changed", {**answers, "voice": 1, "comment": None})
    nid = uuid4()
    texts = {k: f"{k} text" for k in ("aim", "methods", "results", "influence", "reflection", "equality")}
    add(
        nid,
        1,
        "Narrative.Written",
        {
            "collective_id": uid(story.collective),
            "by": uid(story.people["r0"]),
            **texts,
            "originator_topic": "copro/1/Narrative",
        },
    )
    add(nid, 2, "Narrative.Revised", {"by": uid(story.people["r0"]), **texts, "aim": "Our aim, revised."})
    doc = report_document(events + extra, collective_id=None, start=None, end=later())
    canonical_json(doc)
    inv = doc["involvement"]
    lived_row = next(r for r in inv["by_group"] if r["group"] == "lived")
    assert lived_row["answers"] == 6 and inv["overall"]["answers"] == 6
    # one changed to "No": 6 answers minus 5 would reveal it, so the 5 is withheld (null)
    assert lived_row["voice"] == [FEW, 0, 0, None]
    assert lived_row["contribution"] == [0, 0, 6, 0]
    assert lived_row["change"] == [0, 0, 0, 0]  # unanswered
    # agenda [0, 3, 0, 3] would be [0, fewer, 0, fewer]: two hidden, so no subtraction reveals either
    assert lived_row["agenda"] == [0, FEW, 0, FEW]
    gripp = {g["item"]: g for g in doc["gripp2"]}
    assert gripp["aim"]["narrative"] == "Our aim, revised."
    assert gripp["methods"]["narrative"] == "methods text"
    assert doc["equality_diversity_inclusion"]["narrative"] == "equality text"
    assert [g["item"] for g in doc["gripp2"]] == ["aim", "methods", "results", "influence", "reflection"]


# -- refusals ---------------------------------------------------------------------------------


def test_a_ledger_with_no_collective_is_refused_with_a_sentence(sqlite_gov: tuple[Governance, LedgerConfig]) -> None:
    _, config = sqlite_gov
    with pytest.raises(ReportError, match="holds no collective"):
        report_document(events_of(config), collective_id=None, start=None, end=later())


def test_an_unknown_or_unchosen_collective_is_refused_with_a_sentence(story: Story) -> None:
    other, _ = story.gov.found_collective(
        name="Second Collective",
        purpose="Another.",
        groups={"a": "A"},
        founder_name="Someone Zqx",
        founder_contact="",
        founder_groups=["a"],
    )
    events = story.events()
    with pytest.raises(ReportError) as e:
        report_document(events, collective_id=None, start=None, end=later())
    sentence = str(e.value)
    assert sentence.startswith("This ledger holds 2 collectives; choose one with --collective ID: ")
    assert story.collective.hex in sentence and "Kitchen Table Research" in sentence and "Second Collective" in sentence
    with pytest.raises(ReportError, match=f"holds no collective {'0' * 32}"):
        report_document(events, collective_id=UUID(int=0), start=None, end=later())
    chosen = report_document(events, collective_id=other, start=None, end=later())
    assert chosen["collective"]["name"] == "Second Collective" and chosen["decisions"]["items"] == []


def test_an_inverted_or_naive_period_is_refused(story: Story) -> None:
    end = later()
    with pytest.raises(ReportError, match="swap the dates"):
        report_document(story.events(), collective_id=None, start=end, end=end - timedelta(days=1))
    with pytest.raises(ReportError, match="time zone"):
        report_document(story.events(), collective_id=None, start=None, end=end.replace(tzinfo=None))


def test_an_agreement_past_its_review_date_with_no_review_is_overdue(
    sqlite_gov: tuple[Governance, LedgerConfig],
) -> None:
    gov, config = sqlite_gov
    world = build_world(gov)  # review date 1 November 2027, no review recorded
    events = events_of(config)
    on_the_day = datetime(2027, 11, 1, 23, 59, 59, tzinfo=UTC)
    before = report_document(events, collective_id=None, start=None, end=on_the_day)
    assert before["agreements"]["reviews_overdue"] == 0  # the review date itself is still in time
    after = report_document(events, collective_id=None, start=None, end=datetime(2027, 11, 2, tzinfo=UTC))
    (agreement,) = after["agreements"]["in_force"]
    assert world.agreement is not None and agreement["agreement_id"] == world.agreement.hex
    assert agreement["review_overdue"] is True and after["agreements"]["reviews_overdue"] == 1
    assert after["agreements"]["reviews_done"] == 0


def test_a_log_whose_events_do_not_follow_is_refused_with_a_sentence(story: Story) -> None:
    events = story.events()
    first_cast = next(i for i, e in enumerate(events) if e.topic == "copro/1/Ballot.Cast")
    changed = next(
        e for e in events if e.topic == "copro/1/Ballot.Changed" and e.originator_id == events[first_cast].originator_id
    )
    broken = [e for i, e in enumerate(events) if i != first_cast]
    with pytest.raises(ReportError, match=f"leaf {changed.leaf} \\(copro/1/Ballot.Changed\\) cannot be read"):
        report_document(broken, collective_id=None, start=None, end=later())
