"""Deciding a proposal: run a policy over the eligible roster, the ballots and the objections.

`decide` is a pure function. It reads no clock, no randomness and no files, uses only
integers and fractions, and gives the same `Decision` whatever the order of its inputs, so
an auditor's verifier recomputes exactly the outcome the ledger recorded.

The checks, in this order; the first that fails decides (its field is `Decision.rule`):

1. `quorum`: enough eligible members took part (at least one in any case). Taking part
   means casting a ballot; an abstention counts unless `abstain_counts_for_quorum` is
   false. An empty roster never has quorum.
2. `group_quorum`: enough took part in every group that has eligible members. A member
   in several groups counts in each of them (and once overall).
3. Blocks, by `block_effect` (rule "block_effect" or "veto_groups"): "veto": any block
   stops the proposal (BLOCKED); "veto_group": a block from a member of a veto group does
   (BLOCKED), any other block counts as a disagree; "disagree": blocks count as disagree;
   "objection": see 4.
4. Paramount objections (rule "objections", "allow_overrule" or "block_effect"), for consent
   and consensus, and for any method whose `block_effect` is "objection":
   a. one that was upheld stops the proposal (NOT_ADOPTED);
   b. one recorded as overruled under a policy that does not allow overruling still
      stands (OBJECTION_UNRESOLVED);
   c. one still raised or answered stands (OBJECTION_UNRESOLVED);
   d. with `block_effect = "objection"`, a block stands as a paramount objection
      (OBJECTION_UNRESOLVED) unless its member's paramount objection was resolved:
      withdrawn, integrated, or overruled where allowed. (So a ledger opens a paramount
      objection for every such block.) A resolved block counts as a disagree.
   Objections that are not paramount are recorded concerns: they never stop anything.
5. The method (rule "method", "threshold" or "concurrent_majority"):
   - consent: nothing more; quorum and no standing block or objection is enough.
   - consensus: no participant disagrees (blocks that did not stop it count as
     disagree) and at least one agrees.
   - unanimity: every eligible member agrees.
   - majority, supermajority: the agree share, agree / (agree + disagree + blocks), must
     meet `threshold` (more than it if `threshold_strict`, at least it otherwise);
     abstentions are never in the denominator, and no votes for or against means not
     adopted. With `equal_group_voice` or `group_weights` the share is the (weighted) mean
     of the agree shares of the groups that cast votes for or against; members in no
     weighted group do not count in it. Then, with `concurrent_majority`, every group
     that cast votes for or against must meet the threshold on its own.

Ballots and objections from members not on the roster are ignored and counted in the
figures. Reasons are never read: they may be sealed or erased personal data, and an
outcome must be recomputable without them. Two ballots from one member, two objections
with one id, or one member twice on the roster are errors (`ValueError`): no
order-dependent choice is ever made.

Figures (`Decision.figures`, all counts are of roster members):
  eligible, took_part, quorum_needed, agree, abstain, disagree, block,
  ballots_ignored, objections_ignored, concerns,
  paramount_objections, paramount_objections_unresolved, paramount_objections_upheld,
  paramount_objections_overruled; when their check runs, veto_blocks (veto_group),
  blocks_unresolved (block_effect "objection") and agree_share ("n/d"); and per group
  "group:<name>:<figure>" for eligible, took_part, quorum_needed, agree, abstain,
  disagree, block, and agree_share and weight where they apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from policies.model import (
    THRESHOLD_METHODS,
    Ballot,
    BlockEffect,
    Decision,
    Member,
    Method,
    Objection,
    ObjectionStatus,
    Outcome,
    Policy,
    Position,
)
from policies.wording import count, need_text, percent, share_text

__all__ = ["decide"]


def decide(
    policy: Policy,
    roster: Sequence[Member],
    ballots: Sequence[Ballot],
    objections: Sequence[Objection] = (),
) -> Decision:
    """Apply `policy` to the final ballots and objections of the eligible `roster`."""
    return _Case(policy, roster, ballots, objections).decide()


@dataclass(frozen=True)
class _Tally:
    """Positions of a set of members; `against` counts every block not already dealt with."""

    eligible: int
    agree: int
    abstain: int
    disagree: int
    block: int

    def took_part(self, *, abstain_counts: bool) -> int:
        voted = self.agree + self.disagree + self.block
        return voted + self.abstain if abstain_counts else voted

    @property
    def voted(self) -> int:
        return self.agree + self.abstain + self.disagree + self.block

    @property
    def against(self) -> int:
        return self.disagree + self.block

    @property
    def for_or_against(self) -> int:
        return self.agree + self.against

    def share(self) -> Fraction:
        return Fraction(self.agree, self.for_or_against)


def _tally(members: Iterable[Member], ballots: Mapping[str, Ballot]) -> _Tally:
    positions: Counter[Position] = Counter()
    eligible = 0
    for member in members:
        eligible += 1
        ballot = ballots.get(member.member_id)
        if ballot is not None:
            positions[ballot.position] += 1
    return _Tally(
        eligible,
        positions[Position.AGREE],
        positions[Position.ABSTAIN],
        positions[Position.DISAGREE],
        positions[Position.BLOCK],
    )


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _were(number: int) -> str:
    return "was" if number == 1 else "were"


def _unique(kind: str, keys: Iterable[str]) -> None:
    seen = Counter(keys)
    repeated = sorted(key for key, times in seen.items() if times > 1)
    if repeated:
        raise ValueError(f"{kind} {repeated[0]!r} appears more than once; each may appear only once")


class _Case:
    """One proposal's inputs, indexed once, and the checks run over them in order."""

    def __init__(
        self,
        policy: Policy,
        roster: Sequence[Member],
        ballots: Sequence[Ballot],
        objections: Sequence[Objection],
    ) -> None:
        _unique("roster member", (m.member_id for m in roster))
        _unique("ballot from member", (b.member_id for b in ballots))
        _unique("objection", (o.objection_id for o in objections))
        self.policy = policy
        self.members = {m.member_id: m for m in roster}
        self.ballots = {b.member_id: b for b in ballots if b.member_id in self.members}
        counted = sorted((o for o in objections if o.member_id in self.members), key=lambda o: o.objection_id)
        self.paramount = [o for o in counted if o.paramount]
        self.groups = sorted({g for m in roster for g in m.groups})
        self.overall = _tally(self.members.values(), self.ballots)
        self.by_group = {
            g: _tally((m for m in self.members.values() if g in m.groups), self.ballots) for g in self.groups
        }
        self.figures: dict[str, int | str] = {}
        self._record_counts(ballots, objections, counted)

    # -- figures ------------------------------------------------------------------------------

    def _record_counts(
        self,
        ballots: Sequence[Ballot],
        objections: Sequence[Objection],
        counted: Sequence[Objection],
    ) -> None:
        policy, overall = self.policy, self.overall
        abstain_counts = policy.abstain_counts_for_quorum
        self.figures.update(
            eligible=overall.eligible,
            took_part=overall.took_part(abstain_counts=abstain_counts),
            quorum_needed=self._quorum_needed(),
            agree=overall.agree,
            abstain=overall.abstain,
            disagree=overall.disagree,
            block=overall.block,
            ballots_ignored=len(ballots) - len(self.ballots),
            objections_ignored=len(objections) - len(counted),
            concerns=len(counted) - len(self.paramount),
            paramount_objections=len(self.paramount),
            paramount_objections_unresolved=sum(1 for o in self.paramount if o.status.unresolved),
            paramount_objections_upheld=self._with_status(ObjectionStatus.UPHELD),
            paramount_objections_overruled=self._with_status(ObjectionStatus.OVERRULED),
        )
        for group, tally in self.by_group.items():
            prefix = f"group:{group}:"
            self.figures.update(
                {
                    prefix + "eligible": tally.eligible,
                    prefix + "took_part": tally.took_part(abstain_counts=abstain_counts),
                    prefix + "quorum_needed": _ceil(policy.group_quorum * tally.eligible),
                    prefix + "agree": tally.agree,
                    prefix + "abstain": tally.abstain,
                    prefix + "disagree": tally.disagree,
                    prefix + "block": tally.block,
                }
            )

    def _with_status(self, status: ObjectionStatus) -> int:
        return sum(1 for o in self.paramount if o.status is status)

    def _quorum_needed(self) -> int:
        return max(1, _ceil(self.policy.quorum * self.overall.eligible))

    def _decision(self, outcome: Outcome, rule: str, explanation: str) -> Decision:
        return Decision(outcome=outcome, explanation=explanation, rule=rule, figures=self.figures)

    # -- the checks, in order -----------------------------------------------------------------

    def decide(self) -> Decision:
        return (
            self._check_quorum()
            or self._check_group_quorum()
            or self._check_blocks()
            or self._check_objections()
            or self._check_method()
        )

    def _took_part(self, tally: _Tally) -> int:
        return tally.took_part(abstain_counts=self.policy.abstain_counts_for_quorum)

    def _check_quorum(self) -> Decision | None:
        quorum, overall = self.policy.quorum, self.overall
        took_part = self._took_part(overall)
        if overall.eligible == 0:
            return self._decision(
                Outcome.NO_QUORUM,
                "quorum",
                "Not adopted (no quorum): there are no eligible members.",
            )
        if took_part >= self._quorum_needed():
            return None
        needs = f"{share_text(quorum)} of members to take part" if quorum else "at least one member to take part"
        return self._decision(
            Outcome.NO_QUORUM,
            "quorum",
            f"Not adopted (no quorum): {took_part} of {overall.eligible} members took part "
            f"({percent(Fraction(took_part, overall.eligible), rule=quorum)})"
            f"{self._abstain_note()}; this decision needs {needs}.",
        )

    def _abstain_note(self) -> str:
        if self.policy.abstain_counts_for_quorum or not self.overall.abstain:
            return ""
        return " (abstentions do not count as taking part)"

    def _check_group_quorum(self) -> Decision | None:
        quorum = self.policy.group_quorum
        short = []
        for group, tally in self.by_group.items():
            took_part = self._took_part(tally)
            if took_part < _ceil(quorum * tally.eligible):
                share = percent(Fraction(took_part, tally.eligible), rule=quorum)
                short.append(f"{took_part} of {tally.eligible} {group} members took part ({share})")
        if not short:
            return None
        return self._decision(
            Outcome.NO_QUORUM,
            "group_quorum",
            f"Not adopted (no quorum): {_join(short)}{self._abstain_note()}; "
            f"this decision needs {share_text(quorum)} of every group to take part.",
        )

    def _check_blocks(self) -> Decision | None:
        effect, blocks = self.policy.block_effect, self.overall.block
        if effect is BlockEffect.VETO and blocks:
            return self._decision(
                Outcome.BLOCKED,
                "block_effect",
                f"Blocked: {count(blocks, 'member')} blocked, and under this policy any block stops the proposal.",
            )
        if effect is BlockEffect.VETO_GROUP:
            return self._check_veto_groups()
        return None

    def _check_veto_groups(self) -> Decision | None:
        veto_groups = sorted(self.policy.veto_groups)
        vetoes = [
            b
            for b in self.ballots.values()
            if b.position is Position.BLOCK and self.members[b.member_id].groups & self.policy.veto_groups
        ]
        self.figures["veto_blocks"] = len(vetoes)
        if not vetoes:
            return None
        parts = [
            count(self.by_group[g].block, f"{g} member")
            for g in veto_groups
            if g in self.by_group and self.by_group[g].block
        ]
        return self._decision(
            Outcome.BLOCKED,
            "veto_groups",
            f"Blocked: {_join(parts)} blocked; under this policy a block from a member of "
            f"{_join(veto_groups)} stops the proposal.",
        )

    def _objections_apply(self) -> bool:
        return (
            self.policy.method in (Method.CONSENT, Method.CONSENSUS)
            or self.policy.block_effect is BlockEffect.OBJECTION
        )

    def _until_resolved(self) -> str:
        policy = self.policy
        if policy.allow_overrule:
            return (
                "the proposal cannot pass until each is withdrawn or integrated, "
                f"or overruled by {policy.overrule_process}"
            )
        return "the proposal cannot pass until each is withdrawn or integrated"

    def _check_objections(self) -> Decision | None:
        if not self._objections_apply():
            return None
        upheld = self._with_status(ObjectionStatus.UPHELD)
        if upheld:
            return self._decision(
                Outcome.NOT_ADOPTED,
                "objections",
                f"Not adopted: {count(upheld, 'paramount objection')} {_were(upheld)} upheld, "
                "so the proposal does not pass.",
            )
        overruled = self._with_status(ObjectionStatus.OVERRULED)
        if overruled and not self.policy.allow_overrule:
            return self._decision(
                Outcome.OBJECTION_UNRESOLVED,
                "allow_overrule",
                f"Objection unresolved: {count(overruled, 'paramount objection')} "
                f"{_were(overruled)} recorded as overruled, but this policy does not allow "
                "overruling, so they still stand.",
            )
        open_ = sum(1 for o in self.paramount if o.status.unresolved)
        if open_:
            return self._decision(
                Outcome.OBJECTION_UNRESOLVED,
                "objections",
                f"Objection unresolved: {count(open_, 'paramount objection')} "
                f"{'is' if open_ == 1 else 'are'} still open (raised or answered); "
                f"{self._until_resolved()}.",
            )
        if self.policy.block_effect is BlockEffect.OBJECTION:
            return self._check_blocks_as_objections()
        return None

    def _check_blocks_as_objections(self) -> Decision | None:
        objectors = {o.member_id for o in self.paramount}
        standing = sum(
            1 for b in self.ballots.values() if b.position is Position.BLOCK and b.member_id not in objectors
        )
        self.figures["blocks_unresolved"] = standing
        if not standing:
            return None
        return self._decision(
            Outcome.OBJECTION_UNRESOLVED,
            "block_effect",
            f"Objection unresolved: {count(standing, 'member')} blocked, and under this policy "
            "a block is a paramount objection that must be resolved through the objection "
            f"process; {self._until_resolved()}.",
        )

    def _check_method(self) -> Decision:
        method = self.policy.method
        if method is Method.CONSENT:
            return self._consent()
        if method is Method.CONSENSUS:
            return self._consensus()
        if method is Method.UNANIMITY:
            return self._unanimity()
        return self._threshold()

    # -- the methods --------------------------------------------------------------------------

    def _participation(self) -> str:
        took_part, eligible = self._took_part(self.overall), self.overall.eligible
        text = (
            f"{took_part} of {eligible} members took part "
            f"({percent(Fraction(took_part, eligible), rule=self.policy.quorum)})"
        )
        if self.policy.group_quorum and self.groups:
            text += " and every group reached quorum"
        return text

    def _consent(self) -> Decision:
        blocks, resolved = self.overall.block, len(self.paramount)
        no_blocks = (
            "no one blocked"
            if not blocks
            else f"{count(blocks, 'block')} {_were(blocks)} resolved through the objection process"
        )
        objections = (
            "no paramount objection was raised"
            if not resolved
            else f"every paramount objection ({resolved}) was resolved"
        )
        return self._decision(
            Outcome.ADOPTED,
            "method",
            f"Adopted by consent: {self._participation()}; {no_blocks} and {objections}.",
        )

    def _consensus(self) -> Decision:
        overall = self.overall
        if overall.against:
            who = "disagreed or blocked" if overall.block else "disagreed"
            return self._decision(
                Outcome.NOT_ADOPTED,
                "method",
                f"Not adopted: {overall.against} of {overall.voted} members who voted {who}; "
                "consensus needs every participant to agree or abstain.",
            )
        if not overall.agree:
            return self._decision(
                Outcome.NOT_ADOPTED,
                "method",
                f"Not adopted: no one agreed ({count(overall.abstain, 'member')} abstained); "
                "consensus needs at least one member to agree and none to disagree.",
            )
        return self._decision(
            Outcome.ADOPTED,
            "method",
            f"Adopted by consensus: all {overall.voted} members who voted agreed or abstained "
            f"({overall.agree} agreed, {overall.abstain} abstained); {self._participation()}.",
        )

    def _unanimity(self) -> Decision:
        overall = self.overall
        if overall.agree < overall.eligible:
            return self._decision(
                Outcome.NOT_ADOPTED,
                "method",
                f"Not adopted: {overall.agree} of {overall.eligible} eligible members agreed; "
                "unanimity needs every eligible member to agree.",
            )
        return self._decision(
            Outcome.ADOPTED,
            "method",
            f"Adopted unanimously: all {overall.eligible} eligible members agreed.",
        )

    # -- majority and supermajority ------------------------------------------------------------

    def _meets(self, share: Fraction) -> bool:
        threshold = self._threshold_value()
        return share > threshold if self.policy.threshold_strict else share >= threshold

    def _threshold_value(self) -> Fraction:
        threshold = self.policy.threshold
        if threshold is None or self.policy.method not in THRESHOLD_METHODS:
            raise ValueError(f"policy {self.policy.name!r} has no threshold to apply")
        return threshold

    def _need(self) -> str:
        return need_text(self._threshold_value(), strict=bool(self.policy.threshold_strict))

    def _weights(self) -> dict[str, Fraction] | None:
        """The weight of every group that cast votes for or against, if groups are weighted."""
        policy = self.policy
        if policy.equal_group_voice:
            return {g: Fraction(1) for g, t in self.by_group.items() if t.for_or_against}
        if policy.group_weights:
            for group in self.groups:
                self.figures[f"group:{group}:weight"] = _text(policy.group_weights.get(group, Fraction(0)))
            return {
                g: policy.group_weights[g]
                for g, t in self.by_group.items()
                if t.for_or_against and g in policy.group_weights
            }
        return None

    def _threshold(self) -> Decision:
        threshold, need = self._threshold_value(), self._need()
        overall = self.overall
        for group, tally in self.by_group.items():
            if tally.for_or_against:
                self.figures[f"group:{group}:agree_share"] = _text(tally.share())
        weights = self._weights()
        blocks_note = "; blocks count as disagree" if overall.block else ""
        if weights is None:
            if not overall.for_or_against:
                return self._no_votes(need)
            share = overall.share()
            summary = (
                f"{overall.agree} of {overall.for_or_against} votes were agree "
                f"({percent(share, rule=threshold)}{blocks_note})"
            )
        else:
            if not weights:
                return self._no_votes(need)
            total = sum(weights.values(), Fraction(0))
            share = sum((w * self.by_group[g].share() for g, w in weights.items()), Fraction(0)) / total
            summary = self._weighted_summary(weights, share, threshold, blocks_note)
        self.figures["agree_share"] = _text(share)
        if not self._meets(share):
            return self._decision(
                Outcome.NOT_ADOPTED,
                "threshold",
                f"Not adopted: {summary}; this decision needs {need} of the votes, not counting abstentions.",
            )
        if self.policy.concurrent_majority:
            failed = self._check_concurrent(need)
            if failed:
                return failed
        in_every_group = " in every group" if self.policy.concurrent_majority else ""
        return self._decision(
            Outcome.ADOPTED,
            "threshold",
            f"Adopted: {summary}; this decision needs {need} of the votes{in_every_group}, "
            f"not counting abstentions; {self._participation()}.",
        )

    def _weighted_summary(
        self, weights: Mapping[str, Fraction], share: Fraction, threshold: Fraction, note: str
    ) -> str:
        how = (
            "with each group's voice counting equally"
            if self.policy.equal_group_voice
            else "with groups weighted as this policy sets"
        )
        parts = []
        for group, weight in sorted(weights.items()):
            tally = self.by_group[group]
            weight_note = "" if self.policy.equal_group_voice else f", weight {_text(weight)}"
            parts.append(f"{group} {tally.agree} of {tally.for_or_against}{weight_note}")
        breakdown = "; ".join(parts) + note
        return f"{how}, the agree share is {percent(share, rule=threshold)} ({breakdown})"

    def _no_votes(self, need: str) -> Decision:
        who = "no group" if self._weights_in_use() else "no one"
        return self._decision(
            Outcome.NOT_ADOPTED,
            "threshold",
            f"Not adopted: {who} voted for or against "
            f"({count(self.overall.abstain, 'member')} abstained); "
            f"this decision needs {need} of the votes, not counting abstentions.",
        )

    def _weights_in_use(self) -> bool:
        return self.policy.equal_group_voice or bool(self.policy.group_weights)

    def _check_concurrent(self, need: str) -> Decision | None:
        threshold = self._threshold_value()
        short = []
        for group, tally in self.by_group.items():
            if tally.for_or_against and not self._meets(tally.share()):
                short.append(
                    f"in {group}, {tally.agree} of {tally.for_or_against} votes were agree "
                    f"({percent(tally.share(), rule=threshold)})"
                )
        if not short:
            return None
        return self._decision(
            Outcome.NOT_ADOPTED,
            "concurrent_majority",
            f"Not adopted: {_join(short)}; this decision needs {need} of the votes in every "
            "group, not counting abstentions.",
        )


def _text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
