"""docs/FORMAT.md, checked the way an independent verifier would: from the raw tables and the RFCs alone.

Nothing here uses copro's own Merkle or record code to check copro's output. Each
helper below is written from the document (sections 2 to 5) and from RFC 6962 /
RFC 9162, so a mistake in the document, or a place where the code departs from
it, fails here.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keys import Purpose
from tests.conftest import PASSPHRASE
from tests.diary import Diary
from tests.helpers import events_table, leaf_column, raw, run_cli

# -- an independent reader and RFC 9162 verifier, written from the document ----------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def _split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, by its recursive definition, over leaf hashes."""
    if not leaves:
        return _sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(mth(leaves[:k]), mth(leaves[k:]))


def rebuild_roots(m: int, n: int, proof: list[bytes], old_root: bytes) -> tuple[bytes, bytes]:
    """Undo RFC 9162's SUBPROOF(m, D[n], true): return the (old, new) roots the proof commits to.

    SUBPROOF appends one sibling after its recursive part, so the last hash is the
    outermost sibling; where the old tree is a whole subtree (b true, m = n), the
    proof leaves its hash out and the verifier supplies the old root it holds.
    """

    def walk(m: int, n: int, complete: bool, path: list[bytes]) -> tuple[bytes, bytes]:
        if m == n:
            if complete:
                if path:
                    raise ValueError("proof is too long")
                return old_root, old_root
            if len(path) != 1:
                raise ValueError("proof has the wrong length")
            return path[0], path[0]
        if not path:
            raise ValueError("proof is too short")
        k, sibling, rest = _split(n), path[-1], path[:-1]
        if m <= k:
            old, new = walk(m, k, complete, rest)
            return old, _node(new, sibling)
        old, new = walk(m - k, n - k, False, rest)
        return _node(sibling, old), _node(sibling, new)

    return walk(m, n, True, list(proof))


def consistent(m: int, n: int, proof: list[bytes], old_root: bytes, new_root: bytes) -> bool:
    """True when ``proof`` shows the tree (n, new_root) extends (m, old_root), 0 < m <= n."""
    if m == n:
        return not proof and old_root == new_root
    try:
        return rebuild_roots(m, n, proof, old_root) == (old_root, new_root)
    except ValueError:
        return False


def raw_uuid(config: LedgerConfig, value: Any) -> UUID:
    """The 16 bytes of a stored originator_id, as section 3's table says each engine stores it."""
    if config.database_url:
        assert isinstance(value, UUID), "PostgreSQL stores originator_id as the uuid type"
        return value
    assert isinstance(value, str) and len(value) == 32 and value == value.lower(), value
    return UUID(bytes=bytes.fromhex(value))


def leaf_hashes_from_tables(config: LedgerConfig) -> list[bytes]:
    """Every leaf hash, rebuilt from the events table as section 2 describes: no copro code involved."""
    rows = raw(
        config,
        f"SELECT {leaf_column(config)}, originator_id, originator_version, topic, state "
        f"FROM {events_table(config)} ORDER BY {leaf_column(config)}",
    )
    hashes = []
    for number, (row_id, oid, version, topic, state) in enumerate(rows, start=1):
        assert row_id == number, "leaf i is the row numbered i + 1, with no gaps"
        state, topic_bytes = bytes(state), topic.encode("utf-8")
        signing_input = (
            b"copro/event/v1\n"
            + raw_uuid(config, oid).bytes
            + struct.pack(">QH", version, len(topic_bytes))
            + topic_bytes
            + state[69:]
        )
        hashes.append(_sha256(b"\x00" + state[:69] + signing_input))
    return hashes


def checkpoint_root(note: str) -> tuple[int, bytes]:
    _origin, size, root = note.split("\n")[:3]
    return int(size), base64.b64decode(root)


# -- the reader and verifier can fail -------------------------------------------------------


