"""The ``copro-report/1`` document: every figure of a funder's report, from the log alone.

What each figure means is written in docs/REPORTS.md, field by field; the code follows
it. In short: the report covers what happened in the period ``[start, end)`` (by
each event's envelope timestamp) over the log as it stood at ``end``; a decision is a
proposal closed in the period; nothing about a proposal still open at ``end`` appears;
counts of people pass through ``suppress``; no name, contact, sealed value or person's
id is ever read into the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

import policies
from ledger.governance.replay.events import Event
from ledger.governance.report import facts as fx
from ledger.governance.report import sentences as say
from ledger.governance.report.suppress import SHOWN_AS, THRESHOLD, Amount, Cell, Share, protect, render
from ledger.log.errors import CoproError

FORMAT = "copro-report/1"
OUTCOMES = ("adopted", "not_adopted", "no_quorum", "blocked", "objection_unresolved")
ROLES = ("steward", "facilitator", "secretary")
SUBJECTS = ("proposal", "agreement", "period")
KINDS = ("payment", "voucher", "expenses", "credit", "training")
MONETARY = frozenset({"payment", "voucher", "expenses"})
SCALE = ["No", "A little", "Mostly", "Yes, fully"]
QUESTIONS = [
    {"id": "voice", "text": "Was I heard?"},
    {"id": "contribution", "text": "Could I contribute what I know?"},
    {"id": "agenda", "text": "Did it address what matters to me?"},
    {"id": "change", "text": "Did it lead to change?"},
]
STANDARDS = [
    ("Inclusive opportunities", ["groups", "decisions", "equality_diversity_inclusion", "contributions"]),
    ("Working together", ["decisions", "objections", "agreements", "roles"]),
    ("Support and learning", ["contributions", "reflections"]),
    ("Communications", ["decisions", "influence", "involvement"]),
    ("Impact", ["influence", "involvement", "gripp2"]),
    ("Governance", ["agreements", "roles", "objections"]),
]
UNRESOLVED = frozenset({"raised", "answered"})


class ReportError(CoproError):
    """A report that cannot be made as asked, in one plain sentence (exit 2)."""


def report_document(
    events: Iterable[Event], *, collective_id: UUID | None, start: datetime | None, end: datetime
) -> dict[str, Any]:
    """The report of one collective for ``[start, end)``, with ``"log": None`` for the build step to fill."""
    return document_of(fold(events, start=start, end=end), collective_id)


def fold(events: Iterable[Event], *, start: datetime | None, end: datetime, resume: fx.Facts | None = None) -> fx.Facts:
    """The period checked, then ``events`` folded (from ``resume``'s state, if given) up to its end."""
    for name, moment in (("start", start), ("end", end)):
        if moment is not None and moment.utcoffset() is None:
            raise ReportError(f"The period's {name} must say its time zone (for example 2026-01-01T00:00:00Z).")
    if start is not None and start >= end:
        raise ReportError(f"The period starts ({_time(start)}) at or after it ends ({_time(end)}); swap the dates.")
    try:
        return fx.collect(events, start=start, end=end, resume=resume)
    except fx.UnreadableEvent as e:
        raise ReportError(f"The log cannot be reported on: {e}; run copro verify to find what is wrong.") from None


def document_of(facts: fx.Facts, collective_id: UUID | None) -> dict[str, Any]:
    """The figures of one collective over folded facts (which it only reads)."""
    return Report(facts, _choose(facts, collective_id)).document()


def _choose(facts: fx.Facts, collective_id: UUID | None) -> fx.CollectiveFacts:
    found = facts.collectives
    if not found:
        raise ReportError("This ledger holds no collective by the period's end, so there is nothing to report.")
    listing = "; ".join(f"{c.id.hex} ({c.name})" for c in found.values())
    if collective_id is None:
        if len(found) > 1:
            raise ReportError(
                f"This ledger holds {len(found)} collectives; choose one with --collective ID: {listing}."
            )
        return next(iter(found.values()))
    chosen = found.get(collective_id)
    if chosen is None:
        raise ReportError(
            f"This ledger holds no collective {collective_id.hex} by the period's end; it holds {listing}."
        )
    return chosen


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day_after(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text) + timedelta(days=1), datetime.min.time(), UTC)


