"""Write tests/fixtures/bundles/: small bundles of one demo ledger, each broken in one documented way.

Run ``python -m tests.make_tampered_bundles`` from the repository root; it replaces
the folder. Each fixture is the honest bundle with one change, made the way an
attacker with that much access would make it: a file edited in place (the manifest
left as it was, or brought up to date), or the log itself rewritten, every record
and checkpoint re-signed with the ledger's own keys (an operator who lies). The
README it writes lists each fixture, what was broken and the check that must catch
it; tests/test_verify_fixtures.py runs the verifier on every one.

Each is kept as the archive ``copro export --archive`` writes (``<name>/bundle.tar.gz``),
a sixth of the folder's size. The keys are new on every run, so the bytes differ from run to run: what is
committed is one run, and the test proves each fixture is caught, not that a run
repeats it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from copro.cli import main as copro
from copro.demo import seed_demo
from ledger.log import merkle
from ledger.log.application import Ledger
from ledger.log.bundle.export import BundleWriter, write_archive
from ledger.log.bundle.layout import KEYS, MANIFEST, POLICIES_DIR, checkpoint_path, entries_path, tile_path
from ledger.log.bundle.reader import open_bundle
from ledger.log.canonical import canonical_dumps, strict_loads
from ledger.log.config import LedgerConfig
from ledger.log.keys import Purpose, event_key_id
from ledger.log.keystore import KeysFolder
from ledger.log.record import RECORD_VERSION, parse_record, signing_input
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note

ROOT = Path(__file__).resolve().parent / "fixtures" / "bundles"
ORIGIN = "fixtures.copro.localhost/ledger"
PASSPHRASE = "fixture passphrase, not a secret"
ARCHIVE = "bundle.tar.gz"


@dataclass(frozen=True)
class Fixture:
    """One broken bundle: its folder name, what was done to it, the check that must catch it, the exit code."""

    name: str
    broken: str
    check: str
    exit_code: int = 1
    leaf: int | None = None


FIXTURES: tuple[Fixture, ...] = (
    Fixture("honest", "nothing: the bundle as exported after two event-key rotations", "", 0),
    Fixture("honest-old", "nothing: the same ledger exported before the rotations (a prefix of honest)", "", 0),
    Fixture(
        "edited-entry", "one byte of an event's payload changed in its entry bundle, manifest updated", "V4.A", 1, 60
    ),
    Fixture("edited-file", "one byte of an event's payload changed in its entry bundle, manifest left", "V1.B"),
    Fixture("changed-topic", "an event's topic changed in its entry bundle, manifest updated", "V4.A", 1, 61),
    Fixture("stray-file", "a file added that the manifest does not list", "V1.C"),
    Fixture("missing-file", "a file the manifest lists deleted", "V1.B"),
    Fixture("truncated-archive", "the .tar.gz archive cut off half-way", "V1.B"),
    Fixture(
        "reordered", "two events of different aggregates swapped in their entry bundle, manifest updated", "V3.B", 1, 20
    ),
    Fixture("padded", "bytes appended to an entry bundle, manifest updated", "V3.A"),
    Fixture("entry-count", "the last entry dropped from the entry bundle, so it holds fewer than its tile", "V3.A"),
    Fixture("tile-deleted", "the level-0 tile deleted and dropped from the manifest", "V3.B", 1, 0),
    Fixture("tile-rewritten", "one hash of the level-0 tile replaced, manifest updated", "V3.B", 1, 30),
    Fixture("deleted-rebuilt", "an event deleted, the gap closed, tree and checkpoints rebuilt and re-signed", "V6.A"),
    Fixture(
        "swapped-rebuilt",
        "two events of one aggregate swapped, tree and checkpoints rebuilt and re-signed",
        "V6.A",
        1,
        None,
    ),
    Fixture("truncated-log", "the last three events cut, the signed checkpoints kept", "V3.D"),
    Fixture("forged-checkpoint", "a byte of the latest checkpoint's signature changed, manifest updated", "V5.A"),
    Fixture(
        "checkpoint-forked",
        "the stored checkpoint of size 147 replaced by one over another root, correctly signed with the ledger's key",
        "V3.D",
    ),
    Fixture("checkpoint-other-origin", "a stored checkpoint replaced by one for another origin", "V1.D"),
    Fixture("policy-edited", "a rule file's threshold changed, manifest updated", "V7.A"),
    Fixture("keys-edited", "the key list's second event key said to start one leaf earlier, manifest updated", "V2.B"),
    Fixture(
        "key-out-of-range",
        "the last event re-signed with the first event key after that key was rotated out; rebuilt, re-signed",
        "V4.B",
        1,
        148,
    ),
    Fixture("forged-key", "an event re-signed with a key the keyring never named; rebuilt, re-signed", "V4.A", 1, 40),
    Fixture("sealed-moved", "a sealed value's place changed, the event re-signed; rebuilt, re-signed", "V6.C", 1, None),
    Fixture(
        "rotations-swapped",
        "the two key rotations (leaves 147 and 148, after honest-old's checkpoint) swapped; rebuilt, re-signed "
        "(a full run names the key first; --since from honest-old also names V6.A)",
        "V4.B",
        1,
        147,
    ),
    Fixture("unknown-format", "the manifest names format copro-bundle/2", "V1.A", 2),
    Fixture(
        "forged-outcome",
        "a Proposal.Closed event's outcome flipped, correctly re-signed with the event key; rebuilt, re-signed",
        "V7.B",
        1,
        None,
    ),
)


@dataclass
class Ledger0:
    """What the generator keeps of the ledger it made: the keys to sign with, the honest bundles."""

    honest: Path
    honest_old: Path
    first_event_key: Ed25519PrivateKey
    event_key: Ed25519PrivateKey
    checkpoint_signer: NoteSigner


def make_ledger(tmp: Path) -> Ledger0:
    data = tmp / "data"
    data.mkdir(mode=0o700)
    os.environ["COPRO_KEY_PASSPHRASE"] = PASSPHRASE
    KeysFolder(data / "keys").init(ORIGIN, PASSPHRASE)
    config = LedgerConfig(data, None)
    list(seed_demo(config))
    honest_old = tmp / "honest-old"
    if copro(["--data", str(data), "export", str(honest_old)]) != 0:
        raise SystemExit("the demo ledger could not be exported")
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    first = keys.event.signing_key
    ledger = Ledger.open(config, keys)
    ledger.rotate_key(Purpose.EVENT, "fixture: first rotation", PASSPHRASE)
    ledger.rotate_key(Purpose.EVENT, "fixture: second rotation", PASSPHRASE)
    ledger.checkpoint()
    signer = ledger.checkpoint_signer
    ledger.close()
    honest = tmp / "honest"
    if copro(["--data", str(data), "export", str(honest)]) != 0:
        raise SystemExit("the rotated ledger could not be exported")
    second = KeysFolder(config.keys_dir).load(PASSPHRASE).event.signing_key
    return Ledger0(honest, honest_old, first, second, signer)


# -- editing files in place -------------------------------------------------------


def refresh_manifest(folder: Path) -> None:
    """Bring the manifest's sizes and hashes up to date, as an attacker who edits files would."""
    manifest = json.loads((folder / MANIFEST).read_text())
    for item in manifest["files"]:
        data = (folder / item["path"]).read_bytes()
        item["sha256"], item["size"] = sha256(data).hexdigest(), len(data)
    (folder / MANIFEST).write_bytes(canonical_dumps(manifest))


