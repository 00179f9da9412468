"""A proposal's discussion and where people stand: comments, the "in short" summary, positions per group.

Every story runs on SQLite and on a real PostgreSQL server. Members read each other's
positions and reasons, group by group, unless the rule in force keeps them private
until the decision closes: then a member sees counts only, on the page and through the
domain query alike, and not even who blocked. Comments are a member's own words, sealed
with their key: erasing the person erases them.
"""

from __future__ import annotations

import json
import re
from datetime import date
from uuid import UUID, uuid4

import pytest

from ledger.governance.comment import Comment
from ledger.governance.errors import Conflict, NotAllowed, NotFound
from ledger.governance.recompute import OUTCOMES
from ledger.governance.replay.events import Event, ReplayError
from ledger.governance.replay.fold import fold
from ledger.governance.replay.outcomes import replay
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.sealed import Sealed
from ledger.log.verify import verify_log
from policies import parse_policy, policy_hash
from tests.governance_world import QUICK_CONSENT, build_world
from tests.replay_support import events_of
from tests.web_support import Person, Site
from web import create_app

PRIVATE_CONSENT = """
name = "private-consent"
method = "consent"
description = "Consent; positions stay private until the decision closes."
block_effect = "objection"
quorum = "1/2"
min_open_hours = 0
positions_private_until_close = true
"""


def private_site(gov: Governance, config: LedgerConfig) -> Site:
    """The usual collective, under an agreement whose budget decisions keep positions private until close."""
    w = build_world(gov, with_agreement=False)
    parties = ["lived_experience", "researchers", "practitioners", "funders"]
    rights = dict.fromkeys(parties, "decide")
    w.agreement = gov.draft_agreement(
        w.collective,
        by=w.steward,
        parties=parties,
        matrix={"research_question": ("quick-consent", rights), "budget": ("private-consent", rights)},
        policy_texts={"quick-consent": QUICK_CONSENT, "private-consent": PRIVATE_CONSENT},
        review_date=date(2027, 11, 1),
        ground_rules="We listen; we share power.",
    )
    for name in ("amara", "sam", "erin", "femi"):
        gov.sign_agreement(w.agreement, member_id=w.people[name])
    app = create_app(
        {"LEDGER_CONFIG": config, "GOVERNANCE": gov, "SECRET_KEY": "test secret key, not a real one", "TESTING": True}
    )
    return Site(app, w, config)


def opened(site: Site, category: str, title: str = "Hire a minibus") -> UUID:
    w = site.world
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("amara"), category=category, title=title, body="For away days."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def vote(site: Site, pid: UUID, name: str, position: str, reason: str = "") -> None:
    site.world.gov.cast_ballot(pid, member_id=site.world.member(name), position=position, reason=reason)
    site.copro.views.catch_up()


def page_of(person: Person, site: Site, pid: UUID) -> str:
    r = person.get(site.url("/proposals/{p}", p=pid))
    assert r.status_code == 200
    return r.get_data(as_text=True)


# -- comments ---------------------------------------------------------------------------------------


