"""The tamper matrix: whatever an attacker with database access changes, verify names where.

Each case builds a real ledger, checkpoints it, then edits the database directly
(as someone with write access to the server would), and runs ``copro verify`` as
an auditor would. The untouched ledger must pass; each tampered one must exit 1
and name the right leaf.
"""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keys import event_key_id, raw_public
from ledger.log.record import HEADER_SIZE, record_bytes, signing_input
from tests.diary import Diary
from tests.helpers import db_id, events_table, leaf_column, raw, run_cli

LEAVES = 301  # the keyring, then 100 diaries of 3 events each: one full tree tile (0-255) and more


@pytest.fixture
def sealed_ledger(ledger: Ledger) -> Ledger:
    """A ledger of LEAVES events (keyring + diaries) with a checkpoint over all of them."""
    for i in range(100):
        d = Diary(title=f"diary {i}")
        d.write(text="first entry")
        d.write(text="second entry")
        ledger.save(d)
    ledger.checkpoint()
    assert ledger.merkle_log.log_size() == LEAVES
    return ledger


def leaf_event(config: LedgerConfig, index: int) -> tuple[object, int]:
    rows = raw(
        config,
        f"SELECT originator_id, originator_version FROM {events_table(config)} WHERE {leaf_column(config)} = ?",
        (index + 1,),
    )
    return rows[0][0], int(rows[0][1])


def renumber(config: LedgerConfig, old: int, new: int) -> None:
    """Move the event at leaf ``old`` to leaf ``new`` (which must be free)."""
    raw(
        config,
        f"UPDATE {events_table(config)} SET {leaf_column(config)} = ? WHERE {leaf_column(config)} = ?",
        (new + 1, old + 1),
    )


