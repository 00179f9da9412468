"""Server-side sessions: signing out, idle and absolute limits, a new id at sign-in, forgetting an account.

Each test takes the cookie a browser holds and replays it the way someone who copied it
would, through Flask's test client over a real ledger and side store.
"""

from __future__ import annotations

import hashlib

import pytest
from flask.testing import FlaskClient

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from tests.web_support import MovableClock, Person, Site, make_site, open_proposal

COOKIE = "copro_session"
HOUR = 3600.0


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def site(gov: Governance, config: LedgerConfig, clock: MovableClock) -> Site:
    return make_site(gov, config, COPRO_CLOCK=clock)


def cookie_of(person: Person) -> str:
    found = person.client.get_cookie(COOKIE)
    assert found is not None, "the browser holds a session cookie"
    return found.value


def thief_with(site: Site, cookie: str) -> Person:
    """Someone else's browser carrying a copy of a cookie."""
    thief = Person(site, None)
    thief.client.set_cookie(COOKIE, cookie)
    return thief


def is_sent_to_sign_in(client: FlaskClient, path: str) -> bool:
    r = client.get(path)
    return r.status_code == 302 and "/signin" in r.headers["Location"]


def vote(person: Person, site: Site, pid: object, position: str, token: str | None = None) -> int:
    data = {"position": position} if token is None else {"position": position, "csrf_token": token}
    return int(person.post(site.url("/proposals/{p}/position", p=pid), data).status_code)


# -- signing out -----------------------------------------------------------------------------


