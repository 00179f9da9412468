"""The demo collective's history, one story at a time, each showing one part of co-production.

Every story goes through the real use cases, as the people would do it, so the demo's
history verifies and every outcome recomputes. ``seed`` tells them in order; each
story's docstring says what it shows. Its rules have no minimum open time, so
decisions can close within one run; each says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from ledger.governance.service import Governance

GROUPS = {
    "lived_experience": "People with lived experience",
    "carers": "Carers and family",
    "researchers": "Researchers",
    "practitioners": "Practitioners",
    "funders": "Funders",
}

PEOPLE = [  # name, contact, groups, access needs
    ("Grace Okafor", "grace@example.org", ["researchers"], ""),
    ("Amara Khan", "07700 900101", ["lived_experience"], "Large print papers, please"),
    ("Ben Murphy", "ben@example.org", ["lived_experience"], ""),
    ("Chloe Martin", "chloe@example.org", ["lived_experience", "practitioners"], ""),
    ("Danny Li", "danny@example.org", ["lived_experience"], "Step-free access"),
    ("Ellen Price", "ellen@example.org", ["carers"], ""),
    ("Farid Haddad", "farid@example.org", ["carers"], "Arabic interpreter"),
    ("Hannah Berg", "hannah@example.org", ["researchers"], ""),
    ("Ifeoma Eze", "ifeoma@example.org", ["researchers"], ""),
    ("Jack Evans", "jack@example.org", ["practitioners"], ""),
    ("Kate Wilson", "kate@example.org", ["practitioners"], "Screen reader user"),
    ("Liam Roberts", "liam@example.org", ["funders"], ""),
    ("Mei Chen", "mei@example.org", ["funders"], ""),
    ("Nadia Rossi", "nadia@example.org", ["lived_experience", "carers"], ""),
]

DEMO_CONSENT = '''
name = "demo-consent"
method = "consent"
description = """
A proposal passes when at least half of the members have taken part and no one has a \\
paramount objection. A block is a paramount objection that must be resolved. \\
(Demo rule: no minimum open time, so the demo can close decisions straight away.)\\
"""
block_effect = "objection"
quorum = "1/2"
min_open_hours = 0
'''

DEMO_EVERY_GROUP = '''
name = "demo-majority-in-every-group"
method = "majority"
description = """
Adopted when more than half of those voting agree in every group, with each group's voice \\
counting equally, and at least half of every group taking part. \\
(Demo rule: no minimum open time.)\\
"""
block_effect = "disagree"
group_quorum = "1/2"
concurrent_majority = true
equal_group_voice = true
min_open_hours = 0
'''

DEMO_OVERRULE = '''
name = "demo-consent-with-overrule"
method = "consent"
description = """
Consent, where an objection can be overruled only by two-thirds of the steering group \\
after a second meeting. (Demo rule: no minimum open time.)\\
"""
block_effect = "objection"
quorum = "1/2"
min_open_hours = 0
allow_overrule = true
overrule_process = "two-thirds of the steering group, after a second meeting"
'''


@dataclass(frozen=True)
class Collective:
    """What every story needs: the use cases, the collective, its members by first name, the facilitator."""

    gov: Governance
    id: UUID
    people: dict[str, UUID]
    today: date

    @property
    def facilitator(self) -> UUID:
        return self.people["chloe"]

    def vote(self, proposal: UUID, votes: dict[str, str], reasons: dict[str, str] | None = None) -> None:
        """Each named member gives their position, with their reason if they gave one."""
        for who, position in votes.items():
            self.gov.cast_ballot(
                proposal, member_id=self.people[who], position=position, reason=(reasons or {}).get(who, "")
            )


EVERYONE_AGREES = {k: "agree" for k in ("amara", "ben", "danny", "ellen", "farid", "grace", "hannah", "jack", "kate")}


def seed(gov: Governance) -> UUID:
    """Tell every story, in the order they happened; the new collective's id."""
    c = found_collective(gov)
    sign_the_agreement(c)
    pay = pay_public_contributors(c)
    guide = revise_after_a_block(c)
    share = uphold_a_paramount_objection(c)
    fall_short_of_quorum(c)
    overrule_an_objection(c)
    withdraw_a_proposal(c)
    decide_in_the_open(c)
    draft_a_proposal(c)
    reflect_on_power(c, guide)
    say_how_decisions_went(c, pay, guide, share)
    write_the_narrative(c)
    recognise_contributions(c)
    return c.id


