"""The demo ledger, exported on SQLite and on PostgreSQL, reads back as the log it was, and stays sealed."""

from __future__ import annotations

import base64
import hashlib
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import policies
from copro.demo import seed_demo
from copro.stories import PEOPLE
from ledger.governance.bundle_files import POLICY_FILES
from ledger.log import merkle
from ledger.log.application import Ledger
from ledger.log.bundle.export import export_log
from ledger.log.bundle.reader import open_bundle
from ledger.log.config import LedgerConfig
from ledger.log.key_history import key_history
from ledger.log.record import parse_record, record_bytes
from ledger.log.storage.log_reader import MerkleLogMixin

SEALED_WORDS = "Question 7 asks about hospital admissions without warning"  # a reason in copro/stories.py


@pytest.fixture
def demo_log(config: LedgerConfig) -> Iterator[MerkleLogMixin]:
    list(seed_demo(config))
    yield Ledger.recorder_only(config)


def records(log: MerkleLogMixin) -> list[bytes]:
    return [
        record_bytes(r.originator_id, r.originator_version, r.topic, r.state) for batch in log.scan() for r in batch
    ]


@pytest.mark.parametrize("archive", [False, True], ids=["folder", "archive"])
def test_the_demo_ledger_exports_and_reads_back_record_for_record(
    demo_log: MerkleLogMixin, tmp_path: Path, archive: bool
) -> None:
    out = tmp_path / ("bundle.tar.gz" if archive else "bundle")
    summary = export_log(demo_log, out, plugins=[POLICY_FILES], archive=archive)
    with open_bundle(out) as bundle:
        assert bundle.manifest.origin == demo_log.meta()["origin"]
        assert bundle.manifest.ledger_format == "copro-ledger/3"
        assert bundle.manifest.tree_size == summary.tree_size == demo_log.log_size()
        assert list(bundle.entries()) == records(demo_log)
        assert bundle.checkpoints() == demo_log.checkpoints()
        assert bundle.checkpoint == demo_log.checkpoints()[-1][1]
        _, periods = key_history(demo_log)
        assert [(k.purpose, k.public_key, k.first_leaf, k.last_leaf) for k in bundle.key_history()] == [
            (p.purpose.value, p.public_key, p.first_leaf, p.last_leaf) for p in periods
        ]
        size, root_b64 = bundle.checkpoint.splitlines()[1:3]
        assert merkle.root_hash([merkle.leaf_hash(r) for r in bundle.entries(0, int(size))]) == base64.b64decode(
            root_b64
        ), "the entries hash to the root the bundle's checkpoint signs"
        root = bundle.tile(0, 0, demo_log.log_size() % 256)
        assert [root[i : i + 32] for i in range(0, len(root), 32)] == [
            hashlib.sha256(b"\x00" + r).digest() for r in records(demo_log)
        ]


def test_every_rule_a_proposal_opened_under_is_in_the_bundle_named_by_its_hash(
    demo_log: MerkleLogMixin, tmp_path: Path
) -> None:
    export_log(demo_log, tmp_path / "b", plugins=[POLICY_FILES])
    opened, texts = set(), set()
    for record in map(parse_record, records(demo_log)):
        if record.topic == "copro/1/Proposal.Opened":
            opened.add(json.loads(record.payload)["policy_hash"])
        if record.topic == "copro/1/Agreement.Drafted":
            texts |= {t.encode("utf-8") for t in json.loads(record.payload)["policies"].values()}
    with open_bundle(tmp_path / "b") as bundle:
        assert opened and set(bundle.policy_hashes()) == opened
        for h in opened:
            assert bundle.policy(h) in texts, "the exact bytes of the agreement's rule"
            text = bundle.policy(h).decode("utf-8")
            assert policies.policy_hash(policies.parse_policy(text, source="bundle")) == h


def test_sealed_personal_data_stays_sealed_and_no_person_key_leaves_the_ledger(
    demo_log: MerkleLogMixin, tmp_path: Path
) -> None:
    export_log(demo_log, tmp_path / "b.tar.gz", plugins=[POLICY_FILES], archive=True)
    export_log(demo_log, tmp_path / "b", plugins=[POLICY_FILES])
    everything = b"".join(p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert b'"_type_":"sealed"' in everything, "the sealed values are exported as the log holds them"
    assert SEALED_WORDS.encode() not in everything
    for name, contact, _, needs in PEOPLE:
        assert name.encode() not in everything and contact.encode() not in everything
        assert not needs or needs.encode() not in everything
    names = {p.relative_to(tmp_path / "b").as_posix() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert not any("person" in n or n.endswith((".key", ".sqlite")) for n in names)


def test_the_archive_of_one_ledger_is_byte_identical_when_exported_twice(
    demo_log: MerkleLogMixin, tmp_path: Path
) -> None:
    export_log(demo_log, tmp_path / "one.tar.gz", plugins=[POLICY_FILES], archive=True)
    export_log(demo_log, tmp_path / "two.tar.gz", plugins=[POLICY_FILES], archive=True)
    packed = (tmp_path / "one.tar.gz").read_bytes()
    assert packed == (tmp_path / "two.tar.gz").read_bytes()
    assert packed[:2] == b"\x1f\x8b" and packed[3] == 0 and packed[4:8] == bytes(4), "gzip: no name, mtime 0"
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname, m.mode, m.type) for m in members} == {
        (0, 0, 0, "", "", 0o644, tarfile.REGTYPE)
    }