def test_a_cookie_copied_before_sign_out_gets_the_sign_in_page_and_cannot_change_a_vote(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    assert vote(amara, site, pid, "agree") == 303
    copied, token = cookie_of(amara), amara.token

    amara.post("/signout")

    thief = thief_with(site, copied)
    assert is_sent_to_sign_in(thief.client, site.url("/"))
    assert vote(thief, site, pid, "block", token) in (302, 400)
    ballot = site.world.gov.ballot_of(pid, site.world.member("amara"))
    assert ballot is not None and ballot.position == "agree", "the copied cookie changed nothing"


def test_the_side_store_keeps_only_a_hash_of_the_session_id(site: Site) -> None:
    amara = Person(site, "amara")
    session_id = cookie_of(amara)
    assert len(session_id) >= 43, "32 random bytes, URL-safe"
    rows = site.copro.accounts.sessions._db.execute("SELECT id_hash, member_id FROM copro_sessions").fetchall()
    stored = {row[0]: row[1] for row in rows}
    assert session_id not in stored
    assert stored[hashlib.sha256(session_id.encode()).hexdigest()] == site.world.member("amara").hex


def test_the_csrf_token_dies_with_the_session(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    old_token = amara.token
    amara.post("/signout")
    username, passphrase = site.account_for("amara")
    amara.get("/signin")
    amara.post("/signin", {"username": username, "passphrase": passphrase})
    assert vote(amara, site, pid, "agree", old_token) == 400, "a token from the ended session is refused"
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


# -- a new id at sign-in (no fixation) -----------------------------------------------------


def test_signing_in_gives_a_new_session_id_so_a_planted_one_stays_signed_out(site: Site) -> None:
    victim = Person(site, None)
    victim.get("/signin")
    planted = cookie_of(victim)  # an attacker who set this id in the victim's browser knows it
    username, passphrase = site.account_for("amara")
    r = victim.post("/signin", {"username": username, "passphrase": passphrase})
    assert r.status_code == 303
    assert cookie_of(victim) != planted
    assert not is_sent_to_sign_in(victim.client, site.url("/"))
    assert is_sent_to_sign_in(thief_with(site, planted).client, site.url("/"))


def test_accepting_an_invitation_gives_a_new_session_id(site: Site) -> None:
    newcomer = Person(site, None)
    path = site.invitation("ben")
    newcomer.get(path)
    planted = cookie_of(newcomer)
    words = "ben's own long passphrase"
    r = newcomer.post(path, {"username": "ben", "passphrase": words, "confirm": words})
    assert r.status_code == 303
    assert cookie_of(newcomer) != planted
    assert not is_sent_to_sign_in(newcomer.client, site.url("/"))
    assert is_sent_to_sign_in(thief_with(site, planted).client, site.url("/"))


def test_setting_a_new_passphrase_ends_every_other_session(site: Site) -> None:
    laptop = Person(site, "amara")
    phone = Person(site, None)
    path = site.invitation("amara")
    phone.get(path)
    words = "a brand new passphrase for amara"
    assert phone.post(path, {"username": "amara", "passphrase": words, "confirm": words}).status_code == 303
    assert is_sent_to_sign_in(laptop.client, site.url("/"))
    assert not is_sent_to_sign_in(phone.client, site.url("/"))


# -- idle and absolute limits ----------------------------------------------------------------


def test_two_idle_hours_sign_a_member_out(site: Site, clock: MovableClock) -> None:
    amara = Person(site, "amara")
    clock.advance(2 * HOUR - 60)
    assert not is_sent_to_sign_in(amara.client, site.url("/")), "still signed in just before two idle hours"
    for _ in range(3):
        clock.advance(2 * HOUR - 60)
        assert not is_sent_to_sign_in(amara.client, site.url("/")), "each visit restarts the idle time"
    clock.advance(2 * HOUR)
    r = amara.client.get(site.url("/"))
    assert r.status_code == 302 and "/signin" in r.headers["Location"] and "ended=1" in r.headers["Location"]
    assert "Sign in again to carry on" in amara.client.get(r.headers["Location"]).text, "the page says what happened"


def test_activity_never_stretches_a_session_past_twelve_hours(site: Site, clock: MovableClock) -> None:
    amara = Person(site, "amara")
    for _ in range(11):
        clock.advance(HOUR)
        assert not is_sent_to_sign_in(amara.client, site.url("/"))
    clock.advance(HOUR - 1)
    assert not is_sent_to_sign_in(amara.client, site.url("/"))
    clock.advance(1)
    assert is_sent_to_sign_in(amara.client, site.url("/")), "twelve hours after sign-in, however busy"


def test_the_limits_come_from_configuration(gov: Governance, config: LedgerConfig, clock: MovableClock) -> None:
    site = make_site(gov, config, COPRO_CLOCK=clock, COPRO_SESSION_IDLE=600, COPRO_SESSION_MAX=1800)
    amara = Person(site, "amara")
    clock.advance(599)
    assert not is_sent_to_sign_in(amara.client, site.url("/"))
    clock.advance(600)
    assert is_sent_to_sign_in(amara.client, site.url("/"))
    ben = Person(site, "ben")
    for _ in range(3):
        clock.advance(590)
        assert not is_sent_to_sign_in(ben.client, site.url("/"))
    clock.advance(30)
    assert is_sent_to_sign_in(ben.client, site.url("/")), "1800 seconds after sign-in"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("COPRO_SESSION_IDLE", "two hours", "whole number of seconds"),
        ("COPRO_SESSION_MAX", "5", "at least 60"),
        ("COPRO_SESSION_IDLE", "86400", "longer than COPRO_SESSION_MAX"),
    ],
)
def test_a_bad_session_setting_is_one_sentence_not_a_traceback(
    gov: Governance, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    from ledger.log.errors import ConfigurationError

    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=says):
        make_site(gov, config)


# -- forgetting an account -------------------------------------------------------------------


def test_after_forget_the_old_cookie_gets_the_sign_in_page_and_the_account_cannot_sign_in(site: Site) -> None:
    amara = Person(site, "amara")
    copied = cookie_of(amara)
    username, passphrase = site.account_for("amara")

    site.copro.accounts.forget(site.world.member("amara"))

    assert is_sent_to_sign_in(thief_with(site, copied).client, site.url("/"))
    assert is_sent_to_sign_in(amara.client, site.url("/"))
    again = Person(site, None)
    again.get("/signin")
    r = again.post("/signin", {"username": username, "passphrase": passphrase})
    assert r.status_code == 401 and "do not match" in r.text
