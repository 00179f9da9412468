"""Post-quantum checkpoints: the log may sign each checkpoint with ML-DSA-44 as well as Ed25519.

The second signature is a C2SP tlog-cosignature of type 0x06 by the log's own
ML-DSA-44 key (the ``subtree/v1`` message over the whole tree). A verifier checks
it when its policy asks: the policy names the log's ML-DSA-44 key as a cosigner
its quorum requires. The key id is checked against a vector published with the
transparency-dev Go implementation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

from ledger.log.config import LedgerConfig
from ledger.log.cosignature import (
    MLDSA44Cosigner,
    MLDSA44CosignerVerifier,
    parse_cosigner_key,
    subtree_message,
    verified_cosignatures,
)
from ledger.log.keystore import KeysFolder
from ledger.log.merkle import leaf_hash
from ledger.log.signed_note import BadSignatureError, Checkpoint, NoteError, verifier_key
from tests.conftest import PASSPHRASE

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_published_ml_dsa_44_key_is_read_and_its_key_id_is_checked_as_the_spec_says() -> None:
    """The Go test vector's id (5893dc2c) is not SHA-256(name || 0x0A || 0x06 || key)[:4]: Go does not check
    ML-DSA vkey ids, copro does. The key itself reads, under the id the specification's formula gives."""
    vkey = json.loads((FIXTURES / "mldsa44_vkey.json").read_text())["vkey"]
    name, stated, key64 = vkey.split("+", 2)
    with pytest.raises(NoteError) as refused:
        parse_cosigner_key(vkey)
    assert "expected 31236897" in str(refused.value)
    raw = base64.b64decode(key64)
    expected = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex()  # raw starts with 0x06
    verifier = parse_cosigner_key(f"{name}+{expected}+{key64}")
    assert isinstance(verifier, MLDSA44CosignerVerifier)
    assert verifier.name == "test" and f"{verifier.key_id:08x}" == expected == "31236897"
    assert stated == "5893dc2c"


def test_the_subtree_message_is_laid_out_as_the_specification_says() -> None:
    root = bytes(range(32))
    message = subtree_message("w.example/pq", 7, "example.org/log", 0, 1000, root)
    assert message == (
        b"subtree/v1\n\x00"
        + b"\x0cw.example/pq"
        + (7).to_bytes(8, "big")
        + b"\x0fexample.org/log"
        + (0).to_bytes(8, "big")
        + (1000).to_bytes(8, "big")
        + root
    )
    with pytest.raises(NoteError):
        subtree_message("w", 7, "o", 5, 10, root)  # a subtree not from 0 carries no timestamp


def test_an_ml_dsa_44_cosignature_verifies_and_any_change_breaks_it() -> None:
    signer = MLDSA44Cosigner("example.org/log", MLDSA44PrivateKey.generate())
    body = Checkpoint("example.org/log", 3, leaf_hash(b"x")).to_text()
    line = signer.cosign(body, 1_790_000_000)
    note = body + "\n" + line
    assert verified_cosignatures(note, [signer.verifier()]) == {signer.verifier(): 1_790_000_000}
    other = Checkpoint("example.org/log", 4, leaf_hash(b"x")).to_text()
    with pytest.raises(BadSignatureError):
        verified_cosignatures(other + "\n" + line, [signer.verifier()])


def _copro(config: LedgerConfig, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPRO_KEY_PASSPHRASE": PASSPHRASE}
    return subprocess.run(
        [sys.executable, "-m", "copro", "--data", str(config.data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_a_ledger_with_a_post_quantum_key_signs_checkpoints_twice_and_verify_checks_both_when_asked(
    make_config: Callable[[str], LedgerConfig], tmp_path: Path
) -> None:
    config = make_config("sqlite")
    assert _copro(config, "init").returncode == 0
    before = _copro(config, "checkpoint").stdout
    added = _copro(config, "keys", "add-post-quantum")
    assert added.returncode == 0, added.stderr
    pq_vkey = added.stdout.strip().splitlines()[-1]
    assert (config.keys_dir / "checkpoint-mldsa44.key").stat().st_mode & 0o777 == 0o600
    assert b"ciphertext" in (config.keys_dir / "checkpoint-mldsa44.key").read_bytes()
    assert _copro(config, "keys", "add-post-quantum").returncode == 2  # once only

    assert _copro(config, "keys", "rotate", "report", "--reason", "new period").returncode == 0
    note = _copro(config, "checkpoint").stdout
    assert note.count("\n\u2014 ") == 2  # Ed25519 by the log, then ML-DSA-44 by the log
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    log_vkey = verifier_key(keys.origin, keys.checkpoint.public_key)
    policy = tmp_path / "pq.policy"
    policy.write_text(f"log {log_vkey}\nwitness LOG-PQ {pq_vkey}\nquorum LOG-PQ\n")
    ok = _copro(config, "verify", "--policy", str(policy))
    assert ok.returncode == 0, ok.stderr
    assert "cosigned by LOG-PQ" in ok.stdout
    # Without --policy the classic verification still holds, with both kinds of line present.
    assert _copro(config, "verify").returncode == 0
    # A checkpoint made before the key existed carries no ML-DSA-44 signature: the policy refuses it.
    assert before.count("\n\u2014 ") == 1
    export = tmp_path / "old.policy"
    export.write_text(policy.read_text())
    from ledger.log.tlog_policy import QuorumError, parse_policy

    with pytest.raises(QuorumError):
        parse_policy(policy.read_text()).check(before)