def test_a_member_comments_without_javascript_and_everyone_reads_it_in_the_thread(site: Site) -> None:
    pid = opened(site, "research_question")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    r = ben.post(site.url("/proposals/{p}/comments", p=pid), {"comment": "Could we ask the peer workers first?"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/proposals/{pid}#confirmation")  # the confirmation repeats the comment
    page = page_of(Person(site, "erin"), site, pid)
    assert "Could we ask the peer workers first?" in page
    assert "Ben," in page, "the thread names who wrote it"


def test_with_htmx_the_thread_alone_comes_back_with_the_new_comment(site: Site) -> None:
    pid = opened(site, "research_question")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    r = ben.post(
        site.url("/proposals/{p}/comments", p=pid), {"comment": "Yes, let us try."}, headers={"HX-Request": "true"}
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert body.startswith('<section id="discussion"') and "<html" not in body
    assert "Yes, let us try." in body
    assert "Your comment is posted" in r.headers["HX-Trigger"]
    assert "HX-Request" in r.headers["Vary"]


def test_an_empty_comment_is_refused_with_a_sentence_and_nothing_is_written(site: Site) -> None:
    pid = opened(site, "research_question")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    size = site.world.gov.merkle_log.log_size()
    r = ben.post(site.url("/proposals/{p}/comments", p=pid), {"comment": "   "})
    assert r.status_code == 422
    assert "The comment is empty; please write something." in r.get_data(as_text=True)
    assert site.world.gov.merkle_log.log_size() == size


def test_with_htmx_an_empty_comment_comes_back_in_the_thread_with_its_sentence(site: Site) -> None:
    pid = opened(site, "research_question")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    r = ben.post(site.url("/proposals/{p}/comments", p=pid), {"comment": ""}, headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert body.startswith('<section id="discussion"')
    assert '<p class="error" role="alert" id="comment-error">The comment is empty; please write something.</p>' in body
    assert 'aria-describedby="comment-error"' in body


def test_a_comment_without_the_csrf_token_is_refused(site: Site) -> None:
    pid = opened(site, "research_question")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    size = site.world.gov.merkle_log.log_size()
    r = ben.post(site.url("/proposals/{p}/comments", p=pid), {"comment": "Hello"}, csrf=False)
    assert r.status_code in (400, 403)
    assert site.world.gov.merkle_log.log_size() == size


def test_someone_outside_the_collective_cannot_comment(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    other, outsider = w.gov.found_collective(
        name="Another project",
        purpose="Something else.",
        groups={"researchers": "Researchers"},
        founder_name="Olu Outsider",
        founder_contact="olu@example.org",
        founder_groups=["researchers"],
    )
    size = w.gov.merkle_log.log_size()
    with pytest.raises(NotFound):
        w.gov.post_comment(pid, by=outsider, words="Let me in.")
    assert w.gov.merkle_log.log_size() == size
    with pytest.raises(NotFound):
        site.copro.pages.comments(w.gov.collective(other), pid, outsider)


def test_a_comment_is_sealed_and_erasing_its_author_erases_its_words(site: Site, config: LedgerConfig) -> None:
    w = site.world
    pid = opened(site, "research_question")
    cid = w.gov.post_comment(pid, by=w.member("ben"), words="Violet tractor in the orchard.")
    site.copro.views.catch_up()
    stored = w.gov.read(Comment, cid, "comment")
    assert isinstance(stored.text, Sealed), "the words are sealed with the author's key"
    assert "Violet tractor" in page_of(Person(site, "erin"), site, pid)

    assert w.gov.erase_member(w.member("ben"))
    page = page_of(Person(site, "erin"), site, pid)
    assert "Violet tractor" not in page
    assert "This comment was erased with its author" in page
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]


# -- the "in short" summary ---------------------------------------------------------------------------


def test_the_authors_in_short_summary_is_shown_first(site: Site) -> None:
    pid = opened(site, "research_question")
    amara = Person(site, "amara")
    page_of(amara, site, pid)
    r = amara.post(site.url("/proposals/{p}/summary", p=pid), {"summary": "We study three models of peer support."})
    assert r.status_code == 303
    page = page_of(Person(site, "ben"), site, pid)
    assert "We study three models of peer support." in page
    assert page.index("In short") < page.index("The proposal</h2>")


def test_only_the_author_writes_the_summary(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    with pytest.raises(NotAllowed, match="Only the one who wrote this proposal"):
        w.gov.summarise_proposal(pid, by=w.facilitator, summary="My own take.")
    ben = Person(site, "ben")
    page_of(ben, site, pid)
    r = ben.post(site.url("/proposals/{p}/summary", p=pid), {"summary": "Hijack."})
    assert r.status_code == 403
    assert "Hijack." not in page_of(ben, site, pid)


def test_a_closed_proposal_keeps_its_summary(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    w.gov.summarise_proposal(pid, by=w.member("amara"), summary="Three models.")
    for name in ("amara", "ben", "dev", "sam", "erin"):
        vote(site, pid, name, "agree")
    w.gov.close_proposal(pid, by=w.facilitator)
    with pytest.raises(Conflict, match="summary can not change"):
        w.gov.summarise_proposal(pid, by=w.member("amara"), summary="Changed after the fact.")


# -- positions: open by default, private until close when the rule says so --------------------------------


def test_members_see_each_position_and_reason_per_group(site: Site) -> None:
    pid = opened(site, "research_question")
    vote(site, pid, "ben", "disagree", "The models are too narrow.")
    vote(site, pid, "dev", "agree")
    page = page_of(Person(site, "erin"), site, pid)
    assert "<strong>Ben</strong>: disagree, because “The models are too narrow.”" in page
    assert "<strong>People with lived experience</strong>: 0 agree, 0 abstain, 1 disagree, 0 block." in page
    assert "<strong>Researchers</strong>: 1 agree, 0 abstain, 0 disagree, 0 block." in page
    assert 'fill="url(#pattern-disagree)"' in page


def test_an_erased_persons_position_counts_but_shows_as_erased(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    vote(site, pid, "ben", "disagree", "A reason of my own.")
    w.gov.erase_member(w.member("ben"))
    seen = site.copro.pages.positions(w.gov.collective(w.collective), pid, w.member("erin"))
    lived = next(g for g in seen.groups if g.group == "lived_experience")
    assert lived.counts["disagree"] == 1
    assert [(line.erased, line.position) for line in lived.lines] == [(True, "disagree")]
    page = page_of(Person(site, "erin"), site, pid)
    assert "A reason of my own." not in page
    assert "A person whose data was erased</strong>: disagree" in page


def test_while_private_another_member_sees_counts_only_not_who_or_why(gov: Governance, config: LedgerConfig) -> None:
    site = private_site(gov, config)
    w = site.world
    pid = opened(site, "budget")
    vote(site, pid, "ben", "block", "Far too expensive for us.")
    vote(site, pid, "dev", "agree", "Worth every penny.")

    seen = site.copro.pages.positions(w.gov.collective(w.collective), pid, w.member("erin"))
    assert seen.private
    assert all(g.lines == [] for g in seen.groups), "the domain query names no one"
    lived = next(g for g in seen.groups if g.group == "lived_experience")
    assert lived.counts["block"] == 1

    page = page_of(Person(site, "erin"), site, pid)
    assert "keeps positions private until it closes" in page
    assert "<strong>People with lived experience</strong>: 0 agree, 0 abstain, 0 disagree, 1 block." in page
    assert "Worth every penny." not in page
    assert "Far too expensive" not in page.split('id="objections-h"')[0], "no reason in the positions"
    assert "<strong>Ben</strong>" not in page and "A member</strong> objected" in page, "the blocker is not named"
    home = Person(site, "dev").get(site.url("/")).get_data(as_text=True)
    assert "A member objects to “Hire a minibus”" in home and "Ben objects" not in home
    # Ben still sees his own position and objection as his.
    own = page_of(Person(site, "ben"), site, pid)
    assert "You said <strong>block</strong>" in own and "<strong>Ben</strong> objected" in own


def test_once_a_private_decision_closes_everything_shows(gov: Governance, config: LedgerConfig) -> None:
    site = private_site(gov, config)
    w = site.world
    pid = opened(site, "budget")
    for name in ("amara", "ben", "chloe", "sam", "erin"):
        vote(site, pid, name, "agree", f"{name.title()} agrees.")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    seen = site.copro.pages.positions(w.gov.collective(w.collective), pid, w.member("femi"))
    assert not seen.private
    page = page_of(Person(site, "femi"), site, pid)
    assert "<strong>Ben</strong>: agree, because “Ben agrees.”" in page
    assert "keeps positions private" not in page


def test_the_private_rule_is_recorded_in_the_policy_hash_only_when_true() -> None:
    private = parse_policy(PRIVATE_CONSENT, source="private.toml")
    same_but_open = parse_policy(PRIVATE_CONSENT.replace("true", "false"), source="open.toml")
    unset = parse_policy(PRIVATE_CONSENT.replace("positions_private_until_close = true", ""), source="unset.toml")
    assert private.positions_private_until_close and not same_but_open.positions_private_until_close
    assert policy_hash(same_but_open) == policy_hash(unset), "an existing policy keeps its hash"
    assert policy_hash(private) != policy_hash(unset)


# -- the facilitator's home and the labels ----------------------------------------------------------------


def test_the_facilitators_home_names_the_objector_and_quotes_the_objection(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    w.gov.raise_objection(
        pid,
        member_id=w.member("ben"),
        reason="We never asked the peer workers, and they would have to run every one of these sessions.",
        paramount=True,
    )
    site.copro.views.catch_up()
    home = Person(site, "dev").get(site.url("/")).get_data(as_text=True)
    assert "Ben objects to “Hire a minibus”" in home
    assert "<q>We never asked the peer workers, and they would have to run…</q>" in home


def test_no_field_on_the_proposal_page_is_labelled_just_why(site: Site) -> None:
    w = site.world
    pid = opened(site, "research_question")
    w.gov.raise_objection(pid, member_id=w.member("ben"), reason="Not yet.", paramount=True)
    site.copro.views.catch_up()
    page = page_of(Person(site, "dev"), site, pid)
    labels = re.findall(r"<label[^>]*>([^<]*)", page)
    assert labels and all(label.strip().rstrip("?:") != "Why" for label in labels), labels
    assert "Why do you take this position?" in page
    assert "What would you like to say about this proposal?" in page


# -- the auditor's replay ---------------------------------------------------------------------------------


def _discussed(site: Site, config: LedgerConfig) -> tuple[list[Event], UUID]:
    w = site.world
    pid = opened(site, "research_question")
    w.gov.summarise_proposal(pid, by=w.member("amara"), summary="Three models, in short.")
    w.gov.post_comment(pid, by=w.member("ben"), words="Which three?")
    return events_of(config), pid


def test_the_replay_accepts_the_discussion_as_recorded(site: Site, config: LedgerConfig) -> None:
    events, _ = _discussed(site, config)
    assert replay(events).error is None


def test_the_replay_refuses_a_summary_by_someone_other_than_the_author(site: Site, config: LedgerConfig) -> None:
    events, _ = _discussed(site, config)
    summarised = next(e for e in events if e.topic == "copro/1/Proposal.Summarised")
    doc = json.loads(summarised.payload)
    doc["by"]["_data_"] = site.world.member("ben").hex
    forged = [e._replace(payload=json.dumps(doc, sort_keys=True).encode()) if e == summarised else e for e in events]
    with pytest.raises(ReplayError, match="only its author"):
        fold(forged)


def test_the_replay_refuses_a_comment_by_someone_outside_the_collective(site: Site, config: LedgerConfig) -> None:
    events, _ = _discussed(site, config)
    posted = next(e for e in events if e.topic == "copro/1/Comment.Posted")
    doc = json.loads(posted.payload)
    doc["author_id"]["_data_"] = uuid4().hex
    forged = [e._replace(payload=json.dumps(doc, sort_keys=True).encode()) if e == posted else e for e in events]
    with pytest.raises(ReplayError, match="is not a member of the collective"):
        fold(forged)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_proposal_page_shows_the_most_recent_five_and_the_positions_page_everyone(site: Site) -> None:
    """The page reads five ballots however large the collective; the positions page lists every person."""
    from ledger.governance.errors import GovernanceError
    from tests.web_support import open_proposal

    pid = open_proposal(site)
    w = site.world
    voted = []
    for name in ("amara", "ben", "chloe", "dev", "erin", "sam"):
        try:
            w.gov.cast_ballot(pid, member_id=w.member(name), position="agree", reason=f"{name.title()} agrees.")
            voted.append(name)
        except GovernanceError:
            continue
    site.copro.views.catch_up()
    assert len(voted) == 6
    amara = Person(site, "amara")
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert "This page shows the 5 most recent of 6 positions." in page
    section = page[page.index('<section id="positions"') :]
    section = section[: section.index("</section>")]
    shown = {name for name in voted if f"{name.title()} agrees." in section}
    assert shown == set(voted) - {"amara"}  # amara voted first: the oldest is the one left for the other page
    everyone = amara.get(site.url("/proposals/{p}/positions", p=pid))
    assert everyone.status_code == 200
    assert {name for name in voted if f"{name.title()} agrees." in everyone.text} == set(voted)
    assert "See everyone's position" not in everyone.text
