"""Plain words for members: what an outcome means and what a rule asks, worked out at display time.

The recorded explanation (`Decision.explanation`) is signed into the log and must never
change with the code, so it stays exactly as it was and is shown under "Technical
details". What members read first is derived here from the parts of the record that are
stable (the outcome, the rule that decided it and the figures) and from the policy. The
sentences are short and use everyday words, so that they score 70 or more on the Flesch
reading-ease scale (tests/test_readability.py measures every one of them).

Each sentence is kept as a `Said` (policies/said.py): English source text marked for the message
catalogue and its values, so that the web says it in the member's language (`outcome_sentences`,
`rule_sentences`); `plain_outcome` and `plain_rule` give the English.

Group keys such as ``lived_experience`` are never shown: callers pass `names`, the display
name of each group, and a key without a name is shown with its underscores as spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from policies.model import BlockEffect, Method, Outcome, Policy
from policies.said import N_, Said, english, say, say_count
from policies.wording import percent, share_text

__all__ = ["group_name", "outcome_sentences", "plain_outcome", "plain_rule", "rule_sentences"]

Figures = Mapping[str, int | str]


def group_name(key: str, names: Mapping[str, str] | None = None) -> str:
    """A stakeholder group as members know it: its display name, never its key."""
    if names and key in names:
        return names[key]
    return key.replace("_", " ")


def outcome_sentences(
    outcome: Outcome | str,
    rule: str,
    figures: Figures,
    policy: Policy | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Said]:
    """What a recorded (or previewed) outcome means, in two to four short sentences, to be translated."""
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


def plain_outcome(
    outcome: Outcome | str,
    rule: str,
    figures: Figures,
    policy: Policy | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """What a recorded (or previewed) outcome means, in English."""
    return " ".join(english(s) for s in outcome_sentences(outcome, rule, figures, policy, names))


def rule_sentences(policy: Policy, names: Mapping[str, str] | None = None) -> list[Said]:
    """What a rule asks of a proposal, in short sentences (the rule file's own text is kept too)."""
    names = names or {}
    parts = [*_method_sentences(policy), _quorum_sentence(policy)]
    parts += _group_sentences(policy, names)
    parts += _block_sentences(policy, names)
    if policy.allow_overrule and policy.overrule_process:
        parts.append(
            say(
                N_("A serious objection can be set aside by this process: %(process)s."),
                process=policy.overrule_process,
            )
        )
    parts += _open_sentence(policy)
    return parts


def plain_rule(policy: Policy, names: Mapping[str, str] | None = None) -> str:
    """What a rule asks of a proposal, in English."""
    return " ".join(english(s) for s in rule_sentences(policy, names))


# -- outcomes -------------------------------------------------------------------------------


class _Words:
    """The sentences for one outcome; one method per rule that can decide."""

    def __init__(self, outcome: Outcome, figures: Figures, policy: Policy | None, names: Mapping[str, str]):
        self.outcome, self.figures, self.policy, self.names = outcome, figures, policy, names

    def _n(self, key: str) -> int:
        value = self.figures.get(key, 0)
        return value if isinstance(value, int) else 0

    @property
    def _head(self) -> Said:
        return say(
            {
                Outcome.ADOPTED: N_("It passed."),
                Outcome.NOT_ADOPTED: N_("It did not pass."),
                Outcome.BLOCKED: N_("It did not pass: it was blocked."),
                Outcome.NO_QUORUM: N_("It did not pass: too few people took part."),
                Outcome.OBJECTION_UNRESOLVED: N_("It did not pass yet: an objection is still open."),
            }[self.outcome]
        )

    def _took_part(self) -> Said:
        return say(
            N_("%(took)s of %(eligible)s members took part."), took=self._n("took_part"), eligible=self._n("eligible")
        )

    def quorum(self) -> list[Said]:
        if not self._n("eligible"):
            return [self._head, say(N_("No members could take part in this decision."))]
        needed = say(N_("It needed at least %(needed)s to take part."), needed=self._n("quorum_needed"))
        return [self._head, self._took_part(), needed]

    def group_quorum(self) -> list[Said]:
        short = []
        for key in self._groups():
            took, needed = self._n(f"group:{key}:took_part"), self._n(f"group:{key}:quorum_needed")
            if took < needed:
                short.append(
                    say(
                        N_("In %(group)s, %(took)s took part and it needed %(needed)s."),
                        group=group_name(key, self.names),
                        took=took,
                        needed=needed,
                    )
                )
        return [self._head, *short, say(N_("Each group must have enough people take part."))]

    def _groups(self) -> list[str]:
        return sorted({k.split(":")[1] for k in self.figures if k.startswith("group:")})

    def block_effect(self) -> list[Said]:
        if self.outcome is Outcome.BLOCKED:
            blocked = say_count("%(num)s member blocked it.", "%(num)s members blocked it.", self._n("block"))
            return [self._head, blocked, say(N_("Under this rule, one block is enough to stop it."))]
        standing = self._n("blocks_unresolved")
        return [
            self._head,
            say_count("%(num)s member blocked it.", "%(num)s members blocked it.", standing),
            say(N_("Under this rule, a block is a serious objection.")),
            say(N_("It must be talked through and dropped or worked into the plan first.")),
        ]

    def veto_groups(self) -> list[Said]:
        blocked = [group_name(g, self.names) for g in self._groups() if self._n(f"group:{g}:block")]
        who: str | Said = _join(blocked) if blocked else say(N_("a group with a veto"))
        return [
            self._head,
            say(N_("A member of %(who)s blocked it."), who=who),
            say(N_("Under this rule, a block from that group is enough to stop it.")),
        ]

    def objections(self) -> list[Said]:
        if self.outcome is Outcome.NOT_ADOPTED:
            upheld = self._n("paramount_objections_upheld")
            return [
                self._head,
                say_count("%(num)s serious objection was upheld.", "%(num)s serious objections were upheld.", upheld),
                say(N_("That means the group agreed the objection was right, so it stops here.")),
            ]
        open_ = self._n("paramount_objections_unresolved")
        if self.policy is not None and self.policy.allow_overrule:
            then = say(
                N_("It can pass only when each one is dropped or worked into the plan, or set aside as the rule says.")
            )
        else:
            then = say(N_("It can pass only when each one is dropped or worked into the plan."))
        return [
            self._head,
            say_count(
                "%(num)s serious objection is not settled.",
                "%(num)s serious objections are not settled.",
                open_,
            ),
            then,
        ]

    def allow_overrule(self) -> list[Said]:
        overruled = self._n("paramount_objections_overruled")
        return [
            self._head,
            say_count(
                "%(num)s serious objection was set aside.",
                "%(num)s serious objections were set aside.",
                overruled,
            ),
            say(N_("But this rule does not let anyone set an objection aside, so it still stands.")),
        ]

    def method(self) -> list[Said]:
        method = self.policy.method if self.policy is not None else None
        agree, abstain = self._n("agree"), self._n("abstain")
        against = self._n("disagree") + self._n("block")
        eligible = self._n("eligible")
        if self.outcome is Outcome.ADOPTED:
            if method is Method.UNANIMITY:
                return [self._head, say(N_("All %(eligible)s members agreed."), eligible=eligible)]
            if method is Method.CONSENSUS:
                return [
                    self._head,
                    say(N_("No one who voted disagreed.")),
                    say(N_("%(agree)s agreed and %(abstain)s abstained."), agree=agree, abstain=abstain),
                    self._took_part(),
                ]
            return [self._head, self._took_part(), say(N_("No one had a serious objection that was not settled."))]
        if method is Method.UNANIMITY:
            return [
                self._head,
                say(N_("%(agree)s of %(eligible)s members agreed."), agree=agree, eligible=eligible),
                say(N_("Under this rule, every member must agree.")),
            ]
        if against:
            voted = agree + abstain + against
            return [
                self._head,
                say(
                    N_("%(against)s of %(voted)s people who voted disagreed or blocked."), against=against, voted=voted
                ),
                say(N_("Under this rule, no one may disagree.")),
            ]
        return [
            self._head,
            say(N_("No one agreed, and %(abstain)s abstained."), abstain=abstain),
            say(N_("Under this rule, at least one person must agree.")),
        ]

    def threshold(self) -> list[Said]:
        agree, against = self._n("agree"), self._n("disagree") + self._n("block")
        needed = say(N_("It needed %(need)s of the votes to agree."), need=self._need())
        abstained = say(N_("We do not count people who abstained."))
        if not agree + against:
            return [self._head, say(N_("No one voted to agree or disagree.")), needed, abstained]
        share = self._share()
        if self._weighted():
            votes = say(
                N_("With each group's votes weighed as the rule says, %(share)s of the votes agreed."), share=share
            )
        else:
            votes = say(
                N_("%(agree)s of %(votes)s votes agreed, which is %(share)s."),
                agree=agree,
                votes=agree + against,
                share=share,
            )
        blocks = [say(N_("A block counts as a vote to disagree."))] if self._n("block") else []
        return [self._head, votes, *blocks, needed, abstained]

    def _weighted(self) -> bool:
        policy = self.policy
        return policy is not None and (policy.equal_group_voice or bool(policy.group_weights))

    def _need(self) -> Said:
        policy = self.policy
        if policy is None or policy.threshold is None:
            return say(N_("enough"))
        return _need(policy.threshold, strict=bool(policy.threshold_strict))

    def _share(self) -> str | Said:
        raw = self.figures.get("agree_share")
        if not isinstance(raw, str) or "/" not in raw:
            return say(N_("too few"))
        top, bottom = raw.split("/", 1)
        value = Fraction(int(top), int(bottom))
        rule = self.policy.threshold if self.policy is not None else None
        return percent(value, rule=rule)

    def concurrent(self) -> list[Said]:
        short = []
        for key in self._groups():
            agree = self._n(f"group:{key}:agree")
            votes = agree + self._n(f"group:{key}:disagree") + self._n(f"group:{key}:block")
            if votes and _share_below(self.figures.get(f"group:{key}:agree_share"), self.policy):
                short.append(
                    say(
                        N_("In %(group)s, %(agree)s of %(votes)s votes agreed."),
                        group=group_name(key, self.names),
                        agree=agree,
                        votes=votes,
                    )
                )
        every = say(N_("Under this rule, %(need)s of the votes must agree in every group."), need=self._need())
        return [self._head, *short, every]

    def fallback(self) -> list[Said]:
        return [self._head, self._took_part()]


def _share_below(raw: int | str | None, policy: Policy | None) -> bool:
    if policy is None or policy.threshold is None or not isinstance(raw, str) or "/" not in raw:
        return True
    top, bottom = raw.split("/", 1)
    share = Fraction(int(top), int(bottom))
    return not (share > policy.threshold if policy.threshold_strict else share >= policy.threshold)


def _need(threshold: Fraction, *, strict: bool) -> Said:
    """What a threshold asks for: "more than 1/2", "at least 2/3", "all" (policies.wording.need_text, said)."""
    fraction = f"{threshold.numerator}/{threshold.denominator}"
    if strict:
        return say(N_("more than %(fraction)s"), fraction=fraction)
    if threshold == 1:
        return say(N_("all"))
    return say(N_("at least %(fraction)s"), fraction=fraction)


# -- rules ----------------------------------------------------------------------------------


def _method_sentences(policy: Policy) -> list[Said]:
    method = policy.method
    if method is Method.CONSENT:
        return [say(N_("A proposal passes when no one has a serious objection left."))]
    if method is Method.CONSENSUS:
        return [say(N_("A proposal passes when at least one person agrees and no one who votes disagrees."))]
    if method is Method.UNANIMITY:
        return [say(N_("A proposal passes only when every member agrees."))]
    assert policy.threshold is not None  # a threshold method always has one (Policy checks it)
    need = _need(policy.threshold, strict=bool(policy.threshold_strict))
    return [
        say(N_("A proposal passes when %(need)s of the votes agree."), need=need),
        say(N_("We do not count people who abstain.")),
    ]


def _quorum_sentence(policy: Policy) -> Said:
    if not policy.quorum:
        return say(N_("At least one member must take part."))
    share = share_text(policy.quorum)
    if not policy.abstain_counts_for_quorum:
        return say(
            N_("At least %(share)s of the members must take part, and to abstain does not count as taking part."),
            share=share,
        )
    return say(N_("At least %(share)s of the members must take part."), share=share)


def _group_sentences(policy: Policy, names: Mapping[str, str]) -> list[Said]:
    out = []
    if policy.group_quorum:
        out.append(
            say(N_("In each group, at least %(share)s must take part too."), share=share_text(policy.group_quorum))
        )
    if policy.equal_group_voice:
        out.append(say(N_("Each group counts the same, however big it is.")))
    elif policy.group_weights:
        weights = ", ".join(
            f"{group_name(g, names)} {w.numerator}/{w.denominator}" for g, w in sorted(policy.group_weights.items())
        )
        out.append(say(N_("The groups count with these weights: %(weights)s."), weights=weights))
    if policy.concurrent_majority:
        out.append(say(N_("The votes must also reach that share in each group on its own.")))
    return out


def _block_sentences(policy: Policy, names: Mapping[str, str]) -> list[Said]:
    effect = policy.block_effect
    if effect is BlockEffect.VETO:
        return [say(N_("One block is enough to stop a proposal."))]
    if effect is BlockEffect.VETO_GROUP:
        groups = _join([group_name(g, names) for g in sorted(policy.veto_groups)])
        return [
            say(N_("A block from a member of %(groups)s stops it."), groups=groups),
            say(N_("Any other block counts as a vote to disagree.")),
        ]
    if effect is BlockEffect.OBJECTION:
        return [
            say(N_("A block is a serious objection.")),
            say(N_("It must be dropped or worked into the plan before it can pass.")),
        ]
    return [say(N_("A block counts as a vote to disagree."))]


def _open_sentence(policy: Policy) -> list[Said]:
    low, high = policy.min_open_hours, policy.max_open_hours
    if low and high:
        return [say(N_("It stays open for at least %(low)s and at most %(high)s."), low=_span(low), high=_span(high))]
    if low:
        return [say(N_("It stays open for at least %(low)s."), low=_span(low))]
    if high:
        return [say(N_("It closes after at most %(high)s."), high=_span(high))]
    return []


def _span(hours: int) -> Said:
    if hours % 24 == 0:
        return say_count("%(num)s day", "%(num)s days", hours // 24)
    return say_count("%(num)s hour", "%(num)s hours", hours)


def _join(parts: list[str]) -> str | Said:
    if len(parts) <= 1:
        return "".join(parts)
    return say(N_("%(first)s and %(last)s"), first=", ".join(parts[:-1]), last=parts[-1])
