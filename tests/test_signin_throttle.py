"""Sign-in throttling: per account as well as per address, and fair to members behind one proxy.

Addresses are set the way a server sees them (REMOTE_ADDR), and proxy headers are sent
the way a client or a proxy would; the counters live in the side store.
"""

from __future__ import annotations

import pytest

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from ledger.personal.side_store import SideStore
from tests.governance_world import World
from tests.web_support import MovableClock, Person, Site, make_site
from web import throttle
from web.accounts import AccountError, AccountStore, TooManyAttempts

PROXY = "10.0.0.5"  # a reverse proxy every member's request arrives through
WRONG = "not the right passphrase"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def build(gov: Governance, config: LedgerConfig, clock: MovableClock, **overrides: object) -> Site:
    return make_site(gov, config, COPRO_CLOCK=clock, **overrides)


def attempt(person: Person, username: str, passphrase: str, **headers: str) -> int:
    if not person.token:
        person.get("/signin")
    return int(person.post("/signin", {"username": username, "passphrase": passphrase}, headers=headers).status_code)


sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])  # the web tier; the store runs on both engines below


@sqlite_only
def test_one_members_wrong_guesses_never_lock_another_member_out_behind_the_same_proxy(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock)
    site.account_for("amara")
    ben_name, ben_passphrase = site.account_for("ben")
    amara = Person(site, None, address=PROXY)
    codes = [attempt(amara, "amara", WRONG) for _ in range(30)]
    assert codes[: throttle.PER_ADDRESS_AND_NAME] == [401] * throttle.PER_ADDRESS_AND_NAME
    assert set(codes[throttle.PER_ADDRESS_AND_NAME :]) == {429}, "amara is stopped after a few tries"
    ben = Person(site, None, address=PROXY)
    assert attempt(ben, ben_name, ben_passphrase) == 303, "ben, at the same address, signs in"


@sqlite_only
def test_a_throttled_sign_in_says_how_long_to_wait_and_is_not_checked_even_when_right(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock)
    username, passphrase = site.account_for("amara")
    person = Person(site, None)
    for _ in range(throttle.PER_ADDRESS_AND_NAME):
        attempt(person, username, WRONG)
    clock.advance(5 * 60)
    r = person.post("/signin", {"username": username, "passphrase": passphrase})
    assert r.status_code == 429
    assert "Too many wrong passphrases in a short time. Wait 10 minutes, then try again." in r.text
    assert r.headers["Retry-After"] == "600"
    clock.advance(10 * 60)
    assert attempt(person, username, passphrase) == 303, "after the wait the right passphrase works"


@sqlite_only
def test_spreading_guesses_over_many_addresses_does_not_help_against_one_account(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock, COPRO_TRUSTED_PROXIES="1")
    username, passphrase = site.account_for("amara")
    person = Person(site, None, address=PROXY)
    codes = [
        attempt(person, username, WRONG, **{"X-Forwarded-For": f"203.0.113.{i}"}) for i in range(throttle.PER_NAME)
    ]
    assert codes == [401] * throttle.PER_NAME, "each address made only one guess"
    assert attempt(person, username, passphrase, **{"X-Forwarded-For": "198.51.100.7"}) == 429
    other = Person(site, None, address=PROXY)
    ben_name, ben_passphrase = site.account_for("ben")
    assert attempt(other, ben_name, ben_passphrase, **{"X-Forwarded-For": "203.0.113.1"}) == 303


@sqlite_only
def test_a_spoofed_forwarded_for_header_is_ignored_without_configured_proxies(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock)
    username, _ = site.account_for("amara")
    person = Person(site, None, address="192.0.2.10")
    codes = [
        attempt(person, username, WRONG, **{"X-Forwarded-For": f"203.0.113.{i}"})
        for i in range(throttle.PER_ADDRESS_AND_NAME + 1)
    ]
    assert codes[-1] == 429, "every guess counted against the real address"
    keys = {row[0] for row in site.copro.accounts.throttle._db.execute("SELECT key FROM copro_signin_failures")}
    assert not any("203.0.113" in key for key in keys)


