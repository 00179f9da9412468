"""A realistic `copro-report/1` document (docs of the shape: /work/briefs/report-schema.md), written by hand.

The renderer is built and tested from this sample while the figures are computed elsewhere, so it
carries every part a real report can have: cells suppressed as "fewer than 5" (two per row, so no
total gives one away), a percent that cannot be computed (null), a trail from what was said to what
changed, a group whose majority differed from the outcome, decisions that involvement did not change,
a withheld group on the trail, a steward's narrative on some GRIPP2 items and not on others, a
previous report's checkpoint, and a title with markup in it (it must show as text).

Each call returns a fresh dict, so a test may change its copy.
"""

from __future__ import annotations

from typing import Any

FEW = "fewer than 5"

#: A title that tries to run a script: it must render as text.
HOSTILE_TITLE = 'Move the <script>alert("x")</script> meetings & the "drop-in" to Thursdays'

COLLECTIVE_ID = "6f1c2a9e4b7d4e0f9a3c5b8d7e6f1a2b"
P_BUDGET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
P_QUESTION = "1b2c3d4e5f60718293a4b5c6d7e8f90a"
P_VENUE = "2c3d4e5f60718293a4b5c6d7e8f90a1b"
P_CONSENT_FORM = "3d4e5f60718293a4b5c6d7e8f90a1b2c"
P_NEWSLETTER = "4e5f60718293a4b5c6d7e8f90a1b2c3d"
AGREEMENT_ID = "5f60718293a4b5c6d7e8f90a1b2c3d4e"

CHECKPOINT = (
    "example.org/copro/kitchen-table\n"
    "1203\n"
    "q6cC0k7fQ2x4cHv8m1bT0tLr1q3m0a9ZQ2x4cHv8m1Y=\n"
    "\n"
    "\u2014 example.org/copro/kitchen-table Az3gRk5vZm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg=\n"
)


def _participation(lived: Any, researchers: Any, carers: Any) -> list[dict[str, Any]]:
    """Rows of (group, eligible, took part, percent) in the collective's declared group order."""
    rows = []
    for group, (eligible, took_part, percent) in zip(
        ("lived", "researchers", "carers"), (lived, researchers, carers), strict=True
    ):
        rows.append({"group": group, "eligible": eligible, "took_part": took_part, "percent": percent})
    return rows


