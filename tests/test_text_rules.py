"""One rule for text in every field: what is refused, with a sentence, and that nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from ledger.governance.errors import Invalid
from ledger.governance.text import clean, currency
from tests.governance_world import World


@pytest.fixture
def backend() -> str:
    """Text rules are the same on every engine: SQLite is enough here."""
    return "sqlite"


BIDI_OVERRIDE = "Ama\u202eara"  # RIGHT-TO-LEFT OVERRIDE: makes a name read backwards
ZERO_WIDTH = "Ama\u200bra"
CONTROL = "Am\x07ara"


def _open(w: World) -> Any:
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title="Vans", body="Buy one.")
    w.gov.open_proposal(pid, by=w.facilitator)
    return pid


def _commands(w: World) -> dict[str, Callable[[str], Any]]:
    """Each command that takes a one-line field, with that field's value given."""
    g, c = w.gov, w.collective
    return {
        "member name": lambda v: g.admit_member(c, by=w.steward, name=v, contact="x@example.org", groups=["funders"]),
        "proposal title": lambda v: g.draft_proposal(c, by=w.member("amara"), category="budget", title=v, body="B."),
        "activity": lambda v: g.log_contribution(
            c, by=w.member("amara"), member_id=w.member("amara"), activity=v, minutes=30, on=date(2026, 11, 1)
        ),
        "reflection subject": lambda v: g.record_reflection(
            c, by=w.member("amara"), subject="period", subject_ref=v, worked="ok", did_not="", power="", actions=[]
        ),
    }


@pytest.mark.parametrize("bad", [BIDI_OVERRIDE, ZERO_WIDTH, CONTROL, "two\nlines"])
@pytest.mark.parametrize("field", ["member name", "proposal title", "activity", "reflection subject"])
def test_names_and_titles_refuse_invisible_characters_and_write_nothing(world: World, field: str, bad: str) -> None:
    size = world.gov.merkle_log.log_size()
    with pytest.raises(Invalid) as e:
        _commands(world)[field](bad)
    assert e.value.message.endswith(".") and "\n" not in e.value.message
    assert world.gov.merkle_log.log_size() == size, "a refused command writes nothing"


def test_long_text_keeps_line_breaks_but_refuses_control_characters(world: World) -> None:
    pid = _open(world)
    ben = world.member("ben")
    world.gov.cast_ballot(pid, member_id=ben, position="disagree", reason="First line.\nSecond line.")
    size = world.gov.merkle_log.log_size()
    for bad in ("a bell \x07 here", "a tab\there", "escape \x1b[31m red"):
        with pytest.raises(Invalid, match="hidden marks"):
            world.gov.cast_ballot(pid, member_id=ben, position="disagree", reason=bad)
    assert world.gov.merkle_log.log_size() == size


def test_the_same_rule_holds_for_every_field_in_the_text_checker() -> None:
    assert clean(" Amara\u0301 ", "name", limit=120) == "Amar\u00e1", "trimmed and NFC"
    assert clean("line one\r\nline two", "reason", limit=4000) == "line one\nline two"
    with pytest.raises(Invalid, match="one line"):
        clean("line one\nline two", "title", limit=200)
    with pytest.raises(Invalid, match="hidden mark"):
        clean("Emoji\u200dname", "name", limit=120)
    assert clean("Emoji \U0001f469\u200d\U0001f33e in a reason", "reason", limit=4000)  # joiners are fine in prose


@pytest.mark.parametrize("code", ["GBP", "eur", "USD"])
def test_currencies_are_iso_4217_codes(code: str) -> None:
    assert currency(code) == code.upper()


@pytest.mark.parametrize("code", ["XYZ", "POUNDS", "£", "GB", ""])
def test_a_currency_that_is_not_iso_4217_is_refused_with_a_sentence(code: str) -> None:
    with pytest.raises(Invalid, match="ISO 4217"):
        currency(code)


def test_an_offer_in_an_unknown_currency_is_refused_and_writes_nothing(world: World) -> None:
    g, amara = world.gov, world.member("amara")
    cid = g.log_contribution(
        world.collective, by=amara, member_id=amara, activity="Workshop", minutes=90, on=date(2026, 11, 1)
    )
    size = g.merkle_log.log_size()
    with pytest.raises(Invalid, match="ISO 4217"):
        g.offer_recognition(cid, by=world.steward, kind="payment", amount_minor=2500, currency="ABC", rate_table="v1")
    assert g.merkle_log.log_size() == size
    g.offer_recognition(cid, by=world.steward, kind="payment", amount_minor=2500, currency="gbp", rate_table="v1")


def test_an_empty_reflection_is_refused_not_signed_into_the_log(world: World) -> None:
    size = world.gov.merkle_log.log_size()
    with pytest.raises(Invalid, match="empty"):
        world.gov.record_reflection(
            world.collective,
            by=world.member("amara"),
            subject="period",
            subject_ref="October",
            worked="  ",
            did_not="",
            power="\n",
            actions=["", "  "],
        )
    assert world.gov.merkle_log.log_size() == size