def _day(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)


class Report:
    """One collective's figures over the folded facts; ``document`` builds, protects and renders them."""

    def __init__(self, facts: fx.Facts, collective: fx.CollectiveFacts) -> None:
        self.f = facts
        self.c = collective
        self.groups = list(collective.groups)
        self.sets: list[list[Cell]] = []
        active = {m: mem for m, mem in collective.members.items() if not mem.left}
        self.group_size = {g: sum(1 for mem in active.values() if g in mem.groups) for g in self.groups}
        self.member_cells = {g: Cell(self.group_size[g]) for g in self.groups}
        self.members_total = Cell(len(active))
        self.sets.append([self.members_total, *self.member_cells.values()])
        self.decisions = sorted(
            (
                p
                for p in facts.proposals.values()
                if p.collective_id == collective.id
                and p.state == "closed"
                and p.closed_at is not None
                and facts.in_period(p.closed_at)
            ),
            key=lambda p: (p.closed_at, p.id.hex),
        )
        self.decided = {p.id for p in self.decisions}
        self._methods: dict[tuple[UUID, str], str] = {}
        self.rosters: dict[UUID, dict[str, frozenset[str]]] = {}
        self.positions: dict[UUID, list[tuple[str, str]]] = {}
        for p in self.decisions:
            self.rosters[p.id], self.positions[p.id] = self.counted(p)
        self.changed: set[UUID] = set()
        self.minutes = 0
        self.objections_total = Cell(0)
        self.hours_total = Amount(0)

    # -- helpers ------------------------------------------------------------------------------

    def in_period(self, at: datetime) -> bool:
        return self.f.in_period(at)

    def groups_of(self, member_id: UUID) -> frozenset[str]:
        m = self.c.members.get(member_id)
        return frozenset() if m is None else m.groups

    def shown_group(self, member_id: UUID) -> str | None:
        """The first of a person's groups with at least 5 members: naming a smaller one could identify them."""
        mine = self.groups_of(member_id)
        return next((g for g in self.groups if g in mine and self.group_size[g] >= THRESHOLD), None)

    def row(self, total: Cell, *parts: Cell) -> None:
        self.sets.append([total, *parts])

    def columns(self, rows: list[dict[str, Any]], total: dict[str, Any], keys: Iterable[str]) -> None:
        """Protect each column across the groups with its overall, as a set that adds up (conservatively)."""
        for key in keys:
            if isinstance(total[key], list):
                for i in range(len(total[key])):
                    self.sets.append([total[key][i], *(r[key][i] for r in rows)])
            else:
                self.sets.append([total[key], *(r[key] for r in rows)])

    def method(self, p: fx.ProposalFacts) -> str:
        """The decision rule's method (consent, majority...), read from the rule text in the agreement."""
        key = (p.agreement_id or UUID(int=0), p.policy_name)
        if key not in self._methods:
            agreement = self.f.agreements.get(key[0])
            text = None if agreement is None else agreement.policies.get(p.policy_name)
            try:
                method = policies.parse_policy(text or "", source=p.policy_name).method.value if text else p.policy_name
            except policies.PolicyError:
                method = p.policy_name
            self._methods[key] = method
        return self._methods[key]

    def counted(self, p: fx.ProposalFacts) -> tuple[dict[str, frozenset[str]], list[tuple[str, str]]]:
        """The roster (member hex -> groups) and the counted ballots (member hex, position) of a decision.

        The counted ballots were picked out when it closed (``facts._compact``); the
        roster is read here, for the period's decisions only.
        """
        return self.f.votes(p)

    def participation(
        self, eligible: dict[str, set[str]], took: dict[str, set[str]], everyone: set[str], voted: set[str]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows = []
        for g in self.groups:
            e, t = Cell(len(eligible[g])), Cell(len(took[g]))
            rows.append({"group": g, "eligible": e, "took_part": t, "percent": Share(t, e)})
        e, t = Cell(len(everyone)), Cell(len(voted))
        overall = {"eligible": e, "took_part": t, "percent": Share(t, e)}
        self.columns(rows, overall, ("eligible", "took_part"))
        return rows, overall

    # -- sections -----------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        decisions = self.decisions_section()
        influence = self.influence_section()
        objections = self.objections_section()
        doc: dict[str, Any] = {
            "format": FORMAT,
            "collective": {"id": self.c.id.hex, "name": self.c.name, "purpose": self.c.purpose},
            "period": {"from": None if self.f.start is None else _time(self.f.start), "to": _time(self.f.end)},
            "log": None,
            "suppression": {"threshold": THRESHOLD, "shown_as": SHOWN_AS},
            "groups": [{"id": g, "name": self.c.groups[g], "members": self.member_cells[g]} for g in self.groups],
            "decisions": decisions,
            "influence": influence,
            "objections": objections,
            "agreements": self.agreements_section(),
            "roles": self.roles_section(),
            "reflections": self.reflections_section(),
            "contributions": self.contributions_section(),
            "involvement": self.involvement_section(),
        }
        protect(self.sets)
        out: dict[str, Any] = render(doc)
        out["headline"] = self.headline(out)
        texts = self.narrative()
        out["influence"]["statement"] = say.influence(len(self.decisions), len(self.changed), len(influence["trail"]))
        out["gripp2"] = say.gripp2(out, self.c, texts)
        out["equality_diversity_inclusion"] = say.equality(out, self.c, texts)
        out["standards"] = [{"standard": name, "sections": sections} for name, sections in STANDARDS]
        return out

    def decisions_section(self) -> dict[str, Any]:
        items = []
        by_category: dict[str, dict[str, int]] = {}
        by_rule: dict[str, dict[str, int]] = {}
        by_outcome = dict.fromkeys(OUTCOMES, 0)
        eligible: dict[str, set[str]] = {g: set() for g in self.groups}
        took: dict[str, set[str]] = {g: set() for g in self.groups}
        everyone: set[str] = set()
        voted: set[str] = set()
        for p in self.decisions:
            roster, ballots = self.rosters[p.id], self.positions[p.id]
            outcome = str((p.result or {}).get("outcome", ""))
            rule = self.method(p)
            for table, key in ((by_category, p.category), (by_rule, rule)):
                table.setdefault(key, dict.fromkeys(OUTCOMES, 0))
                table[key][outcome] = table[key].get(outcome, 0) + 1
            by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
            e_here: dict[str, set[str]] = {g: {m for m, gs in roster.items() if g in gs} for g in self.groups}
            voters = {m for m, _ in ballots}
            t_here = {g: e_here[g] & voters for g in self.groups}
            rows, overall = self.participation(e_here, t_here, set(roster), voters)
            for g in self.groups:
                eligible[g] |= e_here[g]
                took[g] |= t_here[g]
            everyone |= set(roster)
            voted |= voters
            assert p.closed_at is not None
            items.append(
                {
                    "proposal_id": p.id.hex,
                    "title": p.versions[-1].title,
                    "category": p.category,
                    "rule": rule,
                    "outcome": outcome,
                    "closed_at": _time(p.closed_at),
                    "versions": len(p.versions),
                    "participation": rows,
                    "overall": overall,
                }
            )
        rows, overall = self.participation(eligible, took, everyone, voted)
        withdrawn = sum(
            1
            for p in self.f.proposals.values()
            if p.collective_id == self.c.id and p.withdrawn_at is not None and self.in_period(p.withdrawn_at)
        )
        return {
            "items": items,
            "by_category": [
                {"category": k, "count": sum(v.values()), "outcomes": v} for k, v in sorted(by_category.items())
            ],
            "by_rule": [{"rule": k, "count": sum(v.values()), "outcomes": v} for k, v in sorted(by_rule.items())],
            "by_outcome": by_outcome,
            "withdrawn": withdrawn,
            "participation": rows,
            "overall": overall,
        }

    def objections_of(self, p: fx.ProposalFacts) -> list[fx.ObjectionFacts]:
        return [self.f.objections[o] for o in p.objection_ids if o in self.f.objections]

    def influence_section(self) -> dict[str, Any]:
        trail: list[dict[str, Any]] = []
        divergent: list[dict[str, Any]] = []
        no_change: list[dict[str, Any]] = []
        for p in self.decisions:
            entries = self.trail_of(p)
            trail.extend(entries)
            if entries:
                self.changed.add(p.id)
            else:
                no_change.append({"proposal_id": p.id.hex, "title": p.versions[-1].title, "why": self.why_none(p)})
            divergent.extend(self.divergent_of(p))
        return {
            "trail": trail,
            "authored": self.authored(),
            "divergent": divergent,
            "no_change": no_change,
            "statement": "",
        }

    def trail_of(self, p: fx.ProposalFacts) -> list[dict[str, Any]]:
        """What was said that led to a new version or changed the outcome, in the order it was said."""
        outcome = str((p.result or {}).get("outcome", ""))
        by_hash = {v.content_hash: v for v in p.versions}
        found: list[tuple[datetime, int, dict[str, Any]]] = []

        def entry(when: datetime, kind: str, member: UUID, paramount: bool, did: dict[str, Any]) -> None:
            said = {"kind": kind, "group": self.shown_group(member), "paramount": paramount}
            found.append(
                (when, len(found), {"proposal_id": p.id.hex, "title": p.versions[-1].title, "said": said, "did": did})
            )

        def revision(v: fx.Version, how: str) -> dict[str, Any]:
            summary = f"{how} version {v.number} of the proposal, “{v.title}”."
            return {"kind": "revision", "version": v.number, "outcome": None, "summary": summary}

        def changed_outcome(summary: str) -> dict[str, Any]:
            return {"kind": "outcome", "version": None, "outcome": outcome, "summary": summary}

        objectors: set[UUID] = set()
        for o in self.objections_of(p):
            objectors.add(o.member_id)
            kind = "objection" if o.paramount else "concern"
            later = next(
                (v for v in p.versions if v.at > o.raised_at and (o.resolved_at is None or v.at <= o.resolved_at)), None
            )
            if o.status == "integrated" and o.resolved_into in by_hash:
                entry(
                    o.raised_at,
                    kind,
                    o.member_id,
                    o.paramount,
                    revision(by_hash[o.resolved_into], "It was integrated into"),
                )
            elif o.status == "upheld":
                entry(
                    o.raised_at,
                    kind,
                    o.member_id,
                    o.paramount,
                    changed_outcome("It was upheld, so the proposal did not pass."),
                )
            elif o.status in UNRESOLVED and outcome == "objection_unresolved":
                entry(
                    o.raised_at,
                    kind,
                    o.member_id,
                    o.paramount,
                    changed_outcome("It was still unresolved at the close, so the proposal did not pass."),
                )
            elif later is not None:
                entry(
                    o.raised_at, kind, o.member_id, o.paramount, revision(later, "While it was open, the author wrote")
                )
        seen: set[tuple[UUID, str]] = set()
        for member_hex, position in self.positions.get(p.id, []):
            member = UUID(hex=member_hex)
            if position == "block" and outcome == "blocked":
                entry(
                    p.closed_at or self.f.end,
                    "objection",
                    member,
                    True,
                    changed_outcome("The block stopped the proposal."),
                )
        for member_id, at in p.reasons:  # disagree or block with a reason, in the order given
            if at.position == "block" and member_id in objectors:
                continue  # the block raised an objection, which is in the trail as one
            answered = by_hash.get(at.version_hash)
            if answered is None or answered.number >= len(p.versions) or (member_id, at.version_hash) in seen:
                continue
            nxt = p.versions[answered.number]
            if nxt.at > at.at:
                seen.add((member_id, at.version_hash))
                entry(at.at, "reason", member_id, False, revision(nxt, "After it, the author wrote"))
        return [e for _, _, e in sorted(found, key=lambda t: (t[0], t[1]))]

    def why_none(self, p: fx.ProposalFacts) -> str:
        objections = self.objections_of(p)
        if not objections:
            if len(p.versions) == 1:
                return (
                    "Decided as first written: no objection or concern was raised, and no reason given led to a change."
                )
            return (
                f"It was revised to version {len(p.versions)}, but no objection, concern or reason on record led to "
                "a revision or changed the outcome."
            )
        endings = sorted({o.status if o.status not in UNRESOLVED else "left unresolved" for o in objections})
        return (
            f"Objections or concerns were raised ({', '.join(endings)}), but none led to a new version "
            "or changed the outcome."
        )

    def divergent_of(self, p: fx.ProposalFacts) -> list[dict[str, Any]]:
        """Groups whose majority position (of 5 or more counted ballots) differed from the outcome."""
        outcome = str((p.result or {}).get("outcome", ""))
        roster = self.rosters.get(p.id, {})
        out = []
        for g in self.groups:
            positions = [pos for m, pos in self.positions.get(p.id, []) if g in roster.get(m, frozenset())]
            if len(positions) < THRESHOLD:
                continue  # a smaller group's position would tell how its few members voted
            agree = sum(1 for x in positions if x == "agree")
            against = sum(1 for x in positions if x in ("disagree", "block"))
            position = "agree" if agree > against else "disagree" if against > agree else None
            if (position == "disagree" and outcome == "adopted") or (position == "agree" and outcome != "adopted"):
                out.append(
                    {
                        "proposal_id": p.id.hex,
                        "title": p.versions[-1].title,
                        "group": g,
                        "group_position": position,
                        "outcome": outcome,
                    }
                )
        return out

    def authored(self) -> list[dict[str, Any]]:
        keys = ("proposed", "adopted", "not_adopted", "withdrawn")
        counts = {g: dict.fromkeys(keys, 0) for g in self.groups}
        everyone = dict.fromkeys(keys, 0)  # shown elsewhere: decisions by outcome, and withdrawn
        for p in self.f.proposals.values():
            if p.collective_id != self.c.id:
                continue
            if p.id in self.decided:
                fate = "adopted" if (p.result or {}).get("outcome") == "adopted" else "not_adopted"
            elif p.withdrawn_at is not None and self.in_period(p.withdrawn_at):
                fate = "withdrawn"
            else:
                continue  # still open or a draft at the period's end, or decided in another period
            everyone["proposed"] += 1
            everyone[fate] += 1
            for g in self.groups_of(p.versions[0].author_id):
                if g in counts:
                    counts[g]["proposed"] += 1
                    counts[g][fate] += 1
        rows: list[dict[str, Any]] = []
        for g in self.groups:
            cells = {k: Cell(v) for k, v in counts[g].items()}
            self.row(cells["proposed"], cells["adopted"], cells["not_adopted"], cells["withdrawn"])
            rows.append({"group": g, **cells})
        # The totals are numbers of proposals, shown as such in `decisions`: amounts that are never hidden.
        self.columns(rows, {k: Amount(v) for k, v in everyone.items()}, keys)
        return rows

    def objections_section(self) -> dict[str, Any]:
        keys = ("raised", "paramount", "concerns", "integrated", "withdrawn", "upheld", "overruled", "unresolved")
        by_group = {g: dict.fromkeys(keys, 0) for g in self.groups}
        total = dict.fromkeys(keys, 0)
        durations: list[int] = []
        for p in self.decisions:
            for o in self.objections_of(p):
                status = "unresolved" if o.status in UNRESOLVED else o.status
                tallies = [by_group[g] for g in self.groups_of(o.member_id) if g in by_group] + [total]
                for t in tallies:
                    t["raised"] += 1
                    t["paramount" if o.paramount else "concerns"] += 1
                    if status in t:
                        t[status] += 1
                if o.resolved_at is not None:
                    durations.append((o.resolved_at - o.raised_at) // timedelta(microseconds=1))
        rows: list[dict[str, Any]] = []
        for g in self.groups:
            rows.append({"group": g, **{k: Cell(v) for k, v in by_group[g].items()}})
        total_cells: dict[str, Any] = {k: Cell(v) for k, v in total.items()}
        for row in [*rows, total_cells]:
            self.row(row["raised"], row["paramount"], row["concerns"])
            self.row(row["raised"], *(row[k] for k in keys[3:]))
        self.columns(rows, total_cells, keys)
        self.objections_total = total_cells["raised"]
        return {"by_group": rows, "total": total_cells, "median_days_to_resolve": _median_days(durations)}

    def agreements_section(self) -> dict[str, Any]:
        in_force = []
        reviews = [
            r
            for r in self.f.reflections.values()
            if r.collective_id == self.c.id and r.review_outcome and self.in_period(r.at)
        ]
        overdue = 0
        last_review = self.c.last_review  # the newest review ever: no scan of reflections before the period
        for a in self.f.agreements.values():
            if a.collective_id != self.c.id or a.in_force_at is None or a.superseded:
                continue
            reviewed = last_review is not None and last_review >= a.in_force_at
            late = _day_after(a.review_date) <= self.f.end and not reviewed
            overdue += late
            signed = [
                {
                    "group": g,
                    "signed": Cell(sum(1 for grp in a.signatures.values() if grp == g)),
                    "of": self.member_cells.get(g, Cell(0)),
                }
                for g in self.groups
                if g in a.parties
            ]
            in_force.append(
                {"agreement_id": a.id.hex, "review_date": a.review_date, "review_overdue": late, "signed": signed}
            )
        return {
            "in_force": in_force,
            "reviews_done": len(reviews),
            "reviews_overdue": overdue,
        }

    def roles_section(self) -> list[dict[str, Any]]:
        out = []
        for role in ROLES:
            terms = [t for t in self.c.roles if t.role == role]
            here = [t for t in terms if self.in_period(t.at)]
            held: dict[str, set[UUID]] = {g: set() for g in self.groups}
            for t in terms:
                if self.overlaps(t):
                    for g in self.groups_of(t.member_id):
                        if g in held:
                            held[g].add(t.member_id)
            out.append(
                {
                    "role": role,
                    "by_group": [{"group": g, "held": Cell(len(held[g]))} for g in self.groups],
                    "terms": len(here),
                    "rotations": sum(1 for t in here if t.rotated),
                }
            )
        return out

    def overlaps(self, t: fx.RoleTerm) -> bool:
        """Whether a role's term (dates, both days included) overlaps the period."""
        begins_in_time = t.starts == "" or _day(t.starts) < self.f.end
        lasts = t.ends is None or self.f.start is None or _day_after(t.ends) > self.f.start
        return begins_in_time and lasts

    def reflections_section(self) -> dict[str, Any]:
        here = [r for r in self.f.reflections.values() if r.collective_id == self.c.id and self.in_period(r.at)]
        by_subject = dict.fromkeys(SUBJECTS, 0)
        for r in here:
            by_subject[r.subject] = by_subject.get(r.subject, 0) + 1
        actions = sum(r.actions for r in here)
        done = sum(r.done for r in here)
        return {
            "recorded": len(here),
            "by_subject": by_subject,
            "actions": actions,
            "actions_done": done,
            "actions_open": actions - done,
        }

    def contributions_section(self) -> dict[str, Any]:
        here = [c for c in self.f.contributions.values() if c.collective_id == self.c.id and self.in_period(c.at)]
        self.minutes = sum(c.minutes for c in here)
        rows: list[dict[str, Any]] = []
        for g in self.groups:
            mine = [c for c in here if g in self.groups_of(c.member_id)]
            people = Cell(len({c.member_id for c in mine}))
            cells = {
                "offered": Cell(sum(1 for c in mine if c.recognition != "none")),
                "accepted": Cell(sum(1 for c in mine if c.recognition in ("accepted", "paid"))),
                "declined": Cell(sum(1 for c in mine if c.recognition == "declined")),
                "paid": Cell(sum(1 for c in mine if c.recognition == "paid")),
            }
            self.row(cells["offered"], cells["accepted"], cells["declined"])
            hours = Amount(_hours(sum(c.minutes for c in mine)), about=people)
            rows.append({"group": g, "people": people, "hours": hours, **cells})
        self.hours_total = Amount(_hours(self.minutes))
        self.sets.append([self.hours_total, *(r["hours"] for r in rows)])
        money: dict[tuple[str, str], dict[str, Any]] = {}
        recognition = dict.fromkeys(KINDS, 0)
        for c in here:
            if c.recognition == "none" or c.kind is None:
                continue
            recognition[c.kind] = recognition.get(c.kind, 0) + 1
            if c.kind not in MONETARY:
                continue
            m = money.setdefault(
                (c.rate_table, c.currency),
                {
                    "rate_table": c.rate_table,
                    "currency": c.currency,
                    "offered_minor": 0,
                    "paid_minor": 0,
                    "declined_minor": 0,
                    "offers": 0,
                },
            )
            m["offered_minor"] += c.amount_minor
            m["offers"] += 1
            if c.recognition == "paid":
                m["paid_minor"] += c.amount_minor
            if c.recognition == "declined":
                m["declined_minor"] += c.amount_minor
        # Offers are each to one person: Counts. Their totals are not shown, but a reader can add up
        # the kinds, so the totals are protected with the kinds, the rate tables and the groups.
        kinds = {k: Cell(v) for k, v in recognition.items()}
        tables = [dict(money[k], offers=Cell(money[k]["offers"])) for k in sorted(money)]
        offers, monetary = Cell(sum(recognition.values())), Cell(sum(recognition[k] for k in MONETARY))
        self.sets.append([offers, *kinds.values()])
        self.sets.append([offers, monetary, *(kinds[k] for k in KINDS if k not in MONETARY)])
        self.sets.append([monetary, *(kinds[k] for k in KINDS if k in MONETARY)])
        self.sets.append([monetary, *(t["offers"] for t in tables)])
        self.sets.append([offers, *(r["offered"] for r in rows)])
        return {"by_group": rows, "money": tables, "recognition": kinds}

    def involvement_section(self) -> dict[str, Any]:
        answers = [
            fb for fb in self.f.feedback.values() if fb.collective_id == self.c.id and fb.proposal_id in self.decided
        ]

        def tally(chosen: list[fx.FeedbackFacts]) -> dict[str, Any]:
            row: dict[str, Any] = {"answers": Cell(len(chosen))}
            for q in fx.QUESTIONS:
                row[q] = [Cell(sum(1 for fb in chosen if fb.answers.get(q) == n)) for n in (1, 2, 3, 4)]
            return row

        rows = [{"group": g, **tally([fb for fb in answers if g in self.groups_of(fb.member_id)])} for g in self.groups]
        overall = tally(answers)
        for row in [*rows, overall]:
            for q in fx.QUESTIONS:
                self.row(row["answers"], *row[q])
        self.columns(rows, overall, ("answers", *fx.QUESTIONS))
        return {"questions": QUESTIONS, "scale": SCALE, "by_group": rows, "overall": overall}

    # -- sentences, after suppression -----------------------------------------------------------

    def headline(self, out: dict[str, Any]) -> dict[str, Any]:
        decisions = out["decisions"]
        n = len(decisions["items"])
        eligible = sum(len(r) for r in self.rosters.values())
        took = sum(len(b) for b in self.positions.values())
        # A share over every decision, with one decision's turnout hidden, would let the hidden one be
        # recovered from the shown ones: the share is given only when every decision's counts are shown.
        every_shown = all(
            isinstance(i["overall"]["eligible"], int) and isinstance(i["overall"]["took_part"], int)
            for i in decisions["items"]
        )
        share = None if not every_shown or eligible < THRESHOLD else (200 * took + eligible) // (2 * eligible)
        last = self.c.last_activity
        quiet = last is None or not self.in_period(last)
        hours = self.hours_total.render()
        statement = say.headline(quiet=quiet, decisions=n, changed=len(self.changed), share=share, hours_given=hours)
        return {
            "members": self.members_total.render(),
            "decisions": n,
            "participation_percent": share,
            "objections": self.objections_total.render(),
            "changed_by_involvement": len(self.changed),
            "hours_given": hours,
            "no_activity": quiet,
            "statement": statement,
        }

    def narrative(self) -> dict[str, str]:
        """The steward's texts as they stood at the period's end: the collective's newest narrative."""
        mine = [n for n in self.f.narratives.values() if n.collective_id == self.c.id]
        return max(mine, key=lambda n: n.leaf).texts if mine else {}


def _hours(minutes: int) -> int:
    """Whole hours, rounded half up."""
    return (minutes + 30) // 60


def _median_days(durations: list[int]) -> int | None:
    """The median of durations in microseconds, in whole days rounded half up; None when there are none."""
    if not durations:
        return None
    ordered = sorted(durations)
    mid = len(ordered) // 2
    median = Fraction(ordered[mid]) if len(ordered) % 2 else Fraction(ordered[mid - 1] + ordered[mid], 2)
    return int((median / DAY + Fraction(1, 2)) // 1)


DAY = 86_400_000_000  # microseconds
