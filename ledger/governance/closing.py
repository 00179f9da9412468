"""The typed result of closing a proposal: what its Closed event records, and nothing else.

Its own module, importing only the decision rules, so the proposal aggregate can take
one without depending on the ballots and objections the tally reads (aggregates-alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import policies

Ref = tuple[str, int]  # an aggregate's id (hex) and the version of it counted


class MalformedResult(ValueError):
    """A recorded result that is not a closing result at all: a field missing or of the wrong kind."""


@dataclass(frozen=True)
class ClosingResult:
    """What a Closed event records: the outcome and everything needed to recompute it.

    Typed, so closing, the web and the verifier read named fields instead of keys;
    :meth:`payload` is the event's ``result`` field, byte for byte what it always was
    (the Closed event is signed, so its bytes must never change with the code).
    """

    outcome: policies.Outcome
    rule: str
    explanation: str
    figures: Mapping[str, int | str]
    policy_name: str
    policy_hash: str
    version_hash: str
    roster: tuple[tuple[str, tuple[str, ...]], ...]  # member hex, the voting groups they count in
    ballots: tuple[Ref, ...]
    objections: tuple[Ref, ...]
    stale_ballots: tuple[str, ...]  # members whose ballot answers an earlier version
    ballots_digest: str

    @property
    def adopted(self) -> bool:
        return self.outcome is policies.Outcome.ADOPTED

    def payload(self) -> dict[str, Any]:
        """The record as the Closed event carries it (JSON values, lists where the log has lists)."""
        return {
            "outcome": self.outcome.value,
            "rule": self.rule,
            "explanation": self.explanation,
            "figures": dict(sorted(self.figures.items())),
            "policy_name": self.policy_name,
            "policy_hash": self.policy_hash,
            "version_hash": self.version_hash,
            "roster": [[m, list(groups)] for m, groups in self.roster],
            "ballots": [[b, v] for b, v in self.ballots],
            "objections": [[o, v] for o, v in self.objections],
            "stale_ballots": list(self.stale_ballots),
            "ballots_digest": self.ballots_digest,
        }

    @classmethod
    def from_payload(cls, doc: Mapping[str, Any]) -> ClosingResult:
        """Read a recorded result back; :class:`MalformedResult` names the first field that is wrong.

        A verifier reads records an insider may have forged, so nothing is taken on trust:
        every field must be there and be of its kind.
        """
        try:
            return cls(
                outcome=_outcome(doc["outcome"]),
                rule=_text(doc, "rule"),
                explanation=_text(doc, "explanation"),
                figures=_figures(doc["figures"]),
                policy_name=_text(doc, "policy_name"),
                policy_hash=_text(doc, "policy_hash"),
                version_hash=_text(doc, "version_hash"),
                roster=tuple((_str(m), tuple(_str(g) for g in groups)) for m, groups in doc["roster"]),
                ballots=_refs(doc["ballots"]),
                objections=_refs(doc["objections"]),
                stale_ballots=tuple(_str(m) for m in doc["stale_ballots"]),
                ballots_digest=_text(doc, "ballots_digest"),
            )
        except KeyError as e:
            raise MalformedResult(f"it records no {e.args[0]}") from None
        except (TypeError, ValueError) as e:
            raise MalformedResult(str(e)) from None


def _outcome(value: Any) -> policies.Outcome:
    for outcome in policies.Outcome:
        if value == outcome.value:
            return outcome
    raise ValueError(f"its outcome is {value!r}, not one of {', '.join(o.value for o in policies.Outcome)}")


def _text(doc: Mapping[str, Any], key: str) -> str:
    value = doc[key]
    if not isinstance(value, str):
        raise TypeError(f"its {key} is {value!r}, not text")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def _figures(value: Any) -> Mapping[str, int | str]:
    if not isinstance(value, Mapping):
        raise TypeError(f"its figures are {value!r}, not a table of counts")
    figures: dict[str, int | str] = {}
    for k, v in sorted(value.items()):
        if not isinstance(v, int | str) or isinstance(v, bool):
            raise TypeError(f"its figure {k!r} is {v!r}, not a count")
        figures[_str(k)] = v
    return figures


def _refs(value: Any) -> tuple[Ref, ...]:
    refs = []
    for aggregate, version in value:
        if not isinstance(aggregate, str) or isinstance(version, bool) or not isinstance(version, int):
            raise TypeError(f"{[aggregate, version]!r} is not an aggregate id and a version")
        refs.append((aggregate, version))
    return tuple(refs)
