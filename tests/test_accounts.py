"""Sign-in accounts and invitations live where the ledger lives: SQLite or PostgreSQL."""

from __future__ import annotations

import pytest

from ledger.config import LedgerConfig
from ledger.storage.side_store import SideStore
from tests.governance_world import World
from web.accounts import AccountError, AccountStore


def test_invitation_accept_and_sign_in_on_each_engine(world: World, config: LedgerConfig) -> None:
    store = AccountStore(SideStore(config, "accounts"), "a test secret")
    token = store.invite(world.member("amara"), world.collective)
    account = store.accept(token, "Amara", "a long passphrase")
    assert account.member_id == world.member("amara") and account.epoch == 1
    assert store.authenticate("amara", "a long passphrase").member_id == account.member_id, "names ignore case"
    with pytest.raises(AccountError, match="already been used"):
        store.accept(token, "amara2", "a long passphrase")
    other = store.invite(world.member("ben"), world.collective)
    with pytest.raises(AccountError, match="taken"):
        store.accept(other, "AMARA", "another long passphrase")
    assert store.by_member(world.member("ben")) is None, "a refused acceptance records nothing"
    assert store.accept(other, "ben", "another long passphrase").member_id == world.member("ben"), "nor uses the link"
    with pytest.raises(AccountError, match="do not match"):
        store.authenticate("amara", "wrong passphrase")
    store.close()