def found_collective(gov: Governance) -> Collective:
    """Who takes part: a collective founded with its groups, every member admitted with their access needs.

    The founder admits the others; the facilitator, secretary and steward roles are
    held for a year, so the pages show roles that end.
    """
    name, contact, groups, needs = PEOPLE[0]
    cid, grace = gov.found_collective(
        name="Hearing Voices Peer Research Partnership",
        purpose="People who hear voices, their families, researchers and clinicians co-produce a study "
        "of peer support, from the research question to publication.",
        groups=GROUPS,
        founder_name=name,
        founder_contact=contact,
        founder_groups=groups,
        founder_access_needs=needs,
    )
    p = {"grace": grace}
    for name, contact, groups, needs in PEOPLE[1:]:
        p[name.split()[0].lower()] = gov.admit_member(
            cid, by=grace, name=name, contact=contact, groups=groups, access_needs=needs
        )
    today = gov.clock().date()
    gov.assign_role(cid, p["chloe"], "facilitator", by=grace, starts=today, ends=today + timedelta(days=365))
    gov.assign_role(cid, p["hannah"], "secretary", by=grace, starts=today, ends=today + timedelta(days=365))
    gov.assign_role(cid, p["amara"], "steward", by=grace, starts=today, ends=today + timedelta(days=365))
    return Collective(gov, cid, p, today)


def sign_the_agreement(c: Collective) -> None:
    """Shared power written down: which rule each kind of decision follows and who decides, signed by every group.

    Funders are informed or consulted, never decide, on research questions,
    recruitment and publication: the agreement, not the budget, says who holds power.
    """
    gov, p = c.gov, c.people
    rights_all = {g: "decide" for g in GROUPS}
    agreement = gov.draft_agreement(
        c.id,
        by=p["grace"],
        parties=list(GROUPS),
        matrix={
            "research_question": ("demo-consent", {**rights_all, "funders": "inform"}),
            "budget": ("demo-majority-in-every-group", {**rights_all, "funders": "consult"}),
            "recruitment": ("demo-consent", {**rights_all, "funders": "inform"}),
            "publication": ("demo-consent-with-overrule", {**rights_all, "funders": "consult"}),
            "governance": ("demo-consent", rights_all),
        },
        policy_texts={
            "demo-consent": DEMO_CONSENT,
            "demo-majority-in-every-group": DEMO_EVERY_GROUP,
            "demo-consent-with-overrule": DEMO_OVERRULE,
        },
        review_date=date(c.today.year + 1, c.today.month, 1),
        ground_rules="We meet as equals. Everyone is paid for their time at published rates. We say when power "
        "is not being shared. Anyone can pause a meeting. Decisions are made by the rules below, never by "
        "whoever speaks loudest.",
    )
    for signer in ("amara", "ellen", "grace", "jack", "liam"):
        gov.sign_agreement(agreement, member_id=p[signer])


def pay_public_contributors(c: Collective) -> UUID:
    """Every voice counts equally: a budget decision adopted by a majority in every group, one dissent on record."""
    gov = c.gov
    pay = gov.draft_proposal(
        c.id,
        by=c.people["amara"],
        category="budget",
        title="Pay public contributors £25 an hour",
        body="Public contributors are paid £25 an hour for meetings and preparation, "
        "following the NIHR payment guidance, with expenses on top. Anyone may decline.",
    )
    gov.open_proposal(pay, by=c.facilitator)
    c.vote(
        pay,
        {**EVERYONE_AGREES, "chloe": "agree", "nadia": "abstain", "ifeoma": "disagree"},
        {"ifeoma": "I agree with paying, but the rate should rise each year with inflation."},
    )
    gov.close_proposal(pay, by=c.facilitator)
    return pay


