"""The log asks its witnesses to cosign each checkpoint; auditors require a quorum of them.

The story: the Riverside collective's operator names two partner organisations'
witnesses in ``witnesses.policy``. Each ``copro checkpoint`` asks both, over real
HTTP, and stores their cosignatures with the checkpoint. One witness goes down:
checkpoints (and votes) carry on, with one cosignature. An auditor's
``copro verify --policy`` with a quorum of two then fails until both have cosigned
again. A copy of the log with a rewritten history is refused by the witness, and
the operator is told.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.cosignature import CosignerVerifier, verified_cosignatures
from ledger.log.keystore import KeysFolder
from ledger.log.signed_note import verifier_key
from ledger.log.witnessing import collect_cosignatures, load_witness_policy
from tests.conftest import PASSPHRASE
from tests.witness_support import run_copro, witness_server


def _copro(config: LedgerConfig, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPRO_KEY_PASSPHRASE": PASSPHRASE}
    if config.database_url:
        env["COPRO_DATABASE_URL"] = config.database_url
    return subprocess.run(
        [sys.executable, "-m", "copro", "--data", str(config.data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _log_vkey(config: LedgerConfig) -> str:
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    return verifier_key(keys.origin, keys.checkpoint.public_key)


class Witnesses:
    """Two witness processes that follow one log, and the policy files that name them."""

    def __init__(self, root: Path, log_vkey: str, stack: ExitStack) -> None:
        env = {**os.environ, "COPRO_KEY_PASSPHRASE": PASSPHRASE}
        self.vkeys: list[str] = []
        self.processes: list[subprocess.Popen[str]] = []
        self.ports: list[int] = []
        for n in (1, 2):
            folder = root / f"witness{n}"
            made = run_copro("witness", "init", f"partner{n}.example/witness", "--dir", str(folder), env=env)
            assert made.returncode == 0, made.stderr
            self.vkeys.append(made.stdout.strip().splitlines()[-1])
            assert run_copro("witness", "trust", log_vkey, "--dir", str(folder), env=env).returncode == 0
            port, process = stack.enter_context(witness_server(folder, env))
            self.ports.append(port)
            self.processes.append(process)
        self.log_vkey = log_vkey

    def policy(self, quorum: str, *, urls: bool = True) -> str:
        lines = [f"log {self.log_vkey}"]
        for n, (vkey, port) in enumerate(zip(self.vkeys, self.ports, strict=True), start=1):
            lines.append(f"witness P{n} {vkey}" + (f" http://127.0.0.1:{port}/" if urls else ""))
        lines += ["group both all P1 P2", f"quorum {quorum}"]
        return "\n".join(lines) + "\n"

    def stop(self, n: int) -> None:
        self.processes[n - 1].terminate()
        self.processes[n - 1].communicate(timeout=30)


@pytest.fixture
def witnesses(tmp_path: Path, make_config: Callable[[str], LedgerConfig]) -> Iterator[tuple[LedgerConfig, Witnesses]]:
    config = make_config("sqlite")
    assert _copro(config, "init").returncode == 0
    with ExitStack() as stack:
        yield config, Witnesses(tmp_path, _log_vkey(config), stack)


def test_checkpoints_are_cosigned_and_verify_requires_the_quorum(
    witnesses: tuple[LedgerConfig, Witnesses], tmp_path: Path
) -> None:
    config, w = witnesses
    (config.data_dir / "witnesses.policy").write_text(w.policy("both"), encoding="utf-8")
    auditor_both = tmp_path / "auditor-both.policy"
    auditor_both.write_text(w.policy("both", urls=False), encoding="utf-8")
    auditor_any = tmp_path / "auditor-any.policy"
    auditor_any.write_text(w.policy("P1", urls=False), encoding="utf-8")

    first = _copro(config, "checkpoint")
    assert first.returncode == 0, first.stderr
    assert "Witness P1 cosigned" in first.stderr and "Witness P2 cosigned" in first.stderr
    verifiers = [CosignerVerifier.parse(v) for v in w.vkeys]
    assert set(verified_cosignatures(first.stdout, verifiers)) == set(verifiers)
    ok = _copro(config, "verify", "--policy", str(auditor_both))
    assert ok.returncode == 0, ok.stderr
    assert "cosigned by P1, P2" in ok.stdout

    # One witness goes down; the log carries on and the next checkpoint has one cosignature.
    w.stop(2)
    assert _copro(config, "keys", "rotate", "report", "--reason", "yearly rotation").returncode == 0
    second = _copro(config, "checkpoint")
    assert second.returncode == 0, second.stderr
    assert "Witness P1 cosigned" in second.stderr and "Witness P2 could not be reached" in second.stderr
    short = _copro(config, "verify", "--policy", str(auditor_both))
    assert short.returncode == 1
    assert "does not meet the policy" in short.stderr and "cosigned by P1" in short.stderr
    assert _copro(config, "verify", "--policy", str(auditor_any)).returncode == 0

    # The exported bundle carries the cosignatures too.
    bundle = tmp_path / "bundle"
    assert _copro(config, "export", str(bundle)).returncode == 0
    from_bundle = _copro(config, "verify", "--bundle", str(bundle), "--policy", str(auditor_any))
    assert from_bundle.returncode == 0, from_bundle.stderr + from_bundle.stdout


def test_a_rewritten_copy_of_the_log_is_refused_and_the_operator_alerted(
    witnesses: tuple[LedgerConfig, Witnesses], make_config: Callable[[str], LedgerConfig]
) -> None:
    config, w = witnesses
    (config.data_dir / "witnesses.policy").write_text(w.policy("both"), encoding="utf-8")
    assert _copro(config, "keys", "rotate", "report", "--reason", "one").returncode == 0
    assert _copro(config, "checkpoint").returncode == 0

    # The same keys, a different history: a fresh ledger with other events.
    forged = make_config("sqlite")
    shutil.rmtree(forged.keys_dir)
    shutil.copytree(config.keys_dir, forged.keys_dir)
    assert _copro(forged, "init").returncode == 0
    for reason in ("rewritten one", "rewritten two", "rewritten three"):
        assert _copro(forged, "keys", "rotate", "event", "--reason", reason).returncode == 0
    shutil.copy(config.data_dir / "witnesses.policy", forged.data_dir / "witnesses.policy")
    refused = _copro(forged, "checkpoint")
    assert refused.returncode == 1
    assert refused.stderr.count("ALERT: Witness") == 2
    assert "consistency proof does not verify" in refused.stderr


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_cosignatures_are_stored_with_the_checkpoint_on_both_engines(
    config: LedgerConfig, ledger: Ledger, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        w = Witnesses(tmp_path, _log_vkey(config), stack)
        (config.data_dir / "witnesses.policy").write_text(w.policy("both"), encoding="utf-8")
        policy = load_witness_policy(config.data_dir)
        assert policy is not None
        note = ledger.checkpoint()
        size = ledger.merkle_log.log_size()
        cosigned, outcomes = collect_cosignatures(ledger.merkle_log, size, note, policy)
        assert [o.result for o in outcomes] == ["cosigned", "cosigned"]
        assert ledger.checkpoint() == cosigned  # stored, and served from then on
        assert cosigned.startswith(note)
        # Asked again, nobody is asked twice and nothing changes.
        again, outcomes = collect_cosignatures(ledger.merkle_log, size, cosigned, policy)
        assert again == cosigned and all("already" in o.sentence for o in outcomes)
        # Only appending is allowed: a note that changes the stored text is not stored.
        assert not ledger.merkle_log.add_cosignatures(size, note.replace("\n", "\n\n", 1))