def test_the_independent_verifier_accepts_rfc_9162s_example_and_refuses_a_wrong_proof() -> None:
    """RFC 9162 section 2.1.5: with leaves a..f, j and g = (a, b), the proof from size 3 to 7 is [c, d, g, ell]."""
    leaves = [_sha256(bytes([i])) for i in range(7)]
    a, b, c, d = leaves[:4]
    g, ell = _node(a, b), mth(leaves[4:])
    old, new = mth(leaves[:3]), mth(leaves)
    assert rebuild_roots(3, 7, [c, d, g, ell], old) == (old, new)
    assert consistent(3, 7, [c, d, g, ell], old, new)
    assert not consistent(3, 7, [d, c, g, ell], old, new)
    assert not consistent(3, 7, [c, d, g], old, new)
    assert consistent(4, 7, [ell], mth(leaves[:4]), new)
    assert not consistent(4, 7, [ell], old, new)


# -- section 3: one leaf, the tables, the tree ---------------------------------------------


def test_the_root_of_a_one_event_log_is_that_events_leaf_hash(ledger: Ledger, config: LedgerConfig) -> None:
    """MTH({d0}) = leaf_hash(d0): a new ledger holds only the keyring's Started event."""
    assert ledger.merkle_log.log_size() == 1
    (only,) = leaf_hashes_from_tables(config)
    assert ledger.merkle_log.root(1) == only
    assert checkpoint_root(ledger.checkpoint()) == (1, only)