def revise_after_a_block(c: Collective) -> UUID:
    """Lived experience changes the research: a block answered, the proposal revised, the objection integrated.

    The votes given to version 1 do not count for version 2 (each ballot records the
    version it answers), so everyone votes again. Returns the proposal, which a
    reflection looks back on.
    """
    gov, p, fac = c.gov, c.people, c.facilitator
    guide = gov.draft_proposal(
        c.id,
        by=p["hannah"],
        category="research_question",
        title="Interview guide, version 1",
        body="Twelve questions about what peer support has meant to you.",
    )
    gov.open_proposal(guide, by=fac)
    c.vote(guide, {"amara": "agree", "grace": "agree", "jack": "agree"})
    gov.cast_ballot(
        guide,
        member_id=p["danny"],
        position="block",
        reason="Question 7 asks about hospital admissions without warning; that can re-traumatise.",
    )
    (block_objection,) = gov.proposal(guide).objection_ids
    gov.answer_objection(
        block_objection, by=p["hannah"], answer="We will move it, add a content note and a skip option."
    )
    gov.revise_proposal(
        guide,
        by=p["hannah"],
        title="Interview guide, version 2",
        body="Twelve questions about what peer support has meant to you. Question 7 now comes with "
        "a content note and can be skipped.",
    )
    gov.resolve_objection(
        block_objection, by=fac, how="integrate", why="Version 2 adds the content note and skip option."
    )
    c.vote(
        guide,
        {
            "amara": "agree",
            "danny": "agree",
            "grace": "agree",
            "jack": "agree",
            "ellen": "agree",
            "kate": "agree",
            "ben": "abstain",
            "hannah": "agree",
        },
    )
    gov.close_proposal(guide, by=fac)
    return guide


def uphold_a_paramount_objection(c: Collective) -> UUID:
    """One person can stop what harms participants: a paramount objection upheld, so a popular proposal fails."""
    gov, p, fac = c.gov, c.people, c.facilitator
    share = gov.draft_proposal(
        c.id,
        by=p["grace"],
        category="research_question",
        title="Share anonymised transcripts with the funder",
        body="Give the funder the anonymised transcripts for their own analysis.",
    )
    gov.summarise_proposal(
        share, by=p["grace"], summary="The funder would get the interview transcripts, with names taken out."
    )
    gov.open_proposal(share, by=fac)
    gov.post_comment(share, by=p["hannah"], words="Would the funder keep them, and for how long?")
    gov.post_comment(share, by=p["ben"], words="I need to check what our participants agreed to first.")
    c.vote(
        share,
        {
            "grace": "agree",
            "hannah": "agree",
            "jack": "agree",
            "ifeoma": "agree",
            "kate": "agree",
            "amara": "abstain",
            "chloe": "agree",
        },
    )
    o = gov.raise_objection(
        share, member_id=p["ben"], reason="Participants consented to our team only, not the funder."
    )
    gov.test_objection(o, by=fac, paramount=True, why="It goes against the consent participants gave.")
    gov.resolve_objection(o, by=fac, how="uphold", why="The consent form does not cover sharing with the funder.")
    gov.close_proposal(share, by=fac)
    return share


def fall_short_of_quorum(c: Collective) -> None:
    """Too few voices is no decision: a proposal that closes without quorum is not adopted."""
    gov, p = c.gov, c.people
    online = gov.draft_proposal(
        c.id,
        by=p["jack"],
        category="recruitment",
        title="Recruit online only",
        body="Recruit participants only through online forums.",
    )
    gov.open_proposal(online, by=c.facilitator)
    c.vote(online, {"jack": "agree", "kate": "disagree"}, {"kate": "It excludes people without internet access."})
    gov.close_proposal(online, by=c.facilitator)


def overrule_an_objection(c: Collective) -> None:
    """An objection set aside only by the process the agreement names; another answered and withdrawn."""
    gov, p, fac = c.gov, c.people, c.facilitator
    paper = gov.draft_proposal(
        c.id,
        by=p["ifeoma"],
        category="publication",
        title="Submit the protocol paper to BMJ Open",
        body="Open access; every member who wants it is a named co-author.",
    )
    gov.open_proposal(paper, by=fac)
    c.vote(
        paper,
        {
            "amara": "agree",
            "ben": "agree",
            "danny": "agree",
            "ellen": "agree",
            "grace": "agree",
            "hannah": "agree",
            "ifeoma": "agree",
            "jack": "agree",
        },
    )
    o = gov.raise_objection(
        paper, member_id=p["farid"], reason="I would rather we wrote a plain-language summary first."
    )
    gov.resolve_objection(
        o, by=fac, how="overrule", why="The steering group met twice and agreed the summary can follow within a month."
    )
    o2 = gov.raise_objection(paper, member_id=p["kate"], reason="Are carers credited?")
    gov.answer_objection(o2, by=p["ifeoma"], answer="Yes: the carers group is named in the author list.")
    gov.withdraw_objection(o2, by=p["kate"], why="Answered.")
    gov.close_proposal(paper, by=fac)


