"""``copro demo``: a realistic co-produced project, so every screen and report shows something true.

Everything is done through the real use cases, as the people would do it, so the
demo's history verifies and every outcome recomputes. Its rules have no minimum
open time (so decisions can close within one run); each says so. Running it twice
seeds nothing twice.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from uuid import UUID

from ledger.application import Ledger
from ledger.config import LedgerConfig
from ledger.errors import ConfigurationError
from ledger.files import data_folder_files
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.keys import Purpose, passphrase_from_env
from ledger.keystore import KeysFolder
from ledger.verify import verify_log

DEMO_MARK = "demo_collective"
DEMO_ORIGIN = "demo.copro.localhost/collective"
EMPTY_FOLDER = "run the demo in an empty folder (make demo uses ./var)"

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


def demo_keys(config: LedgerConfig) -> list[Path]:
    """Write the demo's unencrypted keys, only into a data folder the demo owns; the files written.

    The demo owns a folder holding no ledger and no key files at all (it writes the
    keys now), or one whose keys it wrote before (origin ``DEMO_ORIGIN``: it writes
    nothing). Anything else may be a real collective's, and an unencrypted key beside
    it would let anyone who reads it forge that collective's history.
    """
    folder = KeysFolder(config.keys_dir)
    state = config.ledger_state()  # refuses a database that is not a copro ledger
    if folder.exists:
        origin = folder.origin()
        if origin != DEMO_ORIGIN:
            # Never seed made-up people and decisions into a real collective's history.
            raise ConfigurationError(
                f"The data folder {config.data_dir} holds the ledger {origin!r}, not a demo; {EMPTY_FOLDER}."
            )
        return []
    if config.keys_dir.exists() and any(config.keys_dir.iterdir()):
        raise ConfigurationError(
            f"The keys folder {config.keys_dir} holds files but no ledger.json, so it may hold a real "
            f"collective's keys; the demo writes its unencrypted keys only where there are none: {EMPTY_FOLDER}."
        )
    if state == "ledger":
        raise ConfigurationError(
            f"The {config.describe()} holds a ledger whose keys are not in {config.keys_dir}; the demo "
            f"will not write keys for a ledger it did not make: {EMPTY_FOLDER}."
        )
    folder.init(DEMO_ORIGIN, None)
    return [folder.key_path(p) for p in Purpose]


@contextmanager
def undone_on_failure(config: LedgerConfig) -> Iterator[None]:
    """If the demo fails part-way, remove the files it created, so no half-seeded demo is left.

    Only files that did not exist before are removed; a database that was there before
    is left as it was. On PostgreSQL nothing is removed: copro never drops a database's
    tables, and the keys stay with the events they signed; a later run refuses the
    half-seeded ledger with a sentence.
    """
    before = {p for p in data_folder_files(config.data_dir) if p.exists()}
    try:
        yield
    except BaseException as e:
        if config.database_url is not None:
            if isinstance(e, ConfigurationError):
                raise  # refused before anything was written
            print(
                f"copro: the demo did not finish; the {config.describe()} may hold part of it: "
                "empty that database before running the demo again.",
                file=sys.stderr,
            )
            raise
        new = {p for p in data_folder_files(config.data_dir) if p.exists() and p not in before}
        created = sorted(p for p in new if p.parent not in new)  # a new folder goes with what is in it
        for path in created:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if created:
            print(
                f"copro: the demo did not finish; removed what it had created in {config.data_dir} "
                f"({', '.join(p.name for p in created)}), so nothing half-seeded is left.",
                file=sys.stderr,
            )
        raise


def seed_demo(config: LedgerConfig) -> Iterator[str]:
    keys = KeysFolder(config.keys_dir).load(passphrase_from_env(required=False))
    gov = Governance.open(config, keys, create=True)
    assert isinstance(gov, Governance)
    try:
        existing = gov.log.meta().get(DEMO_MARK)
        if existing:
            yield f"The demo collective is already seeded ({existing}); nothing added."
        elif gov.log.log_size() > 1:  # more than the keyring: a demo that stopped part-way, or not a demo
            raise ConfigurationError(
                f"The {config.describe()} holds {gov.log.log_size()} events but no finished demo "
                "(a demo that stopped part-way?); empty it, or delete the data folder, and run the demo again."
            )
        else:
            cid = _seed(gov)
            gov.log.set_meta_once(DEMO_MARK, cid.hex)
            yield f"Seeded the demo collective {cid} with {len(PEOPLE)} members."
        views = GovernanceViews(gov, open_view(config))
        views.catch_up()
        yield f"Ledger {keys.origin} in the {config.describe()}: {gov.log.log_size()} signed events."
        note = gov.checkpoint()
        yield "Checkpoint:\n" + note.rstrip()
    finally:
        gov.close()
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    yield (
        f"Verified: {report.leaves} events, {report.checkpoints} checkpoints, "
        f"{report.outcomes} outcomes recomputed: {'OK' if report.ok else 'FAILED'}."
    )


def demo_people(gov: Governance) -> list[tuple[str, UUID]]:
    """(name, member id) of every demo member, for sign-in links."""
    cid = gov.log.meta().get(DEMO_MARK)
    if not cid:
        return []
    collective = gov.collective(UUID(cid))
    return [(gov.member_name(m), m) for m in collective.active_members()]


def _seed(gov: Governance) -> UUID:
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
    fac = p["chloe"]

    rights_all = {g: "decide" for g in GROUPS}
    agreement = gov.draft_agreement(
        cid,
        by=grace,
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
        review_date=date(today.year + 1, today.month, 1),
        ground_rules="We meet as equals. Everyone is paid for their time at published rates. We say when power "
        "is not being shared. Anyone can pause a meeting. Decisions are made by the rules below, never by "
        "whoever speaks loudest.",
    )
    for signer in ("amara", "ellen", "grace", "jack", "liam"):
        gov.sign_agreement(agreement, member_id=p[signer])

    def vote(pid: UUID, votes: dict[str, str], reasons: dict[str, str] | None = None) -> None:
        for who, pos in votes.items():
            gov.cast_ballot(pid, member_id=p[who], position=pos, reason=(reasons or {}).get(who, ""))

    everyone_agrees = {
        k: "agree" for k in ("amara", "ben", "danny", "ellen", "farid", "grace", "hannah", "jack", "kate")
    }

    # Adopted, by majority in every group.
    pay = gov.draft_proposal(
        cid,
        by=p["amara"],
        category="budget",
        title="Pay public contributors £25 an hour",
        body="Public contributors are paid £25 an hour for meetings and preparation, "
        "following the NIHR payment guidance, with expenses on top. Anyone may decline.",
    )
    gov.open_proposal(pay, by=fac)
    vote(
        pay,
        {**everyone_agrees, "chloe": "agree", "nadia": "abstain", "ifeoma": "disagree"},
        {"ifeoma": "I agree with paying, but the rate should rise each year with inflation."},
    )
    gov.close_proposal(pay, by=fac)

    # Adopted after a block was answered, the proposal revised and the objection integrated.
    guide = gov.draft_proposal(
        cid,
        by=p["hannah"],
        category="research_question",
        title="Interview guide, version 1",
        body="Twelve questions about what peer support has meant to you.",
    )
    gov.open_proposal(guide, by=fac)
    vote(guide, {"amara": "agree", "grace": "agree", "jack": "agree"})
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
    vote(
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

    # Not adopted: a paramount objection upheld.
    share = gov.draft_proposal(
        cid,
        by=p["grace"],
        category="research_question",
        title="Share anonymised transcripts with the funder",
        body="Give the funder the anonymised transcripts for their own analysis.",
    )
    gov.open_proposal(share, by=fac)
    vote(
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

    # No quorum.
    online = gov.draft_proposal(
        cid,
        by=p["jack"],
        category="recruitment",
        title="Recruit online only",
        body="Recruit participants only through online forums.",
    )
    gov.open_proposal(online, by=fac)
    vote(online, {"jack": "agree", "kate": "disagree"}, {"kate": "It excludes people without internet access."})
    gov.close_proposal(online, by=fac)

    # Adopted with an objection overruled by the process the agreement names.
    paper = gov.draft_proposal(
        cid,
        by=p["ifeoma"],
        category="publication",
        title="Submit the protocol paper to BMJ Open",
        body="Open access; every member who wants it is a named co-author.",
    )
    gov.open_proposal(paper, by=fac)
    vote(
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

    # Withdrawn.
    rename = gov.draft_proposal(
        cid,
        by=p["jack"],
        category="governance",
        title="Rename the project 'Voices Study'",
        body="A shorter name for the website.",
    )
    gov.withdraw_proposal(rename, by=p["jack"], reason="People prefer the current name.")

    # Open, in progress: positions, a changed vote, objections raised and answered.
    models = gov.draft_proposal(
        cid,
        by=p["amara"],
        category="research_question",
        title="Which peer-support models do we study?",
        body="Hearing Voices groups, peer workers in community teams, and online peer forums.",
    )
    gov.open_proposal(models, by=fac)
    vote(models, {"amara": "agree", "grace": "agree", "hannah": "abstain", "nadia": "agree"})
    gov.cast_ballot(models, member_id=p["hannah"], position="agree")
    gov.raise_objection(models, member_id=p["ellen"], reason="Family peer support is missing from the list.")
    o3 = gov.raise_objection(models, member_id=p["danny"], reason="Online forums are hard to study ethically.")
    gov.answer_objection(o3, by=p["hannah"], answer="We would study only forums whose moderators invite us.")

    # Draft, not yet opened.
    gov.draft_proposal(
        cid,
        by=p["ellen"],
        category="budget",
        title="A creche at every meeting",
        body="Provide a creche so that parents and carers can take part.",
    )

    # Reflections and actions.
    r = gov.record_reflection(
        cid,
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
        cid,
        by=p["liam"],
        subject="period",
        subject_ref=f"{today.year} first half",
        worked="Payment at published rates was in place before the first meeting.",
        did_not="The funders group rarely came to meetings.",
        power="Funders hold the budget line, but the agreement keeps budget decisions with every group.",
        actions=["Invite funders to one meeting a quarter"],
    )

    gov.record_reflection(
        cid,
        by=p["ellen"],
        subject="agreement",
        subject_ref="six-month review",
        review_outcome="amend",
        worked="Every group has signed and budget decisions need a majority in every group.",
        did_not="Carers were consulted on recruitment only after the leaflet was printed.",
        power="Carers asked for a decide right on recruitment; researchers agreed.",
        actions=["Draft version 2 of the agreement giving carers a decide right on recruitment"],
    )

    # Contributions and recognition.
    for who, activity, minutes, kind, amount in [
        ("amara", "Co-chaired the steering group", 120, "payment", 5000),
        ("danny", "Reviewed the interview guide", 90, "payment", 3750),
        ("ben", "Interview panel", 180, "payment", 7500),
        ("nadia", "Co-authored the protocol paper", 600, "credit", 0),
        ("farid", "Translated the participant leaflet", 240, "voucher", 10000),
    ]:
        c = gov.log_contribution(cid, by=p["hannah"], member_id=p[who], activity=activity, minutes=minutes, on=today)
        if kind == "credit":
            gov.offer_recognition(c, by=grace, kind="credit")
            gov.respond_to_recognition(c, by=p[who], accept=True)
            continue
        gov.offer_recognition(c, by=grace, kind=kind, amount_minor=amount, currency="GBP", rate_table="NIHR-2026-04")
        if who == "ben":
            gov.respond_to_recognition(c, by=p[who], accept=False, reason="Payment would affect my benefits.")
        elif who == "farid":
            continue  # offered, not yet answered
        else:
            gov.respond_to_recognition(c, by=p[who], accept=True)
            gov.mark_paid(c, by=p["hannah"], reference=f"BACS {who.upper()}-{today:%Y%m}")
    return cid