@sqlite_only
def test_forwarded_for_is_read_only_from_a_listed_proxy(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock, COPRO_TRUSTED_PROXIES=f"{PROXY}, 10.1.0.0/16")
    username, _ = site.account_for("amara")
    through_proxy = Person(site, None, address=PROXY)
    for i in range(throttle.PER_ADDRESS_AND_NAME + 1):
        assert attempt(through_proxy, username, WRONG, **{"X-Forwarded-For": f"203.0.113.{i}, 10.1.2.3"}) == 401
    direct = Person(site, None, address="192.0.2.10")
    codes = [
        attempt(direct, "ben", WRONG, **{"X-Forwarded-For": f"198.51.100.{i}"})
        for i in range(throttle.PER_ADDRESS_AND_NAME + 1)
    ]
    assert codes[-1] == 429, "a client that is not a listed proxy cannot choose its address"


@sqlite_only
@pytest.mark.parametrize("setting", ["many", "10.0.0.300", "11"])
def test_a_bad_trusted_proxies_setting_is_one_sentence(
    gov: Governance, config: LedgerConfig, clock: MovableClock, setting: str
) -> None:
    with pytest.raises(ConfigurationError, match="COPRO_TRUSTED_PROXIES"):
        build(gov, config, clock, COPRO_TRUSTED_PROXIES=setting)


@sqlite_only
def test_one_address_trying_many_names_meets_a_generous_ceiling(
    gov: Governance, config: LedgerConfig, clock: MovableClock
) -> None:
    site = build(gov, config, clock)
    username, passphrase = site.account_for("amara")
    sprayer = Person(site, None, address="192.0.2.66")
    names_needed = throttle.PER_ADDRESS // throttle.PER_ADDRESS_AND_NAME
    # The first names' failures are counted straight in the store (argon2 for each would only slow the test).
    for n in range(names_needed - 1):
        for _ in range(throttle.PER_ADDRESS_AND_NAME):
            site.copro.accounts.throttle.failed("192.0.2.66", f"guess{n}", clock())
    for _ in range(throttle.PER_ADDRESS_AND_NAME):
        assert attempt(sprayer, "lastguess", WRONG) == 401, "below the ceiling, each name gets its own tries"
    assert attempt(sprayer, "someone-new", WRONG) == 429
    assert attempt(Person(site, None, address="192.0.2.67"), username, passphrase) == 303


@sqlite_only
def test_only_failures_count(gov: Governance, config: LedgerConfig, clock: MovableClock) -> None:
    site = build(gov, config, clock)
    username, passphrase = site.account_for("amara")
    codes = [attempt(Person(site, None), username, passphrase) for _ in range(throttle.PER_NAME + 2)]
    assert codes == [303] * (throttle.PER_NAME + 2)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_every_web_process_shares_the_counters_on_each_engine(world: World, config: LedgerConfig) -> None:
    """Two AccountStores on their own connections stand for two stateless web processes."""
    first = AccountStore(SideStore(config, "accounts"), "a test secret")
    second = AccountStore(SideStore(config, "accounts"), "a test secret")
    token = first.invite(world.member("amara"), world.collective)
    first.accept(token, "amara", "a long enough passphrase")
    now = 1_800_000_000.0
    for i in range(throttle.PER_NAME):
        store = first if i % 2 else second
        with pytest.raises(AccountError, match="do not match"):
            store.authenticate("amara", WRONG, address=f"203.0.113.{i}", now=now)
    for store in (first, second):
        with pytest.raises(TooManyAttempts):
            store.authenticate("amara", "a long enough passphrase", address="198.51.100.1", now=now + 1)
    assert first.authenticate("amara", "a long enough passphrase", address="198.51.100.1", now=now + throttle.WINDOW)
    first.close()
    second.close()