def sample_report() -> dict[str, Any]:
    """A year of a small collective: five decisions, one withdrawn, objections that changed two of them."""
    return {
        "format": "copro-report/1",
        "collective": {
            "id": COLLECTIVE_ID,
            "name": "Kitchen Table Research",
            "purpose": "People who hear voices, their families and researchers decide together what the "
            "peer-support study asks and how it is run.",
        },
        "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        "log": {
            "origin": "example.org/copro/kitchen-table",
            "size": 1203,
            "root": "q6cC0k7fQ2x4cHv8m1bT0tLr1q3m0a9ZQ2x4cHv8m1Y=",
            "checkpoint": CHECKPOINT,
            "previous": {
                "size": 917,
                "root": "Zx9m2K1pQ8r3cT0vW5yB7nD4fH6jL2sA1eG3iO5uY0M=",
                "proof": [
                    "hY3k9B0c1D2e3F4g5H6i7J8k9L0m1N2o3P4q5R6s7T8=",
                    "uV9w0X1y2Z3a4B5c6D7e8F9g0H1i2J3k4L5m6N7o8P0=",
                ],
            },
        },
        "suppression": {"threshold": 5, "shown_as": FEW},
        "groups": [
            {"id": "lived", "name": "People with lived experience", "members": 12},
            {"id": "researchers", "name": "Researchers", "members": FEW},
            {"id": "carers", "name": "Family members and carers", "members": FEW},
        ],
        "headline": {
            "members": 19,
            "decisions": 5,
            "participation_percent": 81,
            "objections": 7,
            "changed_by_involvement": 3,
            "hours_given": 214,
            "no_activity": False,
            "statement": "19 members made 5 decisions; objections from people with lived experience changed "
            "3 of them, and 2 decisions were not changed by anyone's involvement.",
        },
        "decisions": {
            "items": [
                {
                    "proposal_id": P_BUDGET,
                    "title": "Spend the travel budget on taxis for evening meetings",
                    "category": "budget",
                    "rule": "consent",
                    "outcome": "adopted",
                    "closed_at": "2026-03-04T10:00:00Z",
                    "versions": 2,
                    "participation": _participation((12, 10, 83), (FEW, FEW, 75), (FEW, FEW, 67)),
                    "overall": {"eligible": 19, "took_part": 16, "percent": 84},
                },
                {
                    "proposal_id": P_QUESTION,
                    "title": "Ask first what helps people feel less alone between meetings",
                    "category": "research_question",
                    "rule": "lived-experience-veto",
                    "outcome": "adopted",
                    "closed_at": "2026-04-20T16:30:00Z",
                    "versions": 3,
                    "participation": _participation((12, 12, 100), (FEW, FEW, 100), (FEW, FEW, 67)),
                    "overall": {"eligible": 19, "took_part": 18, "percent": 95},
                },
                {
                    "proposal_id": P_VENUE,
                    "title": HOSTILE_TITLE,
                    "category": "governance",
                    "rule": "majority",
                    "outcome": "not_adopted",
                    "closed_at": "2026-06-11T09:15:00Z",
                    "versions": 1,
                    "participation": _participation((12, 9, 75), (FEW, FEW, 100), (FEW, 0, 0)),
                    "overall": {"eligible": 19, "took_part": 13, "percent": 68},
                },
                {
                    "proposal_id": P_CONSENT_FORM,
                    "title": "Rewrite the consent form in plain words",
                    "category": "research_question",
                    "rule": "consent",
                    "outcome": "blocked",
                    "closed_at": "2026-08-02T12:00:00Z",
                    "versions": 2,
                    "participation": _participation((12, 11, 92), (FEW, FEW, 75), (FEW, FEW, 100)),
                    "overall": {"eligible": 19, "took_part": 17, "percent": 89},
                },
                {
                    "proposal_id": P_NEWSLETTER,
                    "title": "Send a printed newsletter to members without email",
                    "category": "governance",
                    "rule": "majority",
                    "outcome": "no_quorum",
                    "closed_at": "2026-10-15T18:00:00Z",
                    "versions": 1,
                    "participation": _participation((12, FEW, None), (FEW, FEW, 50), (0, 0, None)),
                    "overall": {"eligible": 16, "took_part": 6, "percent": 38},
                },
            ],
            "by_category": [
                {"category": "budget", "count": 1, "outcomes": {"adopted": 1}},
                {"category": "governance", "count": 2, "outcomes": {"no_quorum": 1, "not_adopted": 1}},
                {"category": "research_question", "count": 2, "outcomes": {"adopted": 1, "blocked": 1}},
            ],
            "by_rule": [
                {"rule": "consent", "count": 2, "outcomes": {"adopted": 1, "blocked": 1}},
                {"rule": "lived-experience-veto", "count": 1, "outcomes": {"adopted": 1}},
                {"rule": "majority", "count": 2, "outcomes": {"no_quorum": 1, "not_adopted": 1}},
            ],
            "by_outcome": {"adopted": 2, "not_adopted": 1, "no_quorum": 1, "blocked": 1, "objection_unresolved": 0},
            "withdrawn": 1,
            "participation": _participation((60, 47, 78), (18, 15, 83), (FEW, FEW, 60)),
            "overall": {"eligible": 92, "took_part": 70, "percent": 76},
        },
        "influence": {
            "trail": [
                {
                    "proposal_id": P_BUDGET,
                    "title": "Spend the travel budget on taxis for evening meetings",
                    "said": {"kind": "objection", "group": "lived", "paramount": True},
                    "did": {
                        "kind": "revision",
                        "version": 2,
                        "outcome": None,
                        "summary": "Version 2 lets members book the taxi themselves and claim it back the same week.",
                    },
                },
                {
                    "proposal_id": P_QUESTION,
                    "title": "Ask first what helps people feel less alone between meetings",
                    "said": {"kind": "concern", "group": "carers", "paramount": False},
                    "did": {
                        "kind": "revision",
                        "version": 3,
                        "outcome": None,
                        "summary": "Version 3 adds the time between appointments, not only between meetings.",
                    },
                },
                {
                    "proposal_id": P_CONSENT_FORM,
                    "title": "Rewrite the consent form in plain words",
                    "said": {"kind": "reason", "group": None, "paramount": False},
                    "did": {
                        "kind": "outcome",
                        "version": 2,
                        "outcome": "blocked",
                        "summary": "A block explaining that the new form dropped the right to stop at any time "
                        "stopped the proposal.",
                    },
                },
            ],
            "authored": [
                {"group": "lived", "proposed": 6, "adopted": FEW, "not_adopted": FEW, "withdrawn": FEW},
                {"group": "researchers", "proposed": FEW, "adopted": FEW, "not_adopted": 0, "withdrawn": 0},
                {"group": "carers", "proposed": 0, "adopted": 0, "not_adopted": 0, "withdrawn": 0},
            ],
            "divergent": [
                {
                    "proposal_id": P_VENUE,
                    "title": HOSTILE_TITLE,
                    "group": "researchers",
                    "group_position": "agree",
                    "outcome": "not_adopted",
                },
            ],
            "no_change": [
                {
                    "proposal_id": P_VENUE,
                    "title": HOSTILE_TITLE,
                    "why": "It was decided as first proposed: no objection, concern or reason led to a new version.",
                },
                {
                    "proposal_id": P_NEWSLETTER,
                    "title": "Send a printed newsletter to members without email",
                    "why": "Too few members took part for it to be decided, so nothing anyone said changed it.",
                },
            ],
            "statement": "Involvement changed 3 of 5 decisions. It changed nothing in 2: the meeting day and the "
            "printed newsletter.",
        },
        "objections": {
            "by_group": [
                {
                    "group": "lived",
                    "raised": 5,
                    "paramount": FEW,
                    "concerns": FEW,
                    "integrated": FEW,
                    "withdrawn": FEW,
                    "upheld": FEW,
                    "overruled": 0,
                    "unresolved": 0,
                },
                {
                    "group": "researchers",
                    "raised": 0,
                    "paramount": 0,
                    "concerns": 0,
                    "integrated": 0,
                    "withdrawn": 0,
                    "upheld": 0,
                    "overruled": 0,
                    "unresolved": 0,
                },
                {
                    "group": "carers",
                    "raised": FEW,
                    "paramount": 0,
                    "concerns": FEW,
                    "integrated": FEW,
                    "withdrawn": 0,
                    "upheld": 0,
                    "overruled": 0,
                    "unresolved": FEW,
                },
            ],
            "total": {
                "raised": 7,
                "paramount": FEW,
                "concerns": FEW,
                "integrated": FEW,
                "withdrawn": FEW,
                "upheld": FEW,
                "overruled": 0,
                "unresolved": FEW,
            },
            "median_days_to_resolve": 3,
        },
        "agreements": {
            "in_force": [
                {
                    "agreement_id": AGREEMENT_ID,
                    "review_date": "2027-01-15",
                    "review_overdue": False,
                    "signed": [
                        {"group": "lived", "signed": 11, "of": 12},
                        {"group": "researchers", "signed": FEW, "of": FEW},
                        {"group": "carers", "signed": FEW, "of": FEW},
                    ],
                },
            ],
            "reviews_done": 1,
            "reviews_overdue": 0,
        },
        "roles": [
            {
                "role": "facilitator",
                "by_group": [
                    {"group": "lived", "held": FEW},
                    {"group": "researchers", "held": FEW},
                    {"group": "carers", "held": 0},
                ],
                "terms": 4,
                "rotations": 3,
            },
            {
                "role": "steward",
                "by_group": [
                    {"group": "lived", "held": FEW},
                    {"group": "researchers", "held": FEW},
                    {"group": "carers", "held": 0},
                ],
                "terms": 2,
                "rotations": 1,
            },
        ],
        "reflections": {
            "recorded": 4,
            "by_subject": {"proposal": 2, "agreement": 1, "period": 1},
            "actions": 6,
            "actions_done": 4,
            "actions_open": 2,
        },
        "contributions": {
            "by_group": [
                {
                    "group": "lived",
                    "people": 11,
                    "hours": 150,
                    "offered": 9,
                    "accepted": 8,
                    "declined": FEW,
                    "paid": 7,
                },
                {
                    "group": "researchers",
                    "people": FEW,
                    "hours": 40,
                    "offered": 0,
                    "accepted": 0,
                    "declined": 0,
                    "paid": 0,
                },
                {
                    "group": "carers",
                    "people": FEW,
                    "hours": 24,
                    "offered": FEW,
                    "accepted": FEW,
                    "declined": 0,
                    "paid": FEW,
                },
            ],
            "money": [
                {
                    "rate_table": "NIHR 2025-04",
                    "currency": "GBP",
                    "offered_minor": 45000,
                    "paid_minor": 45000,
                    "declined_minor": 0,
                    "offers": 6,
                },
                {
                    "rate_table": "NIHR 2025-12",
                    "currency": "GBP",
                    "offered_minor": 123475,
                    "paid_minor": 99000,
                    "declined_minor": 2475,
                    "offers": 9,
                },
            ],
            "recognition": {"payment": 13, "voucher": 0, "expenses": 2, "credit": 5, "training": 1},
        },
        "involvement": {
            "questions": [
                {"id": "voice", "text": "Was I heard?"},
                {"id": "contribution", "text": "Could I contribute what I know?"},
                {"id": "agenda", "text": "Did it address what matters to me?"},
                {"id": "change", "text": "Did it lead to change?"},
            ],
            "scale": ["No", "A little", "Mostly", "Yes, fully"],
            "by_group": [
                {
                    "group": "lived",
                    "answers": 31,
                    "voice": [FEW, 6, 12, 11],
                    "contribution": [FEW, 7, 10, 12],
                    "agenda": [0, 5, 14, 12],
                    "change": [FEW, 9, 10, 9],
                },
                {
                    "group": "researchers",
                    "answers": 9,
                    "voice": [0, 0, FEW, FEW],
                    "contribution": [0, FEW, FEW, FEW],
                    "agenda": [0, 0, FEW, FEW],
                    "change": [0, FEW, FEW, FEW],
                },
                {
                    "group": "carers",
                    "answers": FEW,
                    "voice": [FEW, FEW, 0, 0],
                    "contribution": [0, FEW, FEW, 0],
                    "agenda": [0, FEW, FEW, 0],
                    "change": [FEW, FEW, 0, 0],
                },
            ],
            "overall": {
                "answers": 43,
                "voice": [FEW, 8, 17, 15],
                "contribution": [FEW, 10, 14, 17],
                "agenda": [0, 7, 20, 16],
                "change": [5, 12, 13, 13],
            },
        },
        "gripp2": [
            {
                "item": "aim",
                "title": "Aim of involvement",
                "from_ledger": "The collective's purpose: people who hear voices, their families and researchers "
                "decide together what the peer-support study asks and how it is run.",
                "narrative": "We wanted people who hear voices to set the study's first question, not only to "
                "comment on ours.",
            },
            {
                "item": "methods",
                "title": "Methods",
                "from_ledger": "19 members in 3 groups decided 5 proposals under 3 rules (consent, majority and a "
                "lived-experience veto); 214 hours were given and paid at NIHR rates.",
                "narrative": None,
            },
            {
                "item": "results",
                "title": "Results",
                "from_ledger": "2 proposals were adopted, 1 was not adopted, 1 was blocked and 1 did not reach "
                "quorum; 7 objections were raised.",
                "narrative": "The blocked consent form was the most useful moment of the year: it kept a right "
                "we had dropped by mistake.",
            },
            {
                "item": "influence",
                "title": "How far involvement influenced the work",
                "from_ledger": "Involvement changed 3 of 5 decisions; it changed nothing in 2.",
                "narrative": None,
            },
            {
                "item": "reflection",
                "title": "Critical reflection",
                "from_ledger": "4 reflections were recorded, with 6 actions: 4 done, 2 still open.",
                "narrative": "Papers still arrive too late to read; researchers still set most agendas.",
            },
        ],
        "equality_diversity_inclusion": {
            "from_ledger": "People with lived experience are 12 of 19 members and cast 47 of 70 votes (67%). "
            "Family members and carers took part least: 60% of the times they could.",
            "narrative": None,
        },
        "standards": [
            {
                "standard": "Inclusive opportunities",
                "sections": ["groups", "decisions", "equality_diversity_inclusion"],
            },
            {"standard": "Working together", "sections": ["decisions", "objections", "agreements"]},
            {"standard": "Support and learning", "sections": ["contributions", "reflections"]},
            {"standard": "Communications", "sections": ["influence", "involvement"]},
            {"standard": "Impact", "sections": ["influence", "gripp2"]},
            {"standard": "Governance", "sections": ["roles", "agreements", "log"]},
        ],
    }


def quiet_report() -> dict[str, Any]:
    """A period in which nothing happened, before any checkpoint was pinned: the report says so."""
    doc = sample_report()
    doc["period"] = {"from": None, "to": "2026-01-31T00:00:00Z"}
    doc["log"] = None
    doc["headline"] = {
        "members": 19,
        "decisions": 0,
        "participation_percent": None,
        "objections": 0,
        "changed_by_involvement": 0,
        "hours_given": 0,
        "no_activity": True,
        "statement": "Nothing was decided, raised or given in this period.",
    }
    doc["decisions"] = {
        "items": [],
        "by_category": [],
        "by_rule": [],
        "by_outcome": {"adopted": 0, "not_adopted": 0, "no_quorum": 0, "blocked": 0, "objection_unresolved": 0},
        "withdrawn": 0,
        "participation": _participation((0, 0, None), (0, 0, None), (0, 0, None)),
        "overall": {"eligible": 0, "took_part": 0, "percent": None},
    }
    doc["influence"] = {
        "trail": [],
        "authored": [],
        "divergent": [],
        "no_change": [],
        "statement": "No decision was made, so involvement changed nothing in this period.",
    }
    return doc