def verify(
    config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    code, out, err = run_cli(config, monkeypatch, capsys, "verify", "--workers", "1")
    return code, out + err


def test_untouched_ledger_verifies(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = verify(config, monkeypatch, capsys)
    assert code == 0, text
    assert f"{LEAVES} events" in text
    assert "1 checkpoints" in text


def test_flipping_one_byte_of_state_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, version = leaf_event(config, 13)
    table = events_table(config)
    (state,) = raw(
        config, f"SELECT state FROM {table} WHERE originator_id = ? AND originator_version = ?", (oid, version)
    )[0]
    state = bytearray(state)
    state[-3] ^= 0x01
    raw(
        config,
        f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (bytes(state), oid, version),
    )
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 13 " in text
    assert "signature does not verify" in text


def test_changing_a_topic_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, version = leaf_event(config, 7)
    raw(
        config,
        f"UPDATE {events_table(config)} SET topic = ? WHERE originator_id = ? AND originator_version = ?",
        ("tests.diary:Diary.Signed", oid, version),
    )
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 7 " in text


def test_deleting_an_event_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, version = leaf_event(config, 5)
    raw(
        config, f"DELETE FROM {events_table(config)} WHERE originator_id = ? AND originator_version = ?", (oid, version)
    )
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 5: leaf 5 is missing from the log" in text


def test_deleting_an_event_and_closing_the_gap_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The attacker renumbers every later event down by one, so no leaf is missing."""
    oid, version = leaf_event(config, 9)
    raw(
        config, f"DELETE FROM {events_table(config)} WHERE originator_id = ? AND originator_version = ?", (oid, version)
    )
    for index in range(10, LEAVES):
        renumber(config, index, index - 1)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 9 " in text
    assert "tree tile over leaves 0 to 255 holds another hash" in text


def test_swapping_two_events_positions_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    renumber(config, 10, 5000)
    renumber(config, 17, 10)
    renumber(config, 5000, 17)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 10 " in text
    assert "swapped" in text


def test_swapping_two_events_positions_after_the_last_tile_is_caught_by_the_checkpoint(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Leaves 256 onward have no full tile yet: the signed checkpoint is what pins their order.

    Two whole diaries (leaves 268-270 and 271-273) trade places, so every aggregate's
    versions still run 1, 2, 3 and only the checkpoint's root can tell.
    """
    for offset in range(3):
        renumber(config, 268 + offset, 5000 + offset)
        renumber(config, 271 + offset, 268 + offset)
        renumber(config, 5000 + offset, 271 + offset)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first {LEAVES} leaves no longer hash to the root signed" in text


@pytest.mark.parametrize(
    ("first", "named"),
    [
        (272, "version 3 follows version 1 of this aggregate"),
        (271, "version 2 is the first event of this aggregate in the log"),
    ],
)
def test_swapping_two_events_of_one_aggregate_after_the_last_tile_names_the_leaf(
    first: int,
    named: str,
    sealed_ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No tile covers these leaves; the versions of the aggregate, in log order, name the leaf."""
    oid, version = leaf_event(config, first)
    assert leaf_event(config, first + 1) == (oid, version + 1)
    renumber(config, first, 5000)
    renumber(config, first + 1, first)
    renumber(config, 5000, first + 1)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    aggregate = oid if isinstance(oid, UUID) else UUID(str(oid))
    assert f"first bad record is leaf {first} (aggregate {aggregate}, version {version + 1}): {named}" in text


def test_swapping_two_events_contents_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = events_table(config)
    a, b = leaf_event(config, 4), leaf_event(config, 15)
    (ta, sa), (tb, sb) = (
        raw(config, f"SELECT topic, state FROM {table} WHERE originator_id = ? AND originator_version = ?", x)[0]
        for x in (a, b)
    )
    raw(
        config,
        f"UPDATE {table} SET topic = ?, state = ? WHERE originator_id = ? AND originator_version = ?",
        (tb, sb, *a),
    )
    raw(
        config,
        f"UPDATE {table} SET topic = ?, state = ? WHERE originator_id = ? AND originator_version = ?",
        (ta, sa, *b),
    )
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 4 " in text


@pytest.mark.parametrize("cut", [280, 200])
def test_truncating_below_a_checkpoint_is_named(
    cut: int,
    sealed_ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Cut after the last full tile (only the checkpoint knows) and inside it (the tile knows too)."""
    raw(config, f"DELETE FROM {events_table(config)} WHERE {leaf_column(config)} > ?", (cut,))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf {cut}:" in text
    assert "truncated" in text


def _forge(config: LedgerConfig, leaf: int | None = None) -> tuple[UUID, bytes]:
    """An event signed by a key the attacker made, for an aggregate that never existed,
    inserted behind copro's back: appended, or put at ``leaf`` (on PostgreSQL, with the
    numbering trigger bypassed, as a superuser could)."""
    forger = Ed25519PrivateKey.generate()
    oid = uuid4()
    topic = "copro-test/1/Diary.Opened"
    payload = (
        b'{"originator_topic":"copro-test/1/Diary",'
        b'"timestamp":{"_data_":"2026-01-01T00:00:00+00:00","_type_":"datetime_iso"},"title":"forged"}'
    )
    kid = event_key_id(raw_public(forger.public_key()))
    sig = forger.sign(signing_input(oid, 1, topic, payload))
    state = b"\x01" + kid + sig + payload
    assert len(state) == HEADER_SIZE + len(payload)
    values: tuple[object, ...]
    columns, values = "originator_id, originator_version, topic, state", (db_id(config, oid), 1, topic, state)
    if leaf is not None:
        columns, values = f"{leaf_column(config)}, {columns}", (leaf + 1, *values)
    raw(
        config,
        f"INSERT INTO {events_table(config)} ({columns}) VALUES (?, ?, ?, ?{', ?' if leaf is not None else ''})",
        values,
        bypass_triggers=leaf is not None,
    )
    return oid, record_bytes(oid, 1, topic, state)


def test_a_forged_event_appended_to_the_log_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, _ = _forge(config)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf {LEAVES} (aggregate {oid}, version 1)" in text
    assert "not in the ledger's keyring" in text


def test_a_forged_event_put_in_place_of_a_deleted_one_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(config, f"DELETE FROM {events_table(config)} WHERE {leaf_column(config)} = ?", (6,))
    oid, _ = _forge(config, leaf=5)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf 5 (aggregate {oid}, version 1)" in text
    assert "not in the ledger's keyring" in text


def test_a_rewritten_tile_hash_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tile,) = raw(config, "SELECT hashes FROM copro_tiles WHERE level = 0 AND idx = 0")[0]
    forged = bytes(tile[: 12 * 32]) + bytes(32) + bytes(tile[13 * 32 :])
    raw(config, "UPDATE copro_tiles SET hashes = ? WHERE level = 0 AND idx = 0", (forged,))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 12 " in text
    assert "or the tile was rewritten" in text


def test_a_rewritten_upper_tile_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(config, "UPDATE copro_tiles SET hashes = ? WHERE level = 1 AND idx = 0", (bytes(32),))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 0:" in text
    assert "tree tile at level 1 does not match the leaves from 0 to 255" in text


def test_a_deleted_tile_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(config, "DELETE FROM copro_tiles WHERE level = 0")
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 0:" in text
    assert "tree tile over leaves 0 to 255 is missing" in text


def test_a_forged_checkpoint_signature_fails(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ((size, note),) = raw(config, "SELECT tree_size, note FROM copro_checkpoints")
    body, sig = note.rsplit(" ", 1)
    forged = body + " " + ("A" if sig[0] != "A" else "B") + sig[1:]
    raw(config, "UPDATE copro_checkpoints SET note = ? WHERE tree_size = ?", (forged, size))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "no valid signature" in text


def test_reading_a_tampered_event_through_the_app_is_refused(sealed_ledger: Ledger, config: LedgerConfig) -> None:
    from ledger.log.errors import SignatureError

    oid, version = leaf_event(config, 13)
    table = events_table(config)
    (state,) = raw(
        config, f"SELECT state FROM {table} WHERE originator_id = ? AND originator_version = ?", (oid, version)
    )[0]
    tampered = bytes(state[:-1]) + bytes([state[-1] ^ 1])
    raw(
        config,
        f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
        (tampered, oid, version),
    )
    with pytest.raises(SignatureError, match="was refused"):
        sealed_ledger.repository.get(oid if isinstance(oid, UUID) else UUID(str(oid)))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_on_postgresql_an_event_inserted_by_hand_becomes_the_next_leaf(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The numbering trigger makes any insert the next leaf; the forged signature then names it."""
    oid = uuid4()
    state = b"\x01" + b"\x00" * 68 + b"{}"
    raw(
        config,
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (oid, 1, "copro-test/1/Diary.Opened", state),
    )
    assert raw(config, "SELECT notification_id - 1 FROM ledger_events WHERE originator_id = ?", (oid,)) == [(LEAVES,)]
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf {LEAVES} (aggregate {oid}, version 1)" in text
