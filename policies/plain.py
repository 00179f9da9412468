"""Plain words for members: what an outcome means and what a rule asks, worked out at display time.

The recorded explanation (`Decision.explanation`) is signed into the log and must never
change with the code, so it stays exactly as it was and is shown under "Technical
details". What members read first is derived here from the parts of the record that are
stable (the outcome, the rule that decided it and the figures) and from the policy. The
sentences are short and use everyday words, so that they score 70 or more on the Flesch
reading-ease scale (tests/test_readability.py measures every one of them).

Group keys such as ``lived_experience`` are never shown: callers pass `names`, the display
name of each group, and a key without a name is shown with its underscores as spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from policies.model import BlockEffect, Method, Outcome, Policy
from policies.wording import count, need_text, percent, share_text

__all__ = ["group_name", "plain_outcome", "plain_rule"]

Figures = Mapping[str, int | str]


def group_name(key: str, names: Mapping[str, str] | None = None) -> str:
    """A stakeholder group as members know it: its display name, never its key."""
    if names and key in names:
        return names[key]
    return key.replace("_", " ")


def plain_outcome(
    outcome: Outcome | str,
    rule: str,
    figures: Figures,
    policy: Policy | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """What a recorded (or previewed) outcome means, in two to four short sentences."""
    outcome = Outcome(outcome)
    words = _Words(outcome, figures, policy, names or {})
    explain = {
        "quorum": words.quorum,
        "group_quorum": words.group_quorum,
        "block_effect": words.block_effect,
        "veto_groups": words.veto_groups,
        "objections": words.objections,
        "allow_overrule": words.allow_overrule,
        "method": words.method,
        "threshold": words.threshold,
        "concurrent_majority": words.concurrent,
    }.get(rule, words.fallback)
    return explain()


def plain_rule(policy: Policy, names: Mapping[str, str] | None = None) -> str:
    """What a rule asks of a proposal, in short sentences (the rule file's own text is kept too)."""
    names = names or {}
    parts = [_method_sentence(policy), _quorum_sentence(policy)]
    parts += _group_sentences(policy, names)
    parts.append(_block_sentence(policy, names))
    if policy.allow_overrule and policy.overrule_process:
        parts.append(f"A serious objection can be set aside by this process: {policy.overrule_process}.")
    parts.append(_open_sentence(policy))
    return " ".join(p for p in parts if p)


# -- outcomes -------------------------------------------------------------------------------


class _Words:
    """The sentences for one outcome; one method per rule that can decide."""

    def __init__(self, outcome: Outcome, figures: Figures, policy: Policy | None, names: Mapping[str, str]):
        self.outcome, self.figures, self.policy, self.names = outcome, figures, policy, names

    def _n(self, key: str) -> int:
        value = self.figures.get(key, 0)
        return value if isinstance(value, int) else 0

    @property
    def _head(self) -> str:
        return {
            Outcome.ADOPTED: "It passed.",
            Outcome.NOT_ADOPTED: "It did not pass.",
            Outcome.BLOCKED: "It did not pass: it was blocked.",
            Outcome.NO_QUORUM: "It did not pass: too few people took part.",
            Outcome.OBJECTION_UNRESOLVED: "It did not pass yet: an objection is still open.",
        }[self.outcome]

    def _took_part(self) -> str:
        return f"{self._n('took_part')} of {self._n('eligible')} members took part."

    def quorum(self) -> str:
        if not self._n("eligible"):
            return f"{self._head} No members could take part in this decision."
        return f"{self._head} {self._took_part()} It needed at least {self._n('quorum_needed')} to take part."

    def group_quorum(self) -> str:
        short = []
        for key in self._groups():
            took, needed = self._n(f"group:{key}:took_part"), self._n(f"group:{key}:quorum_needed")
            if took < needed:
                short.append(f"In {group_name(key, self.names)}, {took} took part and it needed {needed}.")
        return " ".join([self._head, *short, "Each group must have enough people take part."])

    def _groups(self) -> list[str]:
        return sorted({k.split(":")[1] for k in self.figures if k.startswith("group:")})

    def block_effect(self) -> str:
        if self.outcome is Outcome.BLOCKED:
            blocks = self._n("block")
            return (
                f"{self._head} {count(blocks, 'member')} blocked it. Under this rule, one block is enough to stop it."
            )
        standing = self._n("blocks_unresolved")
        return (
            f"{self._head} {count(standing, 'member')} blocked it. Under this rule, a block is a serious "
            "objection. It must be talked through and dropped or worked into the plan first."
        )

    def veto_groups(self) -> str:
        blocked = [group_name(g, self.names) for g in self._groups() if self._n(f"group:{g}:block")]
        who = _join(blocked) if blocked else "a group with a veto"
        return (
            f"{self._head} A member of {who} blocked it. Under this rule, a block from that group is enough to stop it."
        )

    def objections(self) -> str:
        if self.outcome is Outcome.NOT_ADOPTED:
            upheld = self._n("paramount_objections_upheld")
            return (
                f"{self._head} {count(upheld, 'serious objection')} {_was(upheld)} upheld. "
                "That means the group agreed the objection was right, so it stops here."
            )
        open_ = self._n("paramount_objections_unresolved")
        return (
            f"{self._head} {count(open_, 'serious objection')} {_is(open_)} not settled. "
            f"It can pass only when each one is dropped or worked into the plan{self._overrule()}."
        )

    def _overrule(self) -> str:
        if self.policy is not None and self.policy.allow_overrule:
            return ", or set aside as the rule says"
        return ""

    def allow_overrule(self) -> str:
        overruled = self._n("paramount_objections_overruled")
        return (
            f"{self._head} {count(overruled, 'serious objection')} {_was(overruled)} set aside. "
            "But this rule does not let anyone set an objection aside, so it still stands."
        )

    def method(self) -> str:
        method = self.policy.method if self.policy is not None else None
        agree, abstain = self._n("agree"), self._n("abstain")
        against = self._n("disagree") + self._n("block")
        if self.outcome is Outcome.ADOPTED:
            if method is Method.UNANIMITY:
                return f"{self._head} All {self._n('eligible')} members agreed."
            if method is Method.CONSENSUS:
                return (
                    f"{self._head} No one who voted disagreed. {agree} agreed and {abstain} abstained. "
                    f"{self._took_part()}"
                )
            return f"{self._head} {self._took_part()} No one had a serious objection that was not settled."
        if method is Method.UNANIMITY:
            return (
                f"{self._head} {agree} of {self._n('eligible')} members agreed. "
                "Under this rule, every member must agree."
            )
        if against:
            return (
                f"{self._head} {against} of {agree + abstain + against} people who voted disagreed or blocked. "
                "Under this rule, no one may disagree."
            )
        return f"{self._head} No one agreed, and {abstain} abstained. Under this rule, at least one person must agree."

    def threshold(self) -> str:
        agree, against = self._n("agree"), self._n("disagree") + self._n("block")
        need = self._need()
        if not agree + against:
            return (
                f"{self._head} No one voted to agree or disagree. It needed {need} of the votes to agree. "
                "We do not count people who abstained."
            )
        share = self._share()
        weighted = self._weighted()
        if weighted:
            votes = f"With each group's votes weighed as the rule says, {share} of the votes agreed."
        else:
            votes = f"{agree} of {agree + against} votes agreed, which is {share}."
        blocks = " A block counts as a vote to disagree." if self._n("block") else ""
        return (
            f"{self._head} {votes}{blocks} It needed {need} of the votes to agree. "
            "We do not count people who abstained."
        )

    def _weighted(self) -> bool:
        policy = self.policy
        return policy is not None and (policy.equal_group_voice or bool(policy.group_weights))

    def _need(self) -> str:
        policy = self.policy
        if policy is None or policy.threshold is None:
            return "enough"
        return need_text(policy.threshold, strict=bool(policy.threshold_strict))

    def _share(self) -> str:
        raw = self.figures.get("agree_share")
        if not isinstance(raw, str) or "/" not in raw:
            return "too few"
        top, bottom = raw.split("/", 1)
        value = Fraction(int(top), int(bottom))
        rule = self.policy.threshold if self.policy is not None else None
        return percent(value, rule=rule)

    def concurrent(self) -> str:
        short = []
        for key in self._groups():
            agree = self._n(f"group:{key}:agree")
            votes = agree + self._n(f"group:{key}:disagree") + self._n(f"group:{key}:block")
            if votes and _share_below(self.figures.get(f"group:{key}:agree_share"), self.policy):
                short.append(f"In {group_name(key, self.names)}, {agree} of {votes} votes agreed.")
        return " ".join(
            [self._head, *short, f"Under this rule, {self._need()} of the votes must agree in every group."]
        )

    def fallback(self) -> str:
        return f"{self._head} {self._took_part()}"


def _share_below(raw: int | str | None, policy: Policy | None) -> bool:
    if policy is None or policy.threshold is None or not isinstance(raw, str) or "/" not in raw:
        return True
    top, bottom = raw.split("/", 1)
    share = Fraction(int(top), int(bottom))
    return not (share > policy.threshold if policy.threshold_strict else share >= policy.threshold)


# -- rules ----------------------------------------------------------------------------------


def _method_sentence(policy: Policy) -> str:
    method = policy.method
    if method is Method.CONSENT:
        return "A proposal passes when no one has a serious objection left."
    if method is Method.CONSENSUS:
        return "A proposal passes when at least one person agrees and no one who votes disagrees."
    if method is Method.UNANIMITY:
        return "A proposal passes only when every member agrees."
    assert policy.threshold is not None  # a threshold method always has one (Policy checks it)
    need = need_text(policy.threshold, strict=bool(policy.threshold_strict))
    return f"A proposal passes when {need} of the votes agree. We do not count people who abstain."


def _quorum_sentence(policy: Policy) -> str:
    if not policy.quorum:
        return "At least one member must take part."
    text = f"At least {share_text(policy.quorum)} of the members must take part"
    if not policy.abstain_counts_for_quorum:
        return text + ", and to abstain does not count as taking part."
    return text + "."


def _group_sentences(policy: Policy, names: Mapping[str, str]) -> list[str]:
    out = []
    if policy.group_quorum:
        out.append(f"In each group, at least {share_text(policy.group_quorum)} must take part too.")
    if policy.equal_group_voice:
        out.append("Each group counts the same, however big it is.")
    elif policy.group_weights:
        weights = ", ".join(
            f"{group_name(g, names)} {w.numerator}/{w.denominator}" for g, w in sorted(policy.group_weights.items())
        )
        out.append(f"The groups count with these weights: {weights}.")
    if policy.concurrent_majority:
        out.append("The votes must also reach that share in each group on its own.")
    return out


def _block_sentence(policy: Policy, names: Mapping[str, str]) -> str:
    effect = policy.block_effect
    if effect is BlockEffect.VETO:
        return "One block is enough to stop a proposal."
    if effect is BlockEffect.VETO_GROUP:
        groups = _join([group_name(g, names) for g in sorted(policy.veto_groups)])
        return f"A block from a member of {groups} stops it. Any other block counts as a vote to disagree."
    if effect is BlockEffect.OBJECTION:
        return "A block is a serious objection. It must be dropped or worked into the plan before it can pass."
    return "A block counts as a vote to disagree."


def _open_sentence(policy: Policy) -> str:
    low, high = policy.min_open_hours, policy.max_open_hours
    if low and high:
        return f"It stays open for at least {_span(low)} and at most {_span(high)}."
    if low:
        return f"It stays open for at least {_span(low)}."
    if high:
        return f"It closes after at most {_span(high)}."
    return ""


def _span(hours: int) -> str:
    if hours % 24 == 0:
        return count(hours // 24, "day")
    return count(hours, "hour")


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _was(number: int) -> str:
    return "was" if number == 1 else "were"


def _is(number: int) -> str:
    return "is" if number == 1 else "are"
