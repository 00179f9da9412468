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

from ledger import merkle
from ledger.application import Ledger
from ledger.config import LedgerConfig
from ledger.keys import event_key_id, raw_public
from ledger.record import HEADER_SIZE, record_bytes, signing_input
from tests.diary import Diary
from tests.helpers import db_id, events_table, raw, run_cli

LEAVES = 25  # the keyring, then 8 diaries of 3 events each


@pytest.fixture
def sealed_ledger(ledger: Ledger) -> Ledger:
    """A ledger of LEAVES events (keyring + diaries) with a checkpoint over all of them."""
    for i in range(8):
        d = Diary(title=f"diary {i}")
        d.write(text="first entry")
        d.write(text="second entry")
        ledger.save(d)
    ledger.checkpoint()
    assert ledger.log.log_size() == LEAVES
    return ledger


def leaf_event(config: LedgerConfig, index: int) -> tuple[object, int]:
    rows = raw(config, "SELECT originator_id, originator_version FROM copro_leaves WHERE leaf_index = ?", (index,))
    return rows[0][0], int(rows[0][1])


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
    assert "first bad record is leaf 5 " in text
    assert "missing" in text


def test_deleting_an_event_and_its_leaf_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, version = leaf_event(config, 9)
    raw(
        config, f"DELETE FROM {events_table(config)} WHERE originator_id = ? AND originator_version = ?", (oid, version)
    )
    raw(config, "DELETE FROM copro_leaves WHERE leaf_index = 9")
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 9" in text


def test_swapping_two_events_positions_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = leaf_event(config, 10), leaf_event(config, 17)
    raw(config, "UPDATE copro_leaves SET originator_id = ?, originator_version = ? WHERE leaf_index = 17", (a[0], -1))
    raw(config, "UPDATE copro_leaves SET originator_id = ?, originator_version = ? WHERE leaf_index = 10", (b[0], b[1]))
    raw(config, "UPDATE copro_leaves SET originator_version = ? WHERE leaf_index = 17", (a[1],))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 10 " in text


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


def test_truncating_below_a_checkpoint_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = events_table(config)
    for index in range(20, LEAVES):
        oid, version = leaf_event(config, index)
        raw(config, f"DELETE FROM {table} WHERE originator_id = ? AND originator_version = ?", (oid, version))
    raw(config, "DELETE FROM copro_leaves WHERE leaf_index >= 20")
    raw(config, "DELETE FROM copro_nodes")  # a careful attacker also drops the tree nodes
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 20:" in text
    assert "truncated" in text


def _forge(config: LedgerConfig) -> tuple[UUID, bytes]:
    """An event signed by a key the attacker made, for an aggregate that never existed,
    inserted behind copro's back (on PostgreSQL, with the logging trigger bypassed)."""
    forger = Ed25519PrivateKey.generate()
    oid = uuid4()
    topic = "tests.diary:Diary.Opened"
    payload = (
        b'{"originator_topic":"tests.diary:Diary",'
        b'"timestamp":{"_data_":"2026-01-01T00:00:00+00:00","_type_":"datetime_iso"},"title":"forged"}'
    )
    kid = event_key_id(raw_public(forger.public_key()))
    sig = forger.sign(signing_input(oid, 1, topic, payload))
    state = b"\x01" + kid + sig + payload
    assert len(state) == HEADER_SIZE + len(payload)
    raw(
        config,
        f"INSERT INTO {events_table(config)} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (db_id(config, oid), 1, topic, state),
        bypass_triggers=True,
    )
    return oid, record_bytes(oid, 1, topic, state)


def test_a_forged_event_appended_to_the_log_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, record = _forge(config)
    # The attacker also appends a correct leaf and the tree nodes it completes.
    hashes = [bytes(r[0]) for r in raw(config, "SELECT leaf_hash FROM copro_leaves ORDER BY leaf_index")]
    tree = merkle.MemoryTree(hashes)
    tree.append(merkle.leaf_hash(record))
    raw(
        config,
        "INSERT INTO copro_leaves (leaf_index, originator_id, originator_version, leaf_hash) VALUES (?, ?, ?, ?)",
        (LEAVES, db_id(config, oid), 1, merkle.leaf_hash(record)),
    )
    raw(config, "DELETE FROM copro_nodes")
    for level, idx, h in tree.nodes():
        raw(config, "INSERT INTO copro_nodes (level, idx, hash) VALUES (?, ?, ?)", (level, idx, h))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf {LEAVES} (aggregate {oid}, version 1)" in text
    assert "not in the ledger's keyring" in text


def test_a_forged_event_slipped_into_the_events_table_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oid, _ = _forge(config)
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"aggregate {oid}, version 1" in text
    assert "not in the Merkle log" in text


def test_a_rewritten_tree_node_is_named(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(config, "UPDATE copro_nodes SET hash = ? WHERE level = 2 AND idx = 3", (b"\x00" * 32,))
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert "first bad record is leaf 12:" in text


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
    from ledger.errors import SignatureError

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
        sealed_ledger.repository.get(oid if isinstance(oid, UUID) else UUID(oid))


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_on_postgresql_even_an_event_inserted_by_hand_becomes_a_leaf(
    sealed_ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The logging trigger catches inserts that bypass copro; the forged signature then names the leaf."""
    oid = uuid4()
    state = b"\x01" + b"\x00" * 68 + b"{}"
    raw(
        config,
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        (oid, 1, "tests.diary:Diary.Opened", state),
    )
    assert raw(config, "SELECT leaf_index FROM copro_leaves WHERE originator_id = ?", (oid,)) == [(LEAVES,)]
    code, text = verify(config, monkeypatch, capsys)
    assert code == 1
    assert f"first bad record is leaf {LEAVES} (aggregate {oid}, version 1)" in text
