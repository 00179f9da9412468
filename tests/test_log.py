"""The signed Merkle log on each engine: dense leaves, roots, proofs, checkpoints."""

from __future__ import annotations

from uuid import UUID

from ledger.log import merkle
from ledger.log.application import Ledger
from ledger.log.signed_note import Checkpoint, open_note
from tests.diary import Diary


def fill(ledger: Ledger, diaries: int) -> list[Diary]:
    out = []
    for i in range(diaries):
        d = Diary(title=f"diary {i}")
        d.write(text="an entry")
        ledger.save(d)
        out.append(d)
    return out


def test_a_new_ledger_starts_with_its_keyring_at_leaf_zero(ledger: Ledger) -> None:
    assert ledger.merkle_log.log_size() == 1
    keyring = ledger.keyring()
    assert keyring.origin == ledger.keys.origin
    assert ledger.merkle_log.leaf_index_of(keyring.id, 1) == 0


def test_leaves_are_dense_and_in_commit_order(ledger: Ledger) -> None:
    diaries = fill(ledger, 5)
    assert ledger.merkle_log.log_size() == 11
    indexes = [ledger.merkle_log.leaf_index_of(d.id, v) for d in diaries for v in (1, 2)]
    assert indexes == list(range(1, 11))


def test_stored_root_equals_the_root_recomputed_from_events(ledger: Ledger) -> None:
    fill(ledger, 7)
    hashes = [row.leaf_hash for batch in ledger.merkle_log.scan() for row in batch]
    for size in range(1, len(hashes) + 1):
        assert ledger.merkle_log.root(size) == merkle.root_hash(hashes[:size])


def test_every_event_has_an_inclusion_proof_that_verifies(ledger: Ledger) -> None:
    fill(ledger, 6)
    size = ledger.merkle_log.log_size()
    rows = [row for batch in ledger.merkle_log.scan() for row in batch]
    root = ledger.merkle_log.root(size)
    for row in rows:
        proof = ledger.merkle_log.inclusion_proof(row.leaf_index, size)
        merkle.verify_inclusion(row.leaf_hash, row.leaf_index, size, proof, root)


def test_consistency_proofs_between_checkpoints_verify(ledger: Ledger) -> None:
    fill(ledger, 3)
    old_size = ledger.merkle_log.log_size()
    old_root = ledger.merkle_log.root(old_size)
    fill(ledger, 9)
    new_size = ledger.merkle_log.log_size()
    proof = ledger.merkle_log.consistency_proof(old_size, new_size)
    merkle.verify_consistency(old_size, new_size, old_root, ledger.merkle_log.root(new_size), proof)


def test_checkpoint_is_a_signed_note_over_the_current_root(ledger: Ledger) -> None:
    fill(ledger, 2)
    note = ledger.checkpoint()
    opened = open_note(note, [ledger.checkpoint_signer.verifier()])
    cp = Checkpoint.parse(opened.text)
    assert cp.origin == ledger.keys.origin
    assert cp.size == ledger.merkle_log.log_size() == 5
    assert cp.root_hash == ledger.merkle_log.root(5)
    assert ledger.checkpoint() == note, "checkpointing an unchanged log stores nothing new"
    assert len(ledger.merkle_log.checkpoints()) == 1


def test_inclusion_proof_bundle_names_the_leaf_and_root(ledger: Ledger) -> None:
    (d,) = fill(ledger, 1)
    bundle = ledger.inclusion_proof(d.id, 2)
    assert bundle["leaf_index"] == 2
    assert bundle["tree_size"] == 3
    assert isinstance(UUID(str(d.id)), UUID)
