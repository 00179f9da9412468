"""The fast path of the bundle verifier says *sound* only where the reference engine would, and reports the same.

``ledger.log.bundle.fast`` sends raw entry bundles to the workers and may only accept;
anything else goes to the reference engine (``checks.check_log``). These tests hold it
to that: every fixture, honest or tampered, gets the very report the reference engine
alone gives; the honest ones really take the fast path (so it is what is measured);
a large bundle takes it on worker processes, and a record broken deep inside it, or
an aggregate's versions out of order, sends it back to the reference engine; and the
worker refuses every mutated record the reference worker refuses.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.governance.audit import governance_replay
from ledger.log import checks, merkle
from ledger.log.bundle import fast
from ledger.log.bundle.export import BundleWriter
from ledger.log.bundle.layout import pack_entries
from ledger.log.bundle.reader import open_bundle
from ledger.log.bundle.verify import BundleSource, Replayed, _row, verify_bundle
from ledger.log.canonical import canonical_dumps
from ledger.log.key_history import KeyPeriod
from ledger.log.key_schedule import KEYRING_ID
from ledger.log.keys import Purpose, b64, event_key_id
from ledger.log.record import RECORD_VERSION, parse_record, signing_input
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note
from ledger.log.tile_math import TILE_WIDTH
from tests.make_tampered_bundles import ARCHIVE, FIXTURES, ROOT, Fixture

ORIGIN = "fast.copro.localhost/ledger"
READABLE = [f for f in FIXTURES if f.exit_code == 1 or not f.check]


def _bundle(fixture: Fixture) -> Path:
    return ROOT / fixture.name / ARCHIVE


@pytest.mark.parametrize("fixture", READABLE, ids=[f.name for f in READABLE])
def test_each_fixture_gets_the_reference_engines_own_report(fixture: Fixture) -> None:
    seen_fast: dict[UUID, int] = {}
    seen_reference: dict[UUID, int] = {}
    ours = verify_bundle(_bundle(fixture), replay=governance_replay, seen=seen_fast)
    reference = verify_bundle(_bundle(fixture), replay=governance_replay, seen=seen_reference, fast=False)
    assert ours.as_json() == reference.as_json()
    assert ours.text() == reference.text()
    assert seen_fast == seen_reference


@pytest.mark.parametrize("name", ["honest", "honest-old"])
def test_an_honest_bundle_is_proven_sound_by_the_fast_path_itself(name: str) -> None:
    with open_bundle(ROOT / name / ARCHIVE) as bundle:
        keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
        sound = fast.fast_check(bundle, BundleSource(bundle), candidate_keys=keys, replay=list)
        assert sound is not None and sound.replayed is not None
        assert [leaf for leaf, _ in sound.replayed] == list(range(bundle.manifest.tree_size))
        assert [r for _, r in sound.replayed] == list(bundle.entries())


@pytest.mark.parametrize("name", ["forged-key", "key-out-of-range", "rotations-swapped", "reordered", "sealed-moved"])
def test_a_tampered_log_is_not_proven_sound_by_the_fast_path(name: str) -> None:
    with open_bundle(ROOT / name / ARCHIVE) as bundle:
        keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
        assert fast.fast_check(bundle, BundleSource(bundle), candidate_keys=keys) is None


# -- a bundle large enough for worker processes -----------------------------------


def _write(
    root: Path, events: int, *, break_at: int | None = None, swap_at: int | None = None, keyring_origin: str = ORIGIN
) -> Path:
    """A bundle of ``events`` leaves over 50 aggregates; ``break_at``: that record's signature is flipped;
    ``swap_at``: that leaf and the one 50 after it (same aggregate) trade places, both correctly signed;
    ``keyring_origin``: the origin the keyring names (and its checkpoint key signs as)."""
    event, checkpoint = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    event_raw, checkpoint_raw = event.public_key().public_bytes_raw(), checkpoint.public_key().public_bytes_raw()
    kid = event_key_id(event_raw)

    def record(oid: UUID, version: int, topic: str, payload: bytes) -> bytes:
        message = signing_input(oid, version, topic, payload)
        return bytes((RECORD_VERSION,)) + kid + event.sign(message) + message

    keyring = canonical_dumps(
        {"origin": keyring_origin, "event_key": b64(event_raw), "checkpoint_key": b64(checkpoint_raw)}
    )
    leaves = [record(KEYRING_ID, 1, "copro/1/Keyring.Started", keyring)]
    versions = [0] * 50
    for i in range(1, events):
        versions[i % 50] += 1
        payload = canonical_dumps({"text": f"minute {i}", "n": i})
        leaves.append(record(UUID(int=i % 50 + 1), versions[i % 50], "copro/1/Minute.Recorded", payload))
    if break_at is not None:
        leaves[break_at] = leaves[break_at][:10] + bytes([leaves[break_at][10] ^ 1]) + leaves[break_at][11:]
    if swap_at is not None:
        leaves[swap_at], leaves[swap_at + 50] = leaves[swap_at + 50], leaves[swap_at]
    writer = BundleWriter(root)
    for r in leaves:
        writer.add(r)
    tree = merkle.MemoryTree(merkle.leaf_hash(r) for r in leaves)
    signer = NoteSigner(keyring_origin, checkpoint)  # as the ledger the keyring names would sign
    notes = [(s, sign_note(Checkpoint(ORIGIN, s, tree.root(s)).to_text(), [signer])) for s in (events - 7, events)]
    keys = [
        KeyPeriod(Purpose.EVENT, event_raw, 0, None, "").as_json(ORIGIN),
        KeyPeriod(Purpose.CHECKPOINT, checkpoint_raw, 0, None, "").as_json(ORIGIN),
    ]
    writer.finish(origin=ORIGIN, ledger_format="copro-ledger/1", checkpoints=notes, keys=keys, extra={})
    return root


EVENTS = checks.PARALLEL_THRESHOLD + 3 * TILE_WIDTH + 5  # on worker processes, ending in a partial tile


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("fast") / "bundle", EVENTS)


def test_a_large_honest_bundle_is_proven_sound_on_worker_processes(large: Path) -> None:
    with open_bundle(large) as bundle:
        keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
        sound: fast.Fast[object] | None = fast.fast_check(
            bundle, BundleSource(bundle), candidate_keys=keys, workers=2, under=EVENTS - 7
        )
    assert sound is not None
    assert sound.report.leaves == EVENTS and sound.report.checkpoints == 3 and not sound.report.problems
    seen: dict[UUID, int] = {}
    reference_seen: dict[UUID, int] = {}
    ours = verify_bundle(large, workers=2, seen=seen)
    reference = verify_bundle(large, workers=2, seen=reference_seen, fast=False)
    assert ours.ok and ours.as_json() == reference.as_json()
    assert seen == reference_seen and len(seen) == 51  # the keyring and 50 aggregates, as of the bundle's checkpoint
    with open_bundle(large) as bundle:
        under = [parse_record(r) for r in bundle.entries(0, EVENTS - 7)]
    assert sound.seen == {p.originator_id: p.version for p in under}  # as of the one 7 leaves before the end
    assert sound.seen != seen


def test_the_tree_it_hashes_in_bulk_is_the_one_appended_leaf_by_leaf(large: Path) -> None:
    with open_bundle(large) as bundle:
        keys = {event_key_id(k.public_key): k.public_key for k in bundle.key_history() if k.purpose == "event"}
        hashes = [merkle.leaf_hash(r) for r in bundle.entries()]
        run = fast._Run(bundle, bundle.manifest.tree_size, 0)
        fast._init_worker(keys)
        for task in run.tasks():
            run.take(task, fast.check_task(task))
    ours, reference = run.tree(), merkle.MemoryTree(hashes)
    assert list(ours.nodes()) == list(reference.nodes())
    assert ours.frontier() == reference.frontier()
    assert all(ours.root(s) == reference.root(s) for s in (1, 255, 256, 257, 4000, EVENTS - 1, EVENTS))


@pytest.mark.parametrize(
    ("break_at", "swap_at", "check", "leaf"),
    [(EVENTS - 300, None, "V4.A", EVENTS - 300), (None, 2 * TILE_WIDTH + 9, "V6.A", 2 * TILE_WIDTH + 9)],
)
def test_damage_deep_in_a_large_bundle_sends_it_to_the_reference_engine(
    tmp_path: Path, break_at: int | None, swap_at: int | None, check: str, leaf: int
) -> None:
    root = _write(tmp_path / "bundle", EVENTS, break_at=break_at, swap_at=swap_at)
    with open_bundle(root) as bundle:
        keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
        assert fast.fast_check(bundle, BundleSource(bundle), candidate_keys=keys, workers=2) is None
    ours = verify_bundle(root, workers=2)
    assert not ours.ok and ours.results[check].status == "FAIL"
    assert ours.first is not None and ours.first.leaf_index == leaf
    assert ours.as_json() == verify_bundle(root, workers=2, fast=False).as_json()


def _first(records: Iterator[tuple[int, bytes]]) -> tuple[int, bytes]:
    return next(records)


def test_a_replay_that_stops_early_does_not_stop_the_checks(tmp_path: Path, large: Path) -> None:
    """The replay is fed as the checks go; one that reads a single record leaves the checks to run to the end."""
    broken = _write(tmp_path / "bundle", EVENTS, break_at=EVENTS - 300)
    for root, sound in ((large, True), (broken, False)):
        with open_bundle(root) as bundle:
            keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
            ran = fast.fast_check(bundle, BundleSource(bundle), candidate_keys=keys, workers=2, replay=_first)
        assert (ran is not None) is sound
        if ran is not None:
            with open_bundle(large) as bundle:
                assert ran.replayed == (0, next(bundle.entries()))
            assert ran.report.leaves == EVENTS and ran.report.checkpoints == 3


def test_a_keyring_of_another_origin_sends_it_to_the_reference_engine(tmp_path: Path) -> None:
    root = _write(tmp_path / "bundle", 300, keyring_origin="elsewhere.example/ledger")
    with open_bundle(root) as bundle:
        keys = [k.public_key for k in bundle.key_history() if k.purpose == "event"]
        assert fast.fast_check(bundle, BundleSource(bundle), candidate_keys=keys) is None
    ours = verify_bundle(root)
    assert ours.results["V1.D"].status == "FAIL"
    assert ours.as_json() == verify_bundle(root, fast=False).as_json()


# -- the worker against the reference worker --------------------------------------


def test_the_worker_refuses_every_mutated_record_the_reference_worker_refuses() -> None:
    """Random byte flips, cuts and additions in the honest fixture's records: the fast worker passes a tile
    only if the reference worker (``checks.check_rows``) finds nothing wrong with any of its records."""
    with open_bundle(ROOT / "honest" / ARCHIVE) as bundle:
        keys = {event_key_id(k.public_key): k.public_key for k in bundle.key_history() if k.purpose == "event"}
        records = bundle.entry_bundle(0, min(TILE_WIDTH, bundle.manifest.tree_size))
    fast._init_worker(keys)
    checks._init_worker(keys)
    rng = random.Random(10)
    refused = 0
    for trial in range(400):
        mutated = list(records)
        i = rng.randrange(len(mutated))
        r = bytearray(mutated[i])
        how = trial % 4
        if how == 0:
            r[rng.randrange(len(r))] ^= 1 << rng.randrange(8)
        elif how == 1:
            del r[rng.randrange(len(r)) :]
        elif how == 2:
            r += bytes([rng.randrange(256)])
        else:
            r[rng.randrange(min(len(r), 120))] = rng.randrange(256)  # the header, id, version and topic length
        mutated[i] = bytes(r)
        tile = b"".join(merkle.leaf_hash(m) for m in mutated)  # a tile that agrees: only the record itself can fail
        answer = fast.check_task((0, [(pack_entries(mutated), False, tile)]))
        rows = [_row(n, m) for n, m in enumerate(mutated)]
        reference = checks.check_rows(checks._as_tuples(rows))
        sound = all(problem is None for _, _, _, problem in reference)
        assert answer.ok == sound, (trial, how, i)
        refused += not answer.ok
    assert refused > 390  # nearly every mutation breaks a signature or the parse; the rest must agree anyway


def test_the_worker_refuses_a_correctly_signed_record_whose_topic_is_not_utf8() -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes_raw()
    kid = event_key_id(raw)
    good = signing_input(UUID(int=7), 1, "copro/1/Minute.Recorded", b"{}")
    bad = good.replace(b"copro/1/Minute.Recorded", b"copro/1/Minute.Recorde\xff")
    fast._init_worker({kid: raw})
    checks._init_worker({kid: raw})
    for message, sound in ((good, True), (bad, False)):
        record = bytes((RECORD_VERSION,)) + kid + key.sign(message) + message
        task = (0, [(pack_entries([record]), False, merkle.leaf_hash(record))])
        assert fast.check_task(task).ok is sound
        assert (checks.check_rows(checks._as_tuples([_row(0, record)]))[0][3] is None) is sound


def _broken_replay(records: Iterable[tuple[int, bytes]]) -> Replayed:
    for leaf, _ in records:
        if leaf == 100:
            raise RuntimeError("a replay that breaks on the hundredth record")
    raise AssertionError("unreachable in these tests")


def test_a_replay_that_breaks_is_only_run_where_it_ran_before() -> None:
    """The fast path feeds the replay before the tree and checkpoints are checked; if it breaks there, the
    reference engine decides, and runs it only if every check passes (so a truncated log is reported, not a crash)."""
    report = verify_bundle(ROOT / "truncated-log" / ARCHIVE, replay=_broken_replay)
    assert report.results["V3.D"].status == "FAIL"
    assert report.results["V6.B"].status == "not run"
    with pytest.raises(RuntimeError):
        verify_bundle(ROOT / "honest" / ARCHIVE, replay=_broken_replay)
