"""The import contracts in pyproject.toml hold, and they catch an import that points the wrong way.

``lint-imports`` (import-linter) reads the real import graph of copro, web, ledger and
policies. The second test copies the packages, adds one bad import to the copy, and
checks that the contract it breaks says so: a contract that could never fail would
prove nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("copro", "web", "ledger", "policies")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run lint-imports (every contract, or those ids) on the packages under ``root``, with its pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(root)}  # the packages under root, not the installed ones
    only = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *only], cwd=root, env=env, capture_output=True, text=True, check=False
    )


def test_every_import_contract_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("ledger/log/verify.py", "import web.state", "one-way"),
        ("web/home.py", "import copro.demo", "one-way"),
        ("policies/decide.py", "import ledger.log.errors", "one-way"),
        ("ledger/log/verify.py", "import ledger.governance.recompute", "log-below-governance"),
        ("ledger/log/application.py", "import ledger.personal.vault", "log-below-governance"),
        ("ledger/personal/vault.py", "import ledger.governance.text", "log-below-governance"),
        ("ledger/log/errors.py", "import flask", "ledger-no-web"),
        ("policies/model.py", "import eventsourcing.domain", "policies-pure"),
        ("ledger/governance/ballot.py", "import ledger.governance.proposal", "aggregates-alone"),
        ("web/home.py", "import web.proposals", "web-areas-alone"),
        ("ledger/log/config.py", "import ledger.personal.side_store", "acyclic"),
        ("ledger/log/tile_math.py", "import sqlite3", "verifier-core"),
        ("ledger/log/record.py", "import eventsourcing.persistence", "verifier-core"),
        ("ledger/log/sealed.py", "import nacl.bindings", "verifier-core"),
        ("ledger/log/key_schedule.py", "import psycopg", "verifier-core"),
        ("ledger/log/errors.py", "import sqlite3", "verifier-core"),
        ("policies/canonical.py", "import jinja2", "verifier-core"),
        ("ledger/governance/tally.py", "import rfc8785", "one-encoder"),
        ("ledger/governance/replay/fold.py", "import eventsourcing.domain", "pure-replay"),
        ("ledger/governance/replay/outcomes.py", "import sqlite3", "pure-replay"),
        ("ledger/governance/tally.py", "import ledger.governance.ballot", "pure-replay"),
    ],
)
def test_an_import_that_points_the_wrong_way_breaks_its_contract(
    tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint_imports(tmp_path, contract).returncode == 0, "the copy keeps the contract before the bad import"
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{bad_import}\n", encoding="utf-8")
    result = lint_imports(tmp_path, contract)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
