"""``copro monitor``: a funder follows the Riverside log, and catches it when its history is rewritten.

The story: the monitor's first run trusts the checkpoint key it is given, reads
every entry from the served log (over real HTTP), and checks every signature. On
later runs it fetches only the entry bundles that hold new leaves, and follows
key rotations recorded in the log. Then the operator swaps in a rewritten
history signed with the same keys: the monitor exits 1 and prints evidence that
anyone can check with the checkpoint key alone.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.log import merkle
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.signed_note import Checkpoint, NoteVerifier, open_note, verifier_key
from tests.conftest import PASSPHRASE
from tests.test_serving import copro_serve


def _copro(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPRO_KEY_PASSPHRASE": PASSPHRASE}
    return subprocess.run(
        [sys.executable, "-m", "copro", "--data", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _checkpoint_vkey(config: LedgerConfig) -> str:
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    return verifier_key(keys.origin, keys.checkpoint.public_key)


def _grow(data: Path, reasons: list[str], purpose: str = "report") -> None:
    for reason in reasons:
        assert _copro(data, "keys", "rotate", purpose, "--reason", reason).returncode == 0
    assert _copro(data, "checkpoint").returncode == 0


@pytest.fixture
def riverside(make_config: Callable[[str], LedgerConfig]) -> LedgerConfig:
    config = make_config("sqlite")
    assert _copro(config.data_dir, "init").returncode == 0
    _grow(config.data_dir, [f"rotation {i}" for i in range(3)])
    return config


def test_the_monitor_follows_new_entries_fetching_only_what_is_new_then_catches_a_rewrite(
    riverside: LedgerConfig, make_config: Callable[[str], LedgerConfig], tmp_path: Path
) -> None:
    data, state = riverside.data_dir, tmp_path / "riverside-monitor.json"
    vkey = _checkpoint_vkey(riverside)
    with copro_serve(data) as (port, _):
        url = f"http://127.0.0.1:{port}/log/"
        first = _copro(data, "monitor", url, "--state", str(state), "--key", vkey)
        assert first.returncode == 0, first.stderr
        assert "4 new entries checked" in first.stdout and "(2 files fetched)" in first.stdout
        # The event key rotates (a logged event); the monitor follows the keyring and checks the new signatures.
        _grow(data, ["new event key"], purpose="event")
        _grow(data, ["after the rotation", "and again"])
        second = _copro(data, "monitor", url, "--state", str(state))
        assert second.returncode == 0, second.stderr
        assert "3 new entries checked" in second.stdout and "trusted size is now 7" in second.stdout
        assert "(2 files fetched)" in second.stdout  # the checkpoint and the one entry bundle with new leaves
        again = _copro(data, "monitor", url, "--state", str(state))
        assert "No new entries" in again.stdout and "(1 files fetched)" in again.stdout
    trusted_note = _state_note(state)

    # The operator swaps in another history, signed with the same keys, and longer.
    forged = make_config("sqlite")
    shutil.rmtree(forged.data_dir)
    forged.data_dir.mkdir(mode=0o700)
    shutil.copytree(riverside.keys_dir, forged.keys_dir)
    assert _copro(forged.data_dir, "init").returncode == 0
    _grow(forged.data_dir, [f"rewritten {i}" for i in range(9)])
    shutil.rmtree(data)
    shutil.copytree(forged.data_dir, data)
    with copro_serve(data) as (port, _):
        caught = _copro(data, "monitor", f"http://127.0.0.1:{port}/log/", "--state", str(state))
    assert caught.returncode == 1
    assert "rewrote its history" in caught.stderr
    _check_evidence(caught.stdout, trusted_note, vkey)
    assert _state_note(state) == trusted_note  # nothing of the rewritten log was trusted


def _state_note(state: Path) -> str:
    import json

    return str(json.loads(state.read_text())["note"])


def _check_evidence(evidence: str, trusted_note: str, vkey: str) -> None:
    """The printed evidence stands alone: two notes signed by the log, and a proof between them that fails."""
    assert evidence.startswith("EVIDENCE:")
    sections = evidence.split("\n--- ")[1:]
    old_note = sections[0].split("---\n", 1)[1] + "\n"
    new_note = sections[1].split("---\n", 1)[1] + "\n"
    assert old_note == trusted_note
    verifier = NoteVerifier.parse(vkey)
    old = Checkpoint.parse(open_note(trusted_note, [verifier]).text)
    new = Checkpoint.parse(open_note(new_note, [verifier]).text)
    assert new.size > old.size
    assert "does not verify" in sections[2].splitlines()[0]
    proof_lines = sections[2].splitlines()[1:]
    proof = [base64.b64decode(line) for line in proof_lines]
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)


def test_the_first_run_needs_the_key_and_a_wrong_address_is_explained(riverside: LedgerConfig, tmp_path: Path) -> None:
    no_key = _copro(riverside.data_dir, "monitor", "http://127.0.0.1:9/log/", "--state", str(tmp_path / "s.json"))
    assert no_key.returncode == 2 and "--key" in no_key.stderr and "Traceback" not in no_key.stderr
    not_url = _copro(riverside.data_dir, "monitor", "riverside.example/log", "--state", str(tmp_path / "s.json"))
    assert not_url.returncode == 2 and "not a web address" in not_url.stderr
    vkey = _checkpoint_vkey(riverside)
    down = _copro(
        riverside.data_dir, "monitor", "http://127.0.0.1:9/log/", "--state", str(tmp_path / "s.json"), "--key", vkey
    )
    assert down.returncode == 2 and "could not be read" in down.stderr
    assert not (tmp_path / "s.json").exists()
