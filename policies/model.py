"""The value types of a decision: who may vote, what they said, which rule applies, what it decided.

Everything here is immutable and compares by value. Numbers that decide anything are
integers or `fractions.Fraction`, never floats, so that an auditor's verifier computes
exactly what the ledger computed.

A `Policy` checks itself when it is built (whether from a rule file or in code) and raises
`PolicyError` naming the field and the reason, so that an impossible or ambiguous rule
never reaches a vote.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from policies.errors import IN_CODE, PolicyError, show_value

__all__ = [
    "THRESHOLD_METHODS",
    "Ballot",
    "BlockEffect",
    "Decision",
    "Member",
    "Method",
    "Objection",
    "ObjectionStatus",
    "Outcome",
    "Policy",
    "Position",
]


class Position(enum.Enum):
    """What a member says about a proposal (DOMAIN.md, "Decisions")."""

    AGREE = "agree"
    #: "Happy for the group to decide without me."
    ABSTAIN = "abstain"
    #: "We can do better": recorded, does not stop the decision on its own.
    DISAGREE = "disagree"
    #: "I am not OK with this going ahead": what it does is the policy's `block_effect`.
    BLOCK = "block"


class Method(enum.Enum):
    """How a proposal is decided once quorum is met."""

    #: Passes when no one blocks and no paramount objection stands.
    CONSENT = "consent"
    #: Every participant agrees or abstains, and at least one agrees.
    CONSENSUS = "consensus"
    #: More than half of the votes for or against agree.
    MAJORITY = "majority"
    #: A stated share (above one half) of the votes for or against agree.
    SUPERMAJORITY = "supermajority"
    #: Every eligible member agrees.
    UNANIMITY = "unanimity"


#: The methods that compare an agree share with `Policy.threshold`.
THRESHOLD_METHODS = frozenset({Method.MAJORITY, Method.SUPERMAJORITY})


class BlockEffect(enum.Enum):
    """What a block does. Groups differ, so every policy states it; there is no default."""

    #: Any block stops the proposal (outcome BLOCKED).
    VETO = "veto"
    #: A block counts as a paramount objection: it stops the proposal until the blocker's
    #: paramount objection is withdrawn, integrated or (where allowed) overruled; once
    #: resolved, the block is counted as a disagree.
    OBJECTION = "objection"
    #: A block is counted as a disagree.
    DISAGREE = "disagree"
    #: A block from a member of one of `Policy.veto_groups` stops the proposal; any other
    #: block is counted as a disagree.
    VETO_GROUP = "veto_group"


class Outcome(enum.Enum):
    """What closing a proposal records."""

    ADOPTED = "adopted"
    NOT_ADOPTED = "not_adopted"
    NO_QUORUM = "no_quorum"
    BLOCKED = "blocked"
    OBJECTION_UNRESOLVED = "objection_unresolved"


class ObjectionStatus(enum.Enum):
    """Where an objection stands in the objection process (DOMAIN.md, "Objections")."""

    RAISED = "raised"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
    INTEGRATED = "integrated"
    UPHELD = "upheld"
    OVERRULED = "overruled"

    @property
    def unresolved(self) -> bool:
        """Still in the process: raised or answered, neither withdrawn, integrated nor ruled on."""
        return self in (ObjectionStatus.RAISED, ObjectionStatus.ANSWERED)


@dataclass(frozen=True)
class Member:
    """An eligible voter on the roster, with the stakeholder groups they belong to.

    A member may belong to several groups, or to none.
    """

    member_id: str
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.member_id, str) or not self.member_id:
            raise TypeError(f"member_id must be a non-empty string, got {self.member_id!r}")
        if isinstance(self.groups, str):
            raise TypeError(f"groups must be a set of group names, got the string {self.groups!r}")
        groups = frozenset(self.groups)
        if not all(isinstance(g, str) and g for g in groups):
            raise TypeError(f"groups must be non-empty strings, got {sorted(map(repr, groups))}")
        object.__setattr__(self, "groups", groups)


@dataclass(frozen=True)
class Ballot:
    """One member's position on one proposal, with their reason."""

    member_id: str
    position: Position
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.position, Position):
            raise TypeError(f"position must be a Position, got {self.position!r}")


@dataclass(frozen=True)
class Objection:
    """An objection raised by a member; only a `paramount` one can stop a decision."""

    objection_id: str
    member_id: str
    paramount: bool
    status: ObjectionStatus

    def __post_init__(self) -> None:
        if not isinstance(self.status, ObjectionStatus):
            raise TypeError(f"status must be an ObjectionStatus, got {self.status!r}")
        if not isinstance(self.paramount, bool):
            raise TypeError(f"paramount must be a bool, got {self.paramount!r}")