def withdraw_a_proposal(c: Collective) -> None:
    """Changing your mind is part of it: a proposal withdrawn by its author before it opened, with the reason."""
    gov, jack = c.gov, c.people["jack"]
    rename = gov.draft_proposal(
        c.id,
        by=jack,
        category="governance",
        title="Rename the project 'Voices Study'",
        body="A shorter name for the website.",
    )
    gov.withdraw_proposal(rename, by=jack, reason="People prefer the current name.")


def decide_in_the_open(c: Collective) -> None:
    """A decision in progress, visible to all: positions given, a vote changed, objections raised and answered."""
    gov, p = c.gov, c.people
    models = gov.draft_proposal(
        c.id,
        by=p["amara"],
        category="research_question",
        title="Which peer-support models do we study?",
        body="Hearing Voices groups, peer workers in community teams, and online peer forums.",
    )
    gov.open_proposal(models, by=c.facilitator)
    c.vote(models, {"amara": "agree", "grace": "agree", "hannah": "abstain", "nadia": "agree"})
    gov.cast_ballot(models, member_id=p["hannah"], position="agree")
    gov.raise_objection(models, member_id=p["ellen"], reason="Family peer support is missing from the list.")
    o3 = gov.raise_objection(models, member_id=p["danny"], reason="Online forums are hard to study ethically.")
    gov.answer_objection(o3, by=p["hannah"], answer="We would study only forums whose moderators invite us.")


def draft_a_proposal(c: Collective) -> None:
    """Anyone can put something forward: a carer's draft, not yet opened for decision."""
    c.gov.draft_proposal(
        c.id,
        by=c.people["ellen"],
        category="budget",
        title="A creche at every meeting",
        body="Provide a creche so that parents and carers can take part.",
    )


def reflect_on_power(c: Collective, guide: UUID) -> None:
    """Looking back at who held power: reflections on a decision, a period and the agreement, with actions.

    One action is completed; the agreement review asks for an amendment, as a
    six-month review would.
    """
    gov, p = c.gov, c.people
    r = gov.record_reflection(
        c.id,
        by=p["amara"],
        subject="proposal",
        subject_ref=str(guide),
        worked="Danny's block changed the guide for the better, and nobody was made to feel difficult.",
        did_not="It took three weeks because the revision waited for a meeting.",
        power="The researchers drafted every question; lived-experience members only reacted.",
        actions=["Co-write the next guide from the start", "Revise between meetings, online"],
    )
    gov.complete_action(r, 0, by=p["hannah"])
    gov.record_reflection(
        c.id,
        by=p["liam"],
        subject="period",
        subject_ref=f"{c.today.year} first half",
        worked="Payment at published rates was in place before the first meeting.",
        did_not="The funders group rarely came to meetings.",
        power="Funders hold the budget line, but the agreement keeps budget decisions with every group.",
        actions=["Invite funders to one meeting a quarter"],
    )
    gov.record_reflection(
        c.id,
        by=p["ellen"],
        subject="agreement",
        subject_ref="six-month review",
        review_outcome="amend",
        worked="Every group has signed and budget decisions need a majority in every group.",
        did_not="Carers were consulted on recruitment only after the leaflet was printed.",
        power="Carers asked for a decide right on recruitment; researchers agreed.",
        actions=["Draft version 2 of the agreement giving carers a decide right on recruitment"],
    )


