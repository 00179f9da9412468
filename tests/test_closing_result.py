"""The closing result is a typed value, and the Closed event still carries exactly the bytes it always did.

The Closed event is signed, so its ``result`` object must not change by a byte when the
code that builds it does: FORMAT.md §8 fixes its fields and their JSON shapes. A
verifier reads results an insider may have forged, so one that is not a closing result
at all is named, not crashed on.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.governance.closing import ClosingResult, MalformedResult
from ledger.governance.recompute import Mismatch
from ledger.log.canonical import canonical_dumps
from policies import Outcome
from tests.governance_world import World
from tests.test_recompute import forged
from tests.test_recorded_outcomes import agree, question

KNOWN = ClosingResult(
    outcome=Outcome.NO_QUORUM,
    rule="quorum",
    explanation="No quorum.",
    figures={"took_part": 1, "eligible": 4},
    policy_name="quick-consent",
    policy_hash="sha256:p",
    version_hash="sha256:v",
    roster=(("m1", ("lived_experience",)), ("m2", ("lived_experience", "researchers"))),
    ballots=(("b1", 2),),
    objections=(),
    stale_ballots=("m2",),
    ballots_digest="sha256:d",
)
KNOWN_BYTES = (
    b'{"ballots":[["b1",2]],"ballots_digest":"sha256:d","explanation":"No quorum.",'
    b'"figures":{"eligible":4,"took_part":1},"objections":[],"outcome":"no_quorum",'
    b'"policy_hash":"sha256:p","policy_name":"quick-consent",'
    b'"roster":[["m1",["lived_experience"]],["m2",["lived_experience","researchers"]]],'
    b'"rule":"quorum","stale_ballots":["m2"],"version_hash":"sha256:v"}'
)


def test_a_closing_result_serialises_to_the_fields_and_shapes_format_md_fixes() -> None:
    assert canonical_dumps(KNOWN.payload()) == KNOWN_BYTES


def test_a_closing_result_reads_back_from_its_payload_unchanged() -> None:
    assert ClosingResult.from_payload(KNOWN.payload()) == KNOWN


def test_the_closed_event_stores_the_payload_of_the_result_close_returns(world: World) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    result = w.gov.close_proposal(pid, by=w.facilitator)
    assert isinstance(result, ClosingResult) and result.adopted
    closed = w.gov.recorder.select_events(pid)[-1]
    assert closed.topic == "copro/1/Proposal.Closed"
    assert b'"result":' + canonical_dumps(result.payload()) + b"," in closed.state, "the signed bytes carry the payload"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"outcome": "postponed"},
            "its outcome is 'postponed', not one of adopted, not_adopted, no_quorum, blocked, objection_unresolved",
        ),
        ({"figures": "many"}, "its figures are 'many', not a table of counts"),
        ({"ballots": [["b1", "2"]]}, "['b1', '2'] is not an aggregate id and a version"),
        ({"ballots_digest": None}, "its ballots_digest is None, not text"),
    ],
)
def test_a_recorded_result_of_the_wrong_shape_is_named_not_crashed_on(
    world: World, change: dict[str, Any], reason: str
) -> None:
    _, mismatch = forged(world, **change)
    assert isinstance(mismatch, Mismatch)
    assert mismatch.reason == f"the outcome it records is not a closing result: {reason}"


def test_a_recorded_result_missing_a_field_says_which() -> None:
    payload = KNOWN.payload()
    del payload["stale_ballots"]
    with pytest.raises(MalformedResult, match=r"^it records no stale_ballots$"):
        ClosingResult.from_payload(payload)