def flip_payload_byte(folder: Path, leaf: int) -> None:
    path = folder / entries_path(0, width_of(folder))
    data = bytearray(path.read_bytes())
    at = offset_of(bytes(data), leaf)
    record = entry_at(bytes(data), leaf)
    data[at + 2 + len(record) - 3] ^= 0x01  # inside the payload's last characters
    path.write_bytes(bytes(data))


def width_of(folder: Path) -> int:
    return int(json.loads((folder / MANIFEST).read_text())["tree_size"])


def offset_of(data: bytes, leaf: int) -> int:
    at = 0
    for _ in range(leaf):
        at += 2 + int.from_bytes(data[at : at + 2], "big")
    return at


def entry_at(data: bytes, leaf: int) -> bytes:
    at = offset_of(data, leaf)
    return data[at + 2 : at + 2 + int.from_bytes(data[at : at + 2], "big")]


def replace_entries(folder: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    """Edit the one entry bundle of a small bundle as a list of records (the tiles are left as they were)."""
    path = folder / entries_path(0, width_of(folder))
    data = path.read_bytes()
    records = [entry_at(data, i) for i in range(width_of(folder))]
    out = b"".join(len(r).to_bytes(2, "big") + r for r in change(records))
    path.write_bytes(out)


# -- rewriting the log and re-signing it ------------------------------------------


def records_of(folder: Path) -> list[bytes]:
    with open_bundle(folder) as bundle:
        return list(bundle.entries())


def resign(record: bytes, key: Ed25519PrivateKey, payload: bytes | None = None) -> bytes:
    """The record re-signed by ``key`` (with a new payload, if given): what an operator holding the key can do."""
    p = parse_record(record)
    message = signing_input(p.originator_id, p.version, p.topic, p.payload if payload is None else payload)
    raw = key.public_key().public_bytes_raw()
    return bytes((RECORD_VERSION,)) + event_key_id(raw) + key.sign(message) + message


def rebuild(honest: Path, target: Path, records: list[bytes], signer: NoteSigner) -> None:
    """A whole new bundle of ``records``: tiles recomputed, every checkpoint size re-signed over the new tree."""
    with open_bundle(honest) as bundle:
        sizes = [s for s, _ in bundle.checkpoints()]
        keys = strict_loads(bundle.read(KEYS))["keys"]
        ledger_format = bundle.manifest.ledger_format
        extra = {p: bundle.read(p) for p in bundle.paths if p.startswith(POLICIES_DIR + "/")}
    writer = BundleWriter(target)
    for record in records:
        writer.add(record)
    leaves = [merkle.leaf_hash(r) for r in records]
    notes = [
        (s, sign_note(Checkpoint(ORIGIN, s, merkle.root_hash(leaves[:s])).to_text(), [signer]))
        for s in sizes
        if s <= len(records)
    ]
    writer.finish(origin=ORIGIN, ledger_format=ledger_format, checkpoints=notes, keys=keys, extra=extra)


def first_of(records: list[bytes], topic_end: str) -> int:
    return next(i for i, r in enumerate(records) if parse_record(r).topic.endswith(topic_end))


REWRITTEN = (
    "deleted-rebuilt",
    "swapped-rebuilt",
    "key-out-of-range",
    "forged-key",
    "sealed-moved",
    "forged-outcome",
    "rotations-swapped",
)


def make_fixture(fixture: Fixture, made: Ledger0, target: Path) -> None:
    """Write one fixture into ``target`` (a new folder)."""
    name = fixture.name
    source = made.honest_old if name == "honest-old" else made.honest
    records = records_of(made.honest)
    if name in REWRITTEN:
        rebuild(source, target, rewritten(name, records, made), made.checkpoint_signer)
        return
    shutil.copytree(source, target)
    if name in ("honest", "honest-old"):
        return
    if name in ("edited-entry", "edited-file"):
        flip_payload_byte(target, 60)
    elif name == "changed-topic":
        replace_entries(target, lambda rs: [*rs[:61], rs[61].replace(b"copro/1/", b"copro/9/", 1), *rs[62:]])
    elif name == "stray-file":
        (target / "copro" / "notes.txt").write_text("added after export\n")
    elif name == "missing-file":
        (target / checkpoint_path(147)).unlink()
    elif name == "truncated-archive":
        archive = target.parent / f"{name}.tmp.tar.gz"
        write_archive(target, [p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()], archive)
        data = archive.read_bytes()
        archive.unlink()
        shutil.rmtree(target)
        target.mkdir()
        (target / ARCHIVE).write_bytes(data[: len(data) // 2])
        return
    elif name == "reordered":
        replace_entries(target, lambda rs: [*rs[:20], rs[21], rs[20], *rs[22:]])
    elif name == "padded":
        path = target / entries_path(0, width_of(target))
        path.write_bytes(path.read_bytes() + b"\x00\x07padding")
    elif name == "entry-count":
        replace_entries(target, lambda rs: rs[:-1])
    elif name == "tile-rewritten":
        path = target / tile_path(0, 0, width_of(target))
        hashes = bytearray(path.read_bytes())
        hashes[30 * 32] ^= 0xFF
        path.write_bytes(bytes(hashes))
    elif name == "tile-deleted":
        deleted = tile_path(0, 0, width_of(target))
        (target / deleted).unlink()
        manifest = json.loads((target / MANIFEST).read_text())
        manifest["files"] = [item for item in manifest["files"] if item["path"] != deleted]
        (target / MANIFEST).write_bytes(canonical_dumps(manifest))
    elif name == "truncated-log":
        replace_entries(target, lambda rs: rs[:-3])
        manifest = json.loads((target / MANIFEST).read_text())
        old, new = manifest["tree_size"], manifest["tree_size"] - 3
        (target / entries_path(0, old)).rename(target / entries_path(0, new))
        tile = target / tile_path(0, 0, old)
        tile.write_bytes(tile.read_bytes()[: new * 32])
        tile.rename(target / tile_path(0, 0, new))
        manifest["tree_size"] = new
        manifest["checkpoint_size"] = new
        for item in manifest["files"]:
            item["path"] = {entries_path(0, old): entries_path(0, new), tile_path(0, 0, old): tile_path(0, 0, new)}.get(
                item["path"], item["path"]
            )
        (target / MANIFEST).write_bytes(canonical_dumps(manifest))
    elif name == "forged-checkpoint":
        for path in (target / "checkpoint", target / checkpoint_path(width_of(target))):
            text = path.read_text()
            body, sig = text.rsplit(" ", 1)
            sig = ("A" if sig[0] != "A" else "B") + sig[1:]
            path.write_text(body + " " + sig)
    elif name == "checkpoint-forked":
        forked = sign_note(
            Checkpoint(ORIGIN, 147, sha256(b"another history").digest()).to_text(), [made.checkpoint_signer]
        )
        (target / checkpoint_path(147)).write_text(forked)
    elif name == "checkpoint-other-origin":
        other = NoteSigner("elsewhere.copro.localhost/ledger", Ed25519PrivateKey.generate())
        note = sign_note(Checkpoint("elsewhere.copro.localhost/ledger", 147, bytes(32)).to_text(), [other])
        (target / checkpoint_path(147)).write_text(note)
    elif name == "policy-edited":
        policy = next((target / POLICIES_DIR).iterdir())
        text = policy.read_text()
        policy.write_text(text.replace("1/2", "1/3", 1) if "1/2" in text else text + "\n# edited\n")
    elif name == "keys-edited":
        doc = json.loads((target / KEYS).read_text())
        events = [k for k in doc["keys"] if k["purpose"] == "event"]
        events[0]["last_leaf"] -= 1
        events[1]["first_leaf"] -= 1
        (target / KEYS).write_bytes(canonical_dumps(doc))
    elif name == "unknown-format":
        manifest = json.loads((target / MANIFEST).read_text())
        manifest["format"] = "copro-bundle/2"
        (target / MANIFEST).write_bytes(canonical_dumps(manifest))
        return
    if name != "edited-file" and name != "missing-file":
        refresh_manifest(target)


def rewritten(name: str, records: list[bytes], made: Ledger0) -> list[bytes]:
    """The log an operator holding the keys would write instead of the honest one."""
    out = list(records)
    if name == "deleted-rebuilt":  # an event whose aggregate has a later one, so its version sequence breaks
        oids = [parse_record(r).originator_id for r in out]
        del out[next(i for i in range(10, len(out)) if oids[i] in oids[i + 1 :])]
    elif name == "swapped-rebuilt":
        ballots = [i for i, r in enumerate(out) if parse_record(r).topic.endswith("Ballot.Changed")]
        first = ballots[0]
        oid = parse_record(out[first]).originator_id
        earlier = max(i for i in range(first) if parse_record(out[i]).originator_id == oid)
        out[earlier], out[first] = out[first], out[earlier]
    elif name == "rotations-swapped":
        out[147], out[148] = out[148], out[147]
    elif name == "key-out-of-range":
        out[148] = resign(out[148], made.first_event_key)
    elif name == "forged-key":
        out[40] = resign(out[40], Ed25519PrivateKey.generate())
    elif name == "sealed-moved":
        i = next(i for i, r in enumerate(out) if b'"_type_":"sealed"' in parse_record(r).payload)
        payload = parse_record(out[i]).payload.replace(b'/1/access_needs"', b'/2/access_needs"', 1)
        out[i] = resign(out[i], made.first_event_key, payload)
    elif name == "forged-outcome":
        i = first_of(out, "Proposal.Closed")
        body = strict_loads(parse_record(out[i]).payload)
        body["result"]["outcome"] = "rejected" if body["result"]["outcome"] == "adopted" else "adopted"
        out[i] = resign(out[i], made.first_event_key, canonical_dumps(body))
    return out


def readme() -> str:
    lines = [
        "# Tampered bundles",
        "",
        "Written by `python -m tests.make_tampered_bundles` (do not edit by hand); each is the honest bundle of",
        "one demo ledger (147 events, then two event-key rotations: 149 leaves) broken in one way.",
        "`tests/test_verify_fixtures.py` runs `copro verify --bundle` on each: the named check must fail",
        "(at the named leaf where there is one) with the exit code given. Each is kept as `<name>/bundle.tar.gz`",
        "(the archive `copro export --archive` writes, to keep them small). docs/VERIFYING.md says what each",
        "check proves.",
        "",
        "| name | what was broken | check | exit | leaf |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in FIXTURES:
        leaf = "" if f.leaf is None else str(f.leaf)
        lines.append(f"| {f.name} | {f.broken} | {f.check or 'none: every check passes'} | {f.exit_code} | {leaf} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        made = make_ledger(Path(tmp))
        if ROOT.exists():
            shutil.rmtree(ROOT)
        ROOT.mkdir(parents=True)
        for fixture in FIXTURES:
            folder = Path(tmp) / "fixtures" / fixture.name
            make_fixture(fixture, made, folder)
            (ROOT / fixture.name).mkdir()
            if (folder / ARCHIVE).exists():
                shutil.copy(folder / ARCHIVE, ROOT / fixture.name / ARCHIVE)
            else:
                files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
                write_archive(folder, files, ROOT / fixture.name / ARCHIVE)
        (ROOT / "README.md").write_text(readme())
    print(f"wrote {len(FIXTURES)} bundles to {ROOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
