"""The verifier core runs where only the standard library and ``cryptography`` are installed.

An auditor must be able to read all the code they trust (issue 10). The import contract
``verifier-core`` proves it on the import graph; this test proves it on a machine: a
fresh virtual environment with nothing but ``cryptography`` (and what ``pip install
cryptography`` brings along), and a copy of ``ledger/`` and ``policies/`` as source. The
core modules are imported there and do real work (a record signed and checked, a tree,
a signed checkpoint, canonical JSON), and the bytes they give must be the bytes the
full installation gives.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import cryptography
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.log import merkle, sealed, signed_note
from ledger.log.key_schedule import KEYRING_ID, KeySchedule
from ledger.log.record import record_bytes, verify_record
from ledger.log.tile_math import split_hashes
from policies.canonical import canonical_json

ROOT = Path(__file__).resolve().parent.parent
CORE = [
    "ledger.log.canonical",
    "ledger.log.record",
    "ledger.log.key_schedule",
    "ledger.log.merkle",
    "ledger.log.signed_note",
    "ledger.log.sealed",
    "ledger.log.tile_math",
    "policies",
]
#: What the core must never need; none of it is installed in the fresh environment.
FORBIDDEN = ["eventsourcing", "psycopg", "nacl", "rfc8785", "flask", "werkzeug", "jinja2", "sqlite3"]
#: ``pip install cryptography`` brings these, and the environment may hold nothing else but pip's own.
ALLOWED_DISTRIBUTIONS = {"cryptography", "cffi", "pycparser", "pip", "setuptools"}
SEED = bytes(range(32))
ORIGIN = "auditor.copro.localhost/ledger"

# Runs inside the fresh environment: sys.argv[1] is the folder holding the copied packages.
SCRIPT = """
import importlib, importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
core, forbidden = json.loads(sys.argv[2]), json.loads(sys.argv[3])
missing = [n for n in forbidden if n not in sys.stdlib_module_names and importlib.util.find_spec(n) is not None]
for name in core:
    importlib.import_module(name)
from uuid import UUID
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger.log import merkle, sealed, signed_note
from ledger.log.key_schedule import KEYRING_ID, KeySchedule
from ledger.log.record import HEADER_SIZE, record_bytes, signing_input, verify_record
from ledger.log.tile_math import split_hashes
from policies.canonical import canonical_json
key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
payload = canonical_json({"origin": sys.argv[4], "\\U0001f600": [1, None, True], "\\ufb01": "x"})
message = signing_input(KEYRING_ID, 1, "Keyring.Started", payload)
state = bytes((1,)) + bytes(4) + key.sign(message) + payload
record = record_bytes(KEYRING_ID, 1, "Keyring.Started", state)
parsed = verify_record(record, {bytes(4): key.public_key()})
leaves = [merkle.leaf_hash(record), merkle.leaf_hash(b"second")]
root = merkle.root_hash(leaves)
schedule = KeySchedule()
schedule.add(0, b"a" * 32)
schedule.add(5, b"b" * 32)
signer = signed_note.NoteSigner(sys.argv[4], key)
note = signed_note.sign_note(signed_note.Checkpoint(sys.argv[4], 2, root).to_text(), [signer])
verifier = signed_note.NoteVerifier(sys.argv[4], signer.key_id, key.public_key())
signed_note.open_note(note, [verifier])
print(json.dumps({
    "installed_forbidden": missing,
    "loaded_forbidden": sorted(name for name in forbidden if name in sys.modules),
    "payload": payload.hex(),
    "record": record.hex(),
    "topic": parsed.topic,
    "root": root.hex(),
    "key_at_7": schedule.at(7).hex(),
    "tile": [h.hex() for h in split_hashes(b"".join(leaves))],
    "misplaced": sealed.misplaced(b'{"r":{"_type_":"sealed","_data_":{"place":"elsewhere"}}}', KEYRING_ID, 1),
    "note": note,
}))
"""


def _fresh_environment(where: Path) -> Path:
    """A virtual environment without system site packages, holding only ``cryptography``.

    ``pip install cryptography`` from the package index, as an auditor would; where the
    index cannot be reached, the installed ``cryptography`` (with ``cffi`` and ``pycparser``,
    which it requires) is copied in instead.
    """
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(where)
    python = where / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "cryptography"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    if installed.returncode != 0:
        site = Path(cryptography.__file__).resolve().parent.parent
        fresh_site = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout.strip()
        )
        for entry in site.iterdir():
            if entry.name.split("-")[0].split(".")[0].lower() in {"cryptography", "cffi", "pycparser", "_cffi_backend"}:
                copy = shutil.copytree if entry.is_dir() else shutil.copy2
                copy(entry, fresh_site / entry.name)
    return python


def _in_full_installation() -> dict[str, object]:
    """What the script computes, computed here, with eventsourcing and all the rest installed."""
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    payload = canonical_json({"origin": ORIGIN, "\U0001f600": [1, None, True], "\ufb01": "x"})
    from ledger.log.record import signing_input

    state = bytes((1,)) + bytes(4) + key.sign(signing_input(KEYRING_ID, 1, "Keyring.Started", payload)) + payload
    record = record_bytes(KEYRING_ID, 1, "Keyring.Started", state)
    parsed = verify_record(record, {bytes(4): key.public_key()})
    leaves = [merkle.leaf_hash(record), merkle.leaf_hash(b"second")]
    root = merkle.root_hash(leaves)
    schedule = KeySchedule()
    schedule.add(0, b"a" * 32)
    schedule.add(5, b"b" * 32)
    signer = signed_note.NoteSigner(ORIGIN, key)
    return {
        "installed_forbidden": [],
        "loaded_forbidden": [],
        "payload": payload.hex(),
        "record": record.hex(),
        "topic": parsed.topic,
        "root": root.hex(),
        "key_at_7": (b"b" * 32).hex(),
        "tile": [h.hex() for h in split_hashes(b"".join(leaves))],
        "misplaced": sealed.misplaced(b'{"r":{"_type_":"sealed","_data_":{"place":"elsewhere"}}}', KEYRING_ID, 1),
        "note": signed_note.sign_note(signed_note.Checkpoint(ORIGIN, 2, root).to_text(), [signer]),
    }


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fresh_environment(tmp_path_factory.mktemp("auditor") / "venv")


def test_the_fresh_environment_holds_only_cryptography_and_what_it_requires(fresh_python: Path) -> None:
    listed = subprocess.run(
        [str(fresh_python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = {entry["name"].lower() for entry in json.loads(listed.stdout)}
    assert "cryptography" in names
    assert names <= ALLOWED_DISTRIBUTIONS, f"the fresh environment holds more than cryptography: {names}"


def test_the_verifier_core_imports_and_works_with_only_cryptography_installed(
    fresh_python: Path, tmp_path: Path
) -> None:
    for package in ("ledger", "policies"):  # source only: not the installed copro, which would bring its dependencies
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    ran = subprocess.run(
        [str(fresh_python), "-I", "-c", SCRIPT, str(tmp_path), json.dumps(CORE), json.dumps(FORBIDDEN), ORIGIN],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == _in_full_installation()
