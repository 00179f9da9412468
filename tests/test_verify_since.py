"""``copro verify --bundle --since/--state`` and ``copro verify-update``: honest growth passes, a rewrite is caught.

The fixtures are one ledger exported at 147 leaves (``honest-old``) and again after two
key rotations at 149 (``honest``), and rewrites of the latter re-signed with the
ledger's own keys (tests/fixtures/bundles/README.md). A rewrite must fail with
self-contained evidence: both signed checkpoints verbatim and the proof's hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copro.cli import main
from ledger.log.bundle.reader import open_bundle
from tests.make_tampered_bundles import ARCHIVE, ROOT


def bundle(name: str) -> str:
    return str(ROOT / name / ARCHIVE)


def checkpoint_of(name: str, where: Path) -> str:
    with open_bundle(bundle(name)) as b:
        where.write_text(b.checkpoint, encoding="utf-8")
        return b.checkpoint


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_first_state_run_verifies_in_full_and_the_next_checks_only_the_new_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    code, out, _ = run(capsys, "verify", "--bundle", bundle("honest-old"), "--state", str(state), "--json")
    assert code == 0 and json.loads(out)["leaves"] == 147
    assert "\n147\n" in json.loads(state.read_text())["checkpoint"]
    code, out, _ = run(capsys, "verify", "--bundle", bundle("honest"), "--state", str(state), "--json")
    doc = json.loads(out)
    assert code == 0, out
    assert doc["new_leaves"] == 2
    assert "\n149\n" in json.loads(state.read_text())["checkpoint"]


def test_since_a_trusted_checkpoint_honest_growth_passes_with_versions_among_the_new_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = tmp_path / "147.note"
    checkpoint_of("honest-old", since)
    code, out, _ = run(capsys, "verify", "--bundle", bundle("honest"), "--since", str(since))
    assert code == 0, out
    assert "among the new entries only" in out


def test_since_a_trusted_checkpoint_a_rewritten_history_fails_with_both_notes_and_the_proof(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = tmp_path / "147.note"
    old_note = checkpoint_of("honest-old", since)
    code, out, _ = run(capsys, "verify", "--bundle", bundle("forged-key"), "--since", str(since))
    assert code == 1
    with open_bundle(bundle("forged-key")) as b:
        new_note = b.checkpoint
    evidence = out.split("EVIDENCE: ", 1)[1]
    assert old_note.rstrip() in evidence and new_note.rstrip() in evidence
    proof = evidence.split("computed from the new bundle's tiles) ---\n", 1)[1].split("\n--- end")[0].splitlines()
    assert len(proof) >= 1 and all(len(line) == 44 for line in proof)


def test_a_failed_incremental_run_leaves_the_state_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    assert run(capsys, "verify", "--bundle", bundle("honest-old"), "--state", str(state))[0] == 0
    before = state.read_bytes()
    assert run(capsys, "verify", "--bundle", bundle("forged-key"), "--state", str(state))[0] == 1
    assert state.read_bytes() == before


def test_a_key_used_outside_its_range_in_the_new_entries_is_caught_incrementally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rewrite of leaf 148 is after the trusted 147, so the consistency proof holds; the key check catches it."""
    since = tmp_path / "147.note"
    checkpoint_of("honest-old", since)
    code, out, _ = run(capsys, "verify", "--bundle", bundle("key-out-of-range"), "--since", str(since), "--json")
    doc = json.loads(out)
    assert code == 1
    assert {c["id"]: c["status"] for c in doc["checks"]}["V4.B"] == "FAIL"
    assert doc["first_problem"]["leaf"] == 148


def test_verify_update_accepts_honest_growth(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify-update", bundle("honest-old"), bundle("honest"))
    assert code == 0, out
    assert "EVIDENCE" not in out


def test_verify_update_rejects_a_rewritten_history_with_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify-update", bundle("honest-old"), bundle("forged-key"), "--json")
    doc = json.loads(out)
    assert code == 1
    [evidence] = doc["evidence"]
    with open_bundle(bundle("honest-old")) as old, open_bundle(bundle("forged-key")) as new:
        assert evidence["old_checkpoint"] == old.checkpoint and evidence["new_checkpoint"] == new.checkpoint
    assert evidence["proof"] and evidence["old_size"] == 147 and evidence["new_size"] == 149


def test_verify_update_shows_a_fork_two_signed_checkpoints_of_one_size_with_different_roots(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """deleted-rebuilt re-signed size 147 over another history: the two notes alone prove the fork."""
    code, out, _ = run(capsys, "verify-update", bundle("honest-old"), bundle("deleted-rebuilt"), "--json")
    [evidence] = json.loads(out)["evidence"]
    assert code == 1
    assert evidence["old_size"] == evidence["new_size"] == 147
    assert evidence["old_checkpoint"].splitlines()[2] != evidence["new_checkpoint"].splitlines()[2]


def test_verify_update_rejects_a_log_rolled_back_to_an_older_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify-update", bundle("honest"), bundle("honest-old"))
    assert code == 1
    assert "rolled back" in out and "EVIDENCE" in out


def test_since_a_checkpoint_of_another_origin_exits_2_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    since = tmp_path / "other.note"
    since.write_text("elsewhere.copro.localhost/ledger\n3\n" + "A" * 43 + "=\n\n— elsewhere x\n")
    code, out, err = run(capsys, "verify", "--bundle", bundle("honest"), "--since", str(since))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "origin" in err


def test_a_state_file_that_is_not_one_exits_2_and_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_text("not json")
    code, _, err = run(capsys, "verify", "--bundle", bundle("honest"), "--state", str(state))
    assert code == 2 and "delete it" in err and "Traceback" not in err
    assert state.read_text() == "not json"


def test_with_a_state_file_versions_out_of_order_among_the_new_entries_are_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rotations-swapped keeps the first 147 leaves, so the proof from the state's checkpoint holds; V6.A does not."""
    state = tmp_path / "state.json"
    assert run(capsys, "verify", "--bundle", bundle("honest-old"), "--state", str(state))[0] == 0
    code, out, _ = run(capsys, "verify", "--bundle", bundle("rotations-swapped"), "--state", str(state), "--json")
    doc = json.loads(out)
    assert code == 1
    [first] = [c for c in doc["checks"] if c["id"] == "V6.A"]
    assert first["status"] == "FAIL" and first["findings"][0]["leaf"] == 147


@pytest.mark.parametrize(("name", "check"), [("checkpoint-other-origin", "V1.D"), ("checkpoint-forked", "V3.D")])
def test_verify_update_checks_every_stored_checkpoint_from_the_trusted_size_on(
    name: str, check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "verify-update", bundle("honest-old"), bundle(name), "--json")
    assert code == 1
    assert {c["id"]: c["status"] for c in json.loads(out)["checks"]}[check] == "FAIL"