def test_the_events_table_stores_the_columns_the_document_names(ledger: Ledger, config: LedgerConfig) -> None:
    table = events_table(config)
    if config.database_url:
        types = dict(
            raw(config, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?", (table,))
        )
        assert types == {
            "originator_id": "uuid",
            "originator_version": "bigint",
            "topic": "text",
            "state": "bytea",
            "notification_id": "bigint",
        }
    else:
        declared = {name: kind for _, name, kind, *_ in raw(config, f"PRAGMA table_info({table})")}
        assert declared == {"originator_id": "TEXT", "originator_version": "INTEGER", "topic": "TEXT", "state": "BLOB"}
        stored = raw(config, f"SELECT typeof(originator_id), typeof(originator_version), typeof(state) FROM {table}")
        assert set(stored) == {("text", "integer", "blob")}
    (oid,) = raw(config, f"SELECT originator_id FROM {table} WHERE {leaf_column(config)} = 1")[0]
    assert raw_uuid(config, oid) == UUID("27cbdb31-8572-501c-bf73-8f42f33e97a6"), "leaf 0 is the keyring"
    meta = dict(raw(config, "SELECT name, value FROM copro_meta"))
    assert meta == {"format": "copro-ledger/3", "origin": "test.copro.localhost/ledger"}


def test_an_independent_reader_rebuilds_every_leaf_and_the_signed_roots(ledger: Ledger, config: LedgerConfig) -> None:
    ledger.checkpoint()
    for i in range(130):  # 1 + 260 events: a full tile, and leaves beyond it hashed from their events
        d = Diary(title=f"diary {i}")
        d.write(text="an entry")
        ledger.save(d)
    ledger.checkpoint()
    leaves = leaf_hashes_from_tables(config)
    assert len(leaves) == 261
    for size, note in ledger.merkle_log.checkpoints():
        assert checkpoint_root(note) == (size, mth(leaves[:size]))


# -- section 3: consistency proofs from the command line -----------------------------------


@pytest.fixture
def grown(ledger: Ledger) -> Ledger:
    """A log of 301 events with checkpoints at 1, 100 and 301 (past one full tile)."""
    ledger.checkpoint()
    for i in range(100):
        d = Diary(title=f"diary {i}")
        d.write(text="first")
        d.write(text="second")
        ledger.save(d)
        if ledger.merkle_log.log_size() == 100:
            ledger.checkpoint()
    ledger.checkpoint()
    assert ledger.merkle_log.log_size() == 301
    return ledger


@pytest.mark.parametrize(("old", "new"), [(1, 301), (100, 301), (256, 301), (1, 2), (7, 7), (255, 257), (300, 301)])
def test_a_consistency_proof_from_the_command_line_verifies_independently(
    old: int,
    new: int,
    grown: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(config, monkeypatch, capsys, "proof", "--consistency", str(old), str(new))
    assert code == 0, err
    proof = json.loads(out)
    assert set(proof) == {"origin", "old_size", "new_size", "old_root_hash", "new_root_hash", "consistency_path"}
    assert (proof["origin"], proof["old_size"], proof["new_size"]) == ("test.copro.localhost/ledger", old, new)
    leaves = leaf_hashes_from_tables(config)
    old_root, new_root = (base64.b64decode(proof[k]) for k in ("old_root_hash", "new_root_hash"))
    assert (old_root, new_root) == (mth(leaves[:old]), mth(leaves[:new]))
    path = [base64.b64decode(h) for h in proof["consistency_path"]]
    assert consistent(old, new, path, old_root, new_root)
    if path:  # and the same check refuses the proof with any hash changed
        bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
        assert not consistent(old, new, bent, old_root, new_root)


def test_a_consistency_proof_links_two_signed_checkpoints(
    grown: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The auditor's use: the checkpoint kept at 100 events and today's at 301."""
    kept = dict(grown.merkle_log.checkpoints())
    code, out, _ = run_cli(config, monkeypatch, capsys, "proof", "--consistency", "100", "301")
    assert code == 0
    proof = json.loads(out)
    path = [base64.b64decode(h) for h in proof["consistency_path"]]
    old_size, old_root = checkpoint_root(kept[100])
    new_size, new_root = checkpoint_root(kept[301])
    assert consistent(old_size, new_size, path, old_root, new_root)


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("5", "3", "The old tree size 5 is larger than the new tree size 3; give the older, smaller size first."),
        (
            "3",
            "302",
            "The log holds 301 events, so it has no tree of size 302 yet; give a new tree size of at most 301.",
        ),
        ("1", str(2**70), f"must be a tree size from 1 to 9007199254740991, not '{2**70}'"),
        (str(2**64), str(2**64), f"must be a tree size from 1 to 9007199254740991, not '{2**64}'"),
    ],
)
def test_consistency_sizes_out_of_range_get_one_sentence_and_exit_2(
    old: str,
    new: str,
    said: str,
    grown: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(config, monkeypatch, capsys, "proof", "--consistency", old, new)
    assert (code, out) == (2, "")
    assert err.startswith("copro") and said in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["0", "5"], "must be a tree size from 1 to 9007199254740991, not '0'"),
        (["-3", "5"], "must be a tree size from 1 to 9007199254740991, not '-3'"),
        (["x", "5"], "must be a tree size from 1 to 9007199254740991, not 'x'"),
        (["5"], "expected 2 arguments"),
    ],
)
def test_consistency_sizes_that_are_not_sizes_are_a_usage_error(
    args: list[str],
    said: str,
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(config, monkeypatch, capsys, "proof", "--consistency", *args)
    assert code == 2
    assert said in err and "Traceback" not in err and err.count("\n") == 1


# -- section 4: verifier-key names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "name"),
    [
        ("checkpoint", "test.copro.localhost/ledger"),
        ("event", "test.copro.localhost/ledger/event"),
        ("report", "test.copro.localhost/ledger/report"),
    ],
)
def test_c2sp_verifier_keys_carry_the_names_the_document_gives(
    purpose: str,
    name: str,
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--purpose", purpose, "--format", "c2sp")
    assert code == 0
    got_name, key_hash, key = out.strip().split("+", 2)
    public = base64.b64decode(key)
    assert got_name == name and public[0] == 1 and len(public) == 33
    assert key_hash == _sha256(name.encode() + b"\n" + public)[:4].hex()
    assert public[1:] == getattr(ledger.keys, purpose).public_key.public_bytes_raw()


# -- section 5: every key in force, with its leaves -----------------------------------------


def test_the_key_history_names_every_key_with_the_leaves_it_was_in_force(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = {p: getattr(ledger.keys, p.value).public_key.public_bytes_raw() for p in Purpose if p is not Purpose.SEAL}
    ledger.save(Diary(title="before"))  # leaf 1
    second_event = ledger.rotate_key(Purpose.EVENT, "annual rotation", PASSPHRASE)  # leaf 2
    ledger.save(Diary(title="between"))  # leaf 3
    new_report = ledger.rotate_key(Purpose.REPORT, "new funder", PASSPHRASE)  # leaf 4
    third_event = ledger.rotate_key(Purpose.EVENT, "suspected leak", PASSPHRASE)  # leaf 5
    ledger.save(Diary(title="after"))  # leaf 6
    monkeypatch.delenv("COPRO_KEY_PASSPHRASE")  # an auditor needs only the database
    code, out, err = run_cli(config, monkeypatch, capsys, "keys", "export", "--history", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["origin"] == "test.copro.localhost/ledger"
    got = [(k["purpose"], base64.b64decode(k["public_key"]), k["first_leaf"], k["last_leaf"]) for k in doc["keys"]]

    def raw_of(key: Ed25519PublicKey) -> bytes:
        return key.public_bytes_raw()

    assert got == [
        ("event", first[Purpose.EVENT], 0, 2),
        ("checkpoint", first[Purpose.CHECKPOINT], 0, None),
        ("report", first[Purpose.REPORT], 0, 4),
        ("event", raw_of(second_event.public_key), 3, 5),
        ("report", raw_of(new_report.public_key), 5, None),
        ("event", raw_of(third_event.public_key), 6, None),
    ]
    # Each event key's id is the one the records in its leaves carry (section 2).
    state_of = {
        int(n) - 1: bytes(s) for n, s in raw(config, f"SELECT {leaf_column(config)}, state FROM {events_table(config)}")
    }
    for key in (k for k in doc["keys"] if k["purpose"] == "event"):
        last = key["last_leaf"] if key["last_leaf"] is not None else max(state_of)
        for leaf in range(key["first_leaf"], last + 1):
            assert state_of[leaf][1:5].hex() == key["key_id"], leaf
    assert [k["reason"] for k in doc["keys"]][3:] == ["annual rotation", "new funder", "suspected leak"]
    code, out, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--history", "--purpose", "event")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5 and lines[2].split()[2:5] == ["0", "to", "2"] and lines[4].split()[2:4] == ["6", "onward"]


def test_a_forged_key_in_the_keyring_is_refused_by_the_history(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger.rotate_key(Purpose.CHECKPOINT, "annual rotation", PASSPHRASE)
    table = events_table(config)
    (state,) = raw(config, f"SELECT state FROM {table} WHERE {leaf_column(config)} = 2")[0]
    state = bytes(state)
    body = json.loads(state[69:])
    body["public_key"] = base64.b64encode(bytes(32)).decode()  # the attacker's key, without the signing key
    forged = state[:69] + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    raw(config, f"UPDATE {table} SET state = ? WHERE {leaf_column(config)} = 2", (forged,))
    code, out, err = run_cli(config, monkeypatch, capsys, "keys", "export", "--history")
    assert (code, out) == (1, "")
    assert "The keyring event at leaf 1 (version 2) has a signature that does not verify" in err


def test_key_export_mistakes_get_one_sentence_and_exit_2(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(config, monkeypatch, capsys, "keys", "export", "--format", "text")
    assert (code, out) == (2, "") and "--format text lists keys; use it with --history" in err
    code, out, err = run_cli(config, monkeypatch, capsys, "proof", "--aggregate", str(ledger.keyring().id))
    assert (code, out) == (2, "") and "An inclusion proof needs --version as well as --aggregate" in err
    code, out, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--purpose", "event", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    history = json.loads(run_cli(config, monkeypatch, capsys, "keys", "export", "--history", "--format", "json")[1])
    assert {k: doc[k] for k in ("purpose", "public_key", "key_id", "c2sp")} == {
        k: history["keys"][0][k] for k in ("purpose", "public_key", "key_id", "c2sp")
    }


def test_the_key_history_of_a_folder_without_a_ledger_is_a_usage_error(
    make_config: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config: LedgerConfig = make_config("sqlite")
    code, out, err = run_cli(config, monkeypatch, capsys, "keys", "export", "--history")
    assert (code, out) == (2, "") and "There is no copro ledger in the SQLite file" in err
    assert not config.sqlite_path.exists()
    code, out, err = run_cli(config, monkeypatch, capsys, "proof", "--consistency", "1", "1")
    assert (code, out) == (2, "") and "There is no copro ledger" in err
