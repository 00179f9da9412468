"""`copro demo` seeds a realistic collective with something true for every screen, exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from copro.demo import DEMO_MARK, seed_demo
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli


def aggregates(gov: Governance, kind: str) -> list[Any]:
    ids = {
        row.originator_id
        for batch in gov.merkle_log.scan()
        for row in batch
        if row.topic and row.topic.startswith(f"copro/1/{kind}.")
    }
    return [gov.repository.get(i) for i in ids]


def test_the_demo_has_every_state_and_seeds_once(config: LedgerConfig) -> None:
    lines = list(seed_demo(config))
    assert lines[-1].endswith("OK.")
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    gov = Governance.open(config, keys)
    size = gov.merkle_log.log_size()
    collective = gov.collective(UUID(gov.merkle_log.meta()[DEMO_MARK]))
    members = collective.active_members()
    assert len(members) >= 12
    assert len({g for groups in members.values() for g in groups}) >= 4
    assert gov.agreement_in_force(collective.id) is not None
    states = Counter(p.state.value for p in aggregates(gov, "Proposal"))
    assert set(states) == {"draft", "open", "closed", "withdrawn"}
    outcomes = {p.outcome["outcome"] for p in aggregates(gov, "Proposal") if p.outcome}
    assert {"adopted", "not_adopted", "no_quorum"} <= outcomes
    objection_states = {o.status.value for o in aggregates(gov, "Objection")}
    assert objection_states == {"raised", "answered", "withdrawn", "integrated", "upheld", "overruled"}
    assert aggregates(gov, "Reflection")
    recognitions = {c.recognition.value for c in aggregates(gov, "Contribution")}
    assert {"offered", "declined", "paid", "accepted"} <= recognitions
    gov.close()

    again = list(seed_demo(config))
    assert "already seeded" in again[0]
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.ok and report.outcomes == 5
    assert report.leaves == size, "running the demo twice adds nothing but nothing is duplicated"


def test_copro_demo_from_the_command_line(
    config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and "not a demo" in err, "the demo never seeds a real collective's ledger"
    fresh = LedgerConfig(tmp_path / "demo-data", config.database_url)
    code, out, err = run_cli(fresh, monkeypatch, capsys, "demo")
    assert code == 0 and "Seeded the demo collective" in out
    assert "not protected by a passphrase" in err
    code, out, _ = run_cli(fresh, monkeypatch, capsys, "verify")
    assert code == 0 and "5 recorded outcomes recompute" in out


def test_a_fresh_copro_process_verifies_the_demo_and_recomputes_every_outcome(tmp_path: Path) -> None:
    """``python -m copro verify`` in its own process knows every event name the recomputation reads.

    In the test process every aggregate module is already imported; a new process
    imports only what verify needs, so an aggregate it reads but never imports would
    leave its events unreadable there.
    """
    env = {**os.environ, "COPRO_DATA": str(tmp_path / "demo-data")}
    env.pop("COPRO_DATABASE_URL", None)
    env.pop("COPRO_KEY_PASSPHRASE", None)

    def copro(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "copro", *args], capture_output=True, text=True, env=env, check=False
        )

    assert copro("demo").returncode == 0
    verified = copro("verify")
    assert verified.returncode == 0, verified.stderr
    assert "5 recorded outcomes recompute" in verified.stdout
