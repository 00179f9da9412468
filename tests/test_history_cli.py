"""``copro show --as-of TIME KIND ID``: time travel on the live ledger, from the log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from ledger.log.config import LedgerConfig
from tests.governance_world import World
from tests.helpers import run_cli


def revised_proposal(world: World) -> tuple[UUID, datetime]:
    """A proposal drafted, then revised; and a moment between the two."""
    gov = world.gov
    pid = gov.draft_proposal(
        world.collective,
        by=world.facilitator,
        category="research_question",
        title="Study peer support groups",
        body="We study peer support groups in three towns.",
    )
    between = datetime.now(UTC)
    gov.revise_proposal(
        pid, by=world.facilitator, title="Study peer support online", body="We study online peer support groups."
    )
    return pid, between


def test_a_proposal_as_of_a_moment_before_its_revision_shows_the_old_text(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pid, between = revised_proposal(world)
    code, out, err = run_cli(config, monkeypatch, capsys, "show", "--as-of", between.isoformat(), "proposal", str(pid))
    assert (code, err) == (0, "")
    assert "We study peer support groups in three towns." in out
    assert "Study peer support groups" in out
    assert "online" not in out
    assert re.search(r"^Version: +1 of 2,", out, re.M)
    assert re.search(r"^Text version: +1 ", out, re.M)


def test_a_proposal_shown_now_has_the_revised_text(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pid, _ = revised_proposal(world)
    code, out, _ = run_cli(config, monkeypatch, capsys, "show", "proposal", str(pid))
    assert code == 0
    assert "We study online peer support groups." in out
    assert "three towns" not in out


def test_a_member_shown_on_the_live_ledger_has_their_name_revealed(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    code, out, _ = run_cli(config, monkeypatch, capsys, "show", "--as-of", later, "member", str(world.member("amara")))
    assert code == 0
    assert "Member:" in out and "Amara" in out


@pytest.mark.parametrize(
    ("moment", "says"),
    [
        ("yesterday", "is not a date or time"),
        ("2026-13-45", "is not a date or time"),
        ("2026-11-02T10:00:00", "has no time zone"),
        ("0001-01-01T00:00:00+01:00", "is outside the years 1 to 9999"),
        ("9999-12-31T23:59:59-01:00", "is outside the years 1 to 9999"),
    ],
)
def test_a_bad_time_gets_one_sentence_and_exit_2(
    world: World,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    moment: str,
    says: str,
) -> None:
    code, out, err = run_cli(
        config, monkeypatch, capsys, "show", "--as-of", moment, "collective", str(world.collective)
    )
    assert (code, out) == (2, "")
    assert says in err and err.count("\n") == 1


def test_an_unknown_id_gets_one_sentence_and_exit_2(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = uuid4()
    code, out, err = run_cli(config, monkeypatch, capsys, "show", "proposal", str(missing))
    assert (code, out) == (2, "")
    assert err == f"copro: There is no proposal with the id {missing} in this ledger.\n"


def test_an_id_of_another_kind_is_refused_with_what_it_is(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(config, monkeypatch, capsys, "show", "proposal", str(world.collective))
    assert code == 2
    assert err == f"copro: {world.collective} is a collective, not a proposal.\n"


def test_a_moment_before_the_collective_was_founded_says_it_did_not_exist_yet(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        config, monkeypatch, capsys, "show", "--as-of", "2000-01-01", "collective", str(world.collective)
    )
    assert code == 2
    assert "did not exist yet on 01 January 2000" in err and err.count("\n") == 1


def test_a_moment_in_a_year_before_1000_is_compared_as_a_time_not_as_text(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        config, monkeypatch, capsys, "show", "--as-of", "0999-06-01", "collective", str(world.collective)
    )
    assert code == 2
    assert "did not exist yet on 01 June 999" in err
