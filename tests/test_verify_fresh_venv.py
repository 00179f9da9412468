"""The bundle verifier runs on an auditor's machine that has Python and ``cryptography`` only.

A fresh virtual environment (the verifier core's test builds it) gets a copy of
``ledger/`` and ``policies/`` as source, and runs ``python -m ledger.governance.audit``
on a bundle exported from the demo ledger: every implemented check passes, exit 0,
and none of the server's libraries is loaded (none is installed there at all).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from copro.demo import seed_demo
from ledger.log.config import LedgerConfig
from tests.helpers import run_cli
from tests.test_verifier_core import FORBIDDEN, ROOT, _fresh_environment

# Runs the verifier's own entry point, then reports which forbidden modules it loaded.
SCRIPT = """
import json, runpy, sys
sys.path.insert(0, sys.argv[1])
forbidden = json.loads(sys.argv[2])
sys.argv = ["verify", sys.argv[3], "--json"]
try:
    runpy.run_module("ledger.governance.audit", run_name="__main__")
except SystemExit as e:
    code = e.code
print(json.dumps({"exit": code, "loaded": sorted(n for n in forbidden if n in sys.modules)}), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fresh_environment(tmp_path_factory.mktemp("auditor") / "venv")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_python_m_ledger_governance_audit_passes_a_demo_bundle_with_only_cryptography_installed(
    fresh_python: Path,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    list(seed_demo(config))
    bundle = tmp_path / "bundle.tar.gz"
    assert run_cli(config, monkeypatch, capsys, "export", str(bundle), "--archive")[0] == 0
    source = tmp_path / "source"
    for package in ("ledger", "policies"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    done = subprocess.run(
        [str(fresh_python), "-c", SCRIPT, str(source), json.dumps(FORBIDDEN), str(bundle)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    status = json.loads(done.stderr.strip().splitlines()[-1])
    assert status == {"exit": 0, "loaded": []}, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    assert {c["status"] for c in report["checks"]} <= {"pass", "not implemented"}