def recognise_contributions(c: Collective) -> None:
    """Time given is recognised as each person chooses: paid, credited, a voucher, or a payment declined.

    Ben declines payment because it would affect his benefits; Farid's voucher is
    offered and not yet answered; the others are paid and the payments recorded.
    """
    gov, p, grace = c.gov, c.people, c.people["grace"]
    for who, activity, minutes, kind, amount in [
        ("amara", "Co-chaired the steering group", 120, "payment", 5000),
        ("danny", "Reviewed the interview guide", 90, "payment", 3750),
        ("ben", "Interview panel", 180, "payment", 7500),
        ("nadia", "Co-authored the protocol paper", 600, "credit", 0),
        ("farid", "Translated the participant leaflet", 240, "voucher", 10000),
    ]:
        contribution = gov.log_contribution(
            c.id, by=p["hannah"], member_id=p[who], activity=activity, minutes=minutes, on=c.today
        )
        if kind == "credit":
            gov.offer_recognition(contribution, by=grace, kind="credit")
            gov.respond_to_recognition(contribution, by=p[who], accept=True)
            continue
        gov.offer_recognition(
            contribution, by=grace, kind=kind, amount_minor=amount, currency="GBP", rate_table="NIHR-2026-04"
        )
        if who == "ben":
            gov.respond_to_recognition(
                contribution, by=p[who], accept=False, reason="Payment would affect my benefits."
            )
        elif who == "farid":
            continue  # offered, not yet answered
        else:
            gov.respond_to_recognition(contribution, by=p[who], accept=True)
            gov.mark_paid(contribution, by=p["hannah"], reference=f"BACS {who.upper()}-{c.today:%Y%m}")


def say_how_decisions_went(c: Collective, pay: UUID, guide: UUID, share: UUID) -> None:
    """Members' own view: after decisions close, members say whether they were heard and whether it changed anything.

    Every lived-experience member answers on the interview guide, so a report can show
    that group's answers (a group of fewer than 5 is suppressed); Danny, whose block
    changed the guide, changes his answer once the revised guide is in use. Some
    answers are low, and one member says only what they want to in a comment.
    """
    gov, p = c.gov, c.people
    said: list[tuple[str, tuple[int | None, int | None, int | None, int | None], str]] = [
        # who, (voice, contribution, agenda, change; None: rather not say), comment
        ("amara", (4, 3, 4, 4), "The content note came from us."),
        ("ben", (3, 2, None, 3), ""),
        ("chloe", (4, 4, 3, 4), ""),
        ("danny", (3, 3, 4, None), "I was listened to, but I had to block to be heard."),
        ("nadia", (2, 2, 3, 2), "Carers' views on the questions were not asked for."),
        ("hannah", (4, 4, 3, 4), ""),
        ("grace", (4, 3, 3, 4), ""),
        ("kate", (3, None, 3, 3), ""),
    ]
    for who, answers, comment in said:
        voice, contribution, agenda, change = answers
        gov.give_feedback(
            guide,
            member_id=p[who],
            voice=voice,
            contribution=contribution,
            agenda=agenda,
            change=change,
            comment=comment,
        )
    gov.give_feedback(guide, member_id=p["danny"], voice=3, contribution=3, agenda=4, change=4, comment="")
    for who, voice, change in [("ben", 4, 4), ("amara", 4, 3), ("ellen", 3, 2), ("liam", None, 1), ("mei", 2, 1)]:
        gov.give_feedback(share, member_id=p[who], voice=voice, change=change)
    gov.give_feedback(pay, member_id=p["farid"], comment="The rate is fair; the forms to claim it are hard to read.")


def write_the_narrative(c: Collective) -> None:
    """The report's own words: a steward writes the GRIPP2 narrative, and another steward revises it.

    It says plainly where involvement changed little, as NIHR asks.
    """
    gov, p = c.gov, c.people
    texts = {
        "aim": "To share power over the study with people who hear voices and their families, from the research "
        "question to publication, and to pay everyone for their time.",
        "methods": "A steering group of five stakeholder groups decides by the agreement's rules; every decision, "
        "objection and payment is recorded. Members are paid at published NIHR rates, with expenses.",
        "results": "The interview guide was changed after a lived-experience member blocked it. A proposal to share "
        "transcripts with the funder was stopped by a paramount objection. Recruiting online only fell short of "
        "quorum. Funders rarely came to meetings.",
        "influence": "Involvement changed the interview guide and stopped a data-sharing plan. It made little "
        "difference to the budget decisions, which were already agreed before members joined.",
        "reflection": "Researchers still drafted every question; members reacted rather than wrote. Revisions "
        "waited for meetings. We will co-write the next guide from the start.",
        "equality": "Interpreting (Arabic) and step-free venues were provided. Carers were consulted late on "
        "recruitment. Members on benefits could decline payment without losing their place.",
    }
    gov.write_narrative(c.id, by=p["grace"], **{k: v for k, v in texts.items() if k != "equality"})
    gov.write_narrative(c.id, by=p["amara"], **texts)