#: Group names a policy may mention: ASCII letters, digits, '_', '-', '.', starting with a
#: letter or digit. ASCII keeps the canonical JSON identical to RFC 8785 (see canonical.py).
GROUP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

#: Open times are whole hours up to ten years.
MAX_HOURS = 24 * 366 * 10

_DEFAULT_REASON_REQUIRED = frozenset({Position.DISAGREE, Position.BLOCK})


@dataclass(frozen=True)
class Policy:
    """A decision rule: a method and its parameters. See policies/README.md for the file format.

    Fields (the TOML key is the field name):

    - `name`: the policy's name, one line of text.
    - `method`: consent, consensus, majority, supermajority or unanimity.
    - `description`: what the rule means, in plain language, for the people it governs.
    - `block_effect`: what a block does (required: never an assumption).
    - `quorum`: the share of eligible members who must take part (0..1, "at least"). At
      least one member must take part whatever the quorum.
    - `group_quorum`: the share that must take part in every stakeholder group that has
      eligible members (0..1, "at least"); 0 means no per-group requirement.
    - `abstain_counts_for_quorum`: whether an abstention counts as taking part.
    - `threshold`: majority and supermajority only: the share of votes for or against
      (agree / (agree + disagree + blocks counted as disagree)) that must agree.
      Abstentions never count. Majority: exactly 1/2, strict (may be omitted).
      Supermajority: required, above 1/2 and at most 1.
    - `threshold_strict`: True: the share must be *more than* the threshold; False: *at
      least* the threshold. Majority: True. Supermajority: defaults to False.
    - `concurrent_majority`: majority and supermajority only: the threshold must also be met
      within every group whose participants cast a vote for or against.
    - `equal_group_voice`: majority and supermajority only: the agree share is the mean of
      the groups' agree shares, so each group counts equally whatever its size.
    - `group_weights`: majority and supermajority only, instead of `equal_group_voice`:
      the agree share is the mean of the groups' agree shares weighted by these positive
      fractions. A group without a weight has no voice in the weighted share.
    - `veto_groups`: the groups whose members' blocks stop a proposal; only with
      `block_effect = "veto_group"`, which requires at least one.
    - `reason_required_for`: positions that must come with a reason (by default disagree
      and block). The ledger enforces it when a ballot is cast; `decide` never reads
      reasons, which may be sealed or erased personal data.
    - `min_open_hours`, `max_open_hours`: how long a proposal stays open before it may be
      closed, and after which it must be closed (None: no limit).
    - `allow_overrule`, `overrule_process`: whether a paramount objection may be overruled
      and, if so, the process the agreement requires (e.g. "supermajority of the steering
      group"). An objection recorded as overruled under a policy that does not allow it
      still stops the decision.
    - `positions_private_until_close`: while the proposal is open, members see only how many
      took each position, not who or why (a block too is counted, not named); everything
      shows once it closes. Some groups agree this so that no one votes under others' eyes.
    """

    name: str
    method: Method
    description: str
    block_effect: BlockEffect
    quorum: Fraction = Fraction(0)
    group_quorum: Fraction = Fraction(0)
    abstain_counts_for_quorum: bool = True
    threshold: Fraction | None = None
    threshold_strict: bool | None = None
    concurrent_majority: bool = False
    equal_group_voice: bool = False
    group_weights: Mapping[str, Fraction] = field(default_factory=lambda: MappingProxyType({}))
    veto_groups: frozenset[str] = frozenset()
    reason_required_for: frozenset[Position] = _DEFAULT_REASON_REQUIRED
    min_open_hours: int = 0
    max_open_hours: int | None = None
    allow_overrule: bool = False
    overrule_process: str = ""
    positions_private_until_close: bool = False

    def __post_init__(self) -> None:
        self._check_text()
        self._check_enums()
        self._check_quorum()
        self._check_threshold()
        self._check_group_voice()
        self._check_blocks()
        self._check_reasons()
        self._check_open_hours()
        self._check_overrule()

    def __hash__(self) -> int:
        return hash(
            (
                self.name,
                self.method,
                self.description,
                self.block_effect,
                self.quorum,
                self.group_quorum,
                self.abstain_counts_for_quorum,
                self.threshold,
                self.threshold_strict,
                self.concurrent_majority,
                self.equal_group_voice,
                tuple(sorted(self.group_weights.items())),
                self.veto_groups,
                self.reason_required_for,
                self.min_open_hours,
                self.max_open_hours,
                self.allow_overrule,
                self.overrule_process,
                self.positions_private_until_close,
            )
        )

    @property
    def min_open_seconds(self) -> int:
        """The earliest a proposal under this policy may be closed, in seconds after opening."""
        return self.min_open_hours * 3600

    @property
    def max_open_seconds(self) -> int | None:
        """When a proposal under this policy must be closed, in seconds after opening."""
        return None if self.max_open_hours is None else self.max_open_hours * 3600

    def requires_reason(self, position: Position) -> bool:
        """Whether a ballot with this position must give a reason."""
        return position in self.reason_required_for

    # -- the checks, one per concern --------------------------------------------------------

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def _check_text(self) -> None:
        for name, required in (("name", True), ("description", True), ("overrule_process", False)):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise PolicyError(IN_CODE, name, f"must be text, got {show_value(value)}")
            value = unicodedata.normalize("NFC", value)
            if required and not value.strip():
                raise PolicyError(IN_CODE, name, "must not be empty")
            if any(_is_surrogate(ch) for ch in value):
                raise PolicyError(IN_CODE, name, "must be valid Unicode text")
            self._set(name, value)
        if any(unicodedata.category(ch) == "Cc" for ch in self.name):
            raise PolicyError(IN_CODE, "name", "must be one line without control characters")

    def _check_enums(self) -> None:
        for name, kind in (("method", Method), ("block_effect", BlockEffect)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise PolicyError(IN_CODE, name, f"must be one of {_choices(kind)}, got {show_value(value)}")

    def _check_quorum(self) -> None:
        _check_share(self.quorum, "quorum")
        _check_share(self.group_quorum, "group_quorum")
        _check_bool(self.abstain_counts_for_quorum, "abstain_counts_for_quorum")

    def _check_threshold(self) -> None:
        if self.threshold is not None:
            _check_share(self.threshold, "threshold")
        if self.threshold_strict is not None:
            _check_bool(self.threshold_strict, "threshold_strict")
        if self.method is Method.MAJORITY:
            if self.threshold not in (None, Fraction(1, 2)):
                raise PolicyError(
                    IN_CODE,
                    "threshold",
                    f'a majority is more than "1/2", got {show_value(self.threshold)}; '
                    'for another share use method "supermajority"',
                )
            if self.threshold_strict is False:
                raise PolicyError(
                    IN_CODE,
                    "threshold_strict",
                    "a majority is more than half, so it must be true; "
                    'for "at least" a share use method "supermajority"',
                )
            self._set("threshold", Fraction(1, 2))
            self._set("threshold_strict", True)
        elif self.method is Method.SUPERMAJORITY:
            if self.threshold is None:
                raise PolicyError(IN_CODE, "threshold", 'is required for a supermajority, e.g. "2/3"')
            if self.threshold <= Fraction(1, 2):
                raise PolicyError(
                    IN_CODE,
                    "threshold",
                    f'a supermajority must be above "1/2", got {show_value(self.threshold)}',
                )
            if self.threshold_strict is None:
                self._set("threshold_strict", False)
            if self.threshold == 1 and self.threshold_strict:
                raise PolicyError(
                    IN_CODE,
                    "threshold_strict",
                    'cannot be true with threshold "1": nothing is more than all',
                )
        else:
            for name in ("threshold", "threshold_strict"):
                if getattr(self, name) is not None:
                    raise PolicyError(IN_CODE, name, _only_for_thresholds(self.method))

    def _check_group_voice(self) -> None:
        _check_bool(self.concurrent_majority, "concurrent_majority")
        _check_bool(self.equal_group_voice, "equal_group_voice")
        if not isinstance(self.group_weights, Mapping):
            raise PolicyError(IN_CODE, "group_weights", f"must be a table, got {show_value(self.group_weights)}")
        weights: dict[str, Fraction] = {}
        for group in sorted(self.group_weights, key=str):
            weight = self.group_weights[group]
            _check_group_name(group, "group_weights")
            name = f"group_weights.{group}"
            if not isinstance(weight, Fraction) or weight <= 0:
                raise PolicyError(
                    IN_CODE,
                    name,
                    f'must be a positive fraction like "1/2" or a whole number, got {show_value(weight)}',
                )
            weights[group] = weight
        self._set("group_weights", MappingProxyType(weights))
        if self.method not in THRESHOLD_METHODS:
            for name in ("concurrent_majority", "equal_group_voice"):
                if getattr(self, name):
                    raise PolicyError(IN_CODE, name, _only_for_thresholds(self.method))
            if weights:
                raise PolicyError(IN_CODE, "group_weights", _only_for_thresholds(self.method))
        if self.equal_group_voice and weights:
            raise PolicyError(
                IN_CODE,
                "group_weights",
                "cannot be combined with equal_group_voice = true: "
                "equal voice already gives every group the same weight",
            )

    def _check_blocks(self) -> None:
        if not isinstance(self.veto_groups, frozenset):
            raise PolicyError(
                IN_CODE,
                "veto_groups",
                f"must be a set of group names, got {show_value(self.veto_groups)}",
            )
        for group in sorted(self.veto_groups, key=str):
            _check_group_name(group, "veto_groups")
        if self.block_effect is BlockEffect.VETO_GROUP and not self.veto_groups:
            raise PolicyError(
                IN_CODE,
                "veto_groups",
                'must name at least one group when block_effect is "veto_group"',
            )
        if self.veto_groups and self.block_effect is not BlockEffect.VETO_GROUP:
            raise PolicyError(
                IN_CODE,
                "veto_groups",
                f'only applies when block_effect is "veto_group", but it is "{self.block_effect.value}"',
            )
        if self.method is Method.CONSENT and self.block_effect not in (
            BlockEffect.OBJECTION,
            BlockEffect.VETO,
        ):
            raise PolicyError(
                IN_CODE,
                "block_effect",
                "under consent a block must be able to stop the proposal: "
                f'use "objection" or "veto", got "{self.block_effect.value}"',
            )

    def _check_reasons(self) -> None:
        positions = self.reason_required_for
        if not isinstance(positions, frozenset) or not all(isinstance(p, Position) for p in positions):
            raise PolicyError(IN_CODE, "reason_required_for", f"must be a set of positions ({_choices(Position)})")

    def _check_open_hours(self) -> None:
        _check_hours(self.min_open_hours, "min_open_hours", lowest=0)
        if self.max_open_hours is not None:
            _check_hours(self.max_open_hours, "max_open_hours", lowest=1)
            if self.min_open_hours > self.max_open_hours:
                raise PolicyError(
                    IN_CODE,
                    "max_open_hours",
                    f"must be at least min_open_hours ({self.min_open_hours}), got {self.max_open_hours}",
                )

    def _check_overrule(self) -> None:
        _check_bool(self.allow_overrule, "allow_overrule")
        if self.allow_overrule and not self.overrule_process.strip():
            raise PolicyError(
                IN_CODE,
                "overrule_process",
                "must name the process the agreement requires when allow_overrule is true, "
                'e.g. "supermajority of the steering group"',
            )
        if not self.allow_overrule and self.overrule_process:
            raise PolicyError(IN_CODE, "overrule_process", "only applies when allow_overrule is true")


@dataclass(frozen=True)
class Decision:
    """What a policy decided, and why.

    - `outcome`: the result.
    - `rule`: the policy field that decided it (e.g. "group_quorum", "threshold", "method").
    - `explanation`: one or two plain-language sentences with the numbers.
    - `figures`: the counts behind it, keys in sorted order (see decide.py for the keys).
    """

    outcome: Outcome
    explanation: str
    rule: str
    figures: Mapping[str, int | str]

    def __post_init__(self) -> None:
        figures = dict(sorted(self.figures.items()))
        object.__setattr__(self, "figures", MappingProxyType(figures))

    def __hash__(self) -> int:
        return hash((self.outcome, self.explanation, self.rule, tuple(self.figures.items())))


# -- helpers shared by the checks ------------------------------------------------------------


def _choices(kind: type[enum.Enum]) -> str:
    return ", ".join(f'"{member.value}"' for member in kind)


def _only_for_thresholds(method: Method) -> str:
    return f'only applies to methods "majority" and "supermajority", not "{method.value}"'


def _is_surrogate(ch: str) -> bool:
    return 0xD800 <= ord(ch) <= 0xDFFF


def _check_share(value: object, name: str) -> None:
    if not isinstance(value, Fraction) or not 0 <= value <= 1:
        raise PolicyError(IN_CODE, name, f'must be a fraction between 0 and 1 like "2/3", got {show_value(value)}')


def _check_bool(value: object, name: str) -> None:
    if not isinstance(value, bool):
        raise PolicyError(IN_CODE, name, f"must be true or false, got {show_value(value)}")


def _check_hours(value: object, name: str, *, lowest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= MAX_HOURS:
        raise PolicyError(
            IN_CODE,
            name,
            f"must be a whole number of hours from {lowest} to {MAX_HOURS}, got {show_value(value)}",
        )


def _check_group_name(group: object, name: str) -> None:
    if not isinstance(group, str) or not GROUP_NAME.fullmatch(group):
        raise PolicyError(
            IN_CODE,
            name,
            "group names are ASCII letters, digits, '_', '-' and '.', "
            f"starting with a letter or digit, got {show_value(group)}",
        )
