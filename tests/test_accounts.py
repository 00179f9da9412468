"""Sign-in accounts and invitations live where the ledger lives: SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Iterator

import psycopg
import pytest

from ledger.log.config import LedgerConfig
from ledger.personal.side_store import SideStore
from tests.governance_world import World
from web import names
from web.accounts import AccountError, AccountStore

NOW = 1_800_000_000.0
HERE = "192.0.2.1"


@pytest.fixture
def store(config: LedgerConfig) -> Iterator[AccountStore]:
    accounts = AccountStore(SideStore(config, "accounts"), "a test secret")
    yield accounts
    accounts.close()


def sign_in(store: AccountStore, username: str, passphrase: str) -> object:
    return store.authenticate(username, passphrase, address=HERE, now=NOW)


def test_invitation_accept_and_sign_in_on_each_engine(world: World, store: AccountStore) -> None:
    token = store.invite(world.member("amara"), world.collective)
    account = store.accept(token, "Amara", "a long passphrase")
    assert account.member_id == world.member("amara") and account.epoch == 1
    assert sign_in(store, "amara", "a long passphrase").member_id == account.member_id, "names ignore case"  # type: ignore[attr-defined]
    with pytest.raises(AccountError, match="already been used"):
        store.accept(token, "amara2", "a long passphrase")
    other = store.invite(world.member("ben"), world.collective)
    with pytest.raises(AccountError, match="taken"):
        store.accept(other, "AMARA", "another long passphrase")
    assert store.by_member(world.member("ben")) is None, "a refused acceptance records nothing"
    assert store.accept(other, "ben", "another long passphrase").member_id == world.member("ben"), "nor uses the link"
    with pytest.raises(AccountError, match="do not match"):
        sign_in(store, "amara", "wrong passphrase")


# -- passphrases -------------------------------------------------------------------------------


def test_a_passphrase_set_in_one_unicode_form_signs_in_typed_in_the_other(world: World, store: AccountStore) -> None:
    composed = "crème brûlée à la maison"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    store.accept(store.invite(world.member("amara"), world.collective), "amara", decomposed)
    assert sign_in(store, "amara", composed)
    store.accept(store.invite(world.member("ben"), world.collective), "ben", composed)
    assert sign_in(store, "ben", decomposed)


@pytest.mark.parametrize(
    ("passphrase", "because"),
    [
        ("eleven char", "at least 12 characters"),
        ("password1234", "very common password"),
        ("qwertyuiop[]", "row of keys"),
        ("amara okafor 1", "built from your sign-in name or your own name"),
        ("amara1234567", "built from your sign-in name or your own name"),
        ("amara okafor dog", "built from your sign-in name or your own name"),  # zxcvbn, given the names
        ("Okafor_Amara_", "built from your sign-in name or your own name"),
    ],
)
def test_weak_passphrases_are_refused_saying_why_and_what_to_do(
    world: World, store: AccountStore, passphrase: str, because: str
) -> None:
    token = store.invite(world.member("amara"), world.collective)
    with pytest.raises(AccountError, match=because) as refused:
        store.accept(token, "amara", passphrase, known_names=["Amara Okafor"])
    assert "Choose" in str(refused.value), "the sentence says what to do"
    assert store.by_member(world.member("amara")) is None
    assert store.accept(token, "amara", "tangerine lighthouse wobble").username == "amara", "the link still works"


# -- sign-in names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "lookalike"),
    [
        ("amara", "\u0430mara"),  # Cyrillic small a
        ("amara", "\u0410MARA"),  # Cyrillic capital A, and case folded
        ("mary", "rnary"),  # m and rn, per confusables.txt
        ("lan", "Ian"),  # capital I and small l
        ("ben0", "benO"),  # digit zero and capital O
    ],
)
def test_a_sign_in_name_that_looks_like_a_taken_one_is_refused_on_each_engine(
    world: World, store: AccountStore, first: str, lookalike: str
) -> None:
    store.accept(store.invite(world.member("amara"), world.collective), first, "a long enough passphrase")
    with pytest.raises(AccountError, match="looks too much like one"):
        store.accept(store.invite(world.member("ben"), world.collective), lookalike, "another long passphrase")
    assert store.by_member(world.member("ben")) is None


def test_the_skeleton_column_is_unique_in_the_database_itself(world: World, store: AccountStore) -> None:
    store.accept(store.invite(world.member("amara"), world.collective), "amara", "a long enough passphrase")
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.UniqueViolation)):
        store._db.execute(
            "INSERT INTO copro_accounts (member_id, collective_id, username, username_key, passphrase_hash, epoch, "
            "username_skeleton) VALUES ('x', 'y', '\u0430mara', '\u0430mara', 'h', 1, ?)",
            (names.confusable_key("amara"),),
        )


def test_the_skeleton_is_the_uts39_one() -> None:
    assert names.skeleton("m") == "rn"
    assert names.skeleton("\u0430") == "a"
    assert names.skeleton("\u00e9") == "e\u0301", "NFD before and after the mapping"
    assert names.skeleton("paypal") == names.skeleton("p\u0430yp\u0430l")


@pytest.mark.parametrize(
    "name", ["ama\u202era", "am\u200bara", "am\u200dara", "\u2066amara\u2069", "ama\ufeffra"], ids=repr
)
def test_invisible_and_direction_changing_characters_are_refused_in_sign_in_names(
    world: World, store: AccountStore, name: str
) -> None:
    token = store.invite(world.member("amara"), world.collective)
    with pytest.raises(AccountError, match="hidden character"):
        store.accept(token, name, "a long enough passphrase")


def test_names_in_any_script_are_welcome(world: World, store: AccountStore) -> None:
    token = store.invite(world.member("amara"), world.collective)
    assert store.accept(token, "Ngozi.Ọkafọ", "a long enough passphrase").username == "Ngozi.Ọkafọ"
    assert sign_in(store, "ngozi.ọkafọ", "a long enough passphrase")
    other = store.invite(world.member("ben"), world.collective)
    assert store.accept(other, "Дмитрий", "another long passphrase").username == "Дмитрий"


def test_accounts_made_before_skeletons_get_theirs(world: World, config: LedgerConfig) -> None:
    side = SideStore(config, "accounts")
    side.execute(
        "CREATE TABLE copro_accounts (member_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
        "username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE, passphrase_hash TEXT NOT NULL, "
        "epoch INTEGER NOT NULL)"
    )
    side.execute(
        "INSERT INTO copro_accounts VALUES (?, ?, 'amara', 'amara', 'not-a-hash', 1)",
        (world.member("amara").hex, world.collective.hex),
    )
    store = AccountStore(side, "a test secret")
    with pytest.raises(AccountError, match="looks too much like one"):
        store.accept(store.invite(world.member("ben"), world.collective), "\u0430mara", "another long passphrase")
    store.close()


# -- forgetting --------------------------------------------------------------------------------


def test_forget_deletes_account_sessions_invitations_and_counters_on_each_engine(
    world: World, store: AccountStore
) -> None:
    amara, ben = world.member("amara"), world.member("ben")
    store.accept(store.invite(amara, world.collective), "amara", "a long enough passphrase")
    store.accept(store.invite(ben, world.collective), "ben", "another long passphrase")
    store.invite(amara, world.collective)  # an unused one too
    store.sessions.create(amara.hex, "{}", NOW, idle=7200, lifetime=43200)
    store.sessions.create(ben.hex, "{}", NOW, idle=7200, lifetime=43200)
    with pytest.raises(AccountError):
        sign_in(store, "amara", "not the passphrase")

    store.forget(amara)

    def count(sql: str, *params: object) -> int:
        return int(store._db.execute(sql, params).fetchone()[0])

    assert store.by_member(amara) is None
    assert store.sessions.count_member(amara.hex) == 0
    assert count("SELECT COUNT(*) FROM copro_invitations WHERE member_id = ?", amara.hex) == 0
    assert count("SELECT COUNT(*) FROM copro_signin_failures WHERE account = ?", "amara") == 0
    with pytest.raises(AccountError, match="do not match"):
        sign_in(store, "amara", "a long enough passphrase")
    assert store.by_member(ben) is not None and store.sessions.count_member(ben.hex) == 1, "nobody else is touched"
    store.forget(amara)  # again: nothing left, no error
