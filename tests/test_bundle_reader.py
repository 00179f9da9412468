"""A damaged or foreign bundle is refused with one sentence saying what is wrong and where."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.log.bundle.export import BundleWriter, write_archive
from ledger.log.bundle.layout import MANIFEST, pack_entries
from ledger.log.bundle.reader import BundleError, NotABundleError, open_bundle

RECORDS = [f"record {i}".encode() for i in range(300)]


def one_sentence(error: BaseException) -> str:
    text = str(error)
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text, text
    return text


def relist(root: Path) -> None:
    """Rewrite the manifest to match the files, as a careful forger would: only deeper checks can catch them."""
    doc = json.loads((root / MANIFEST).read_bytes())
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    doc["files"] = [
        {"path": p, "sha256": hashlib.sha256((root / p).read_bytes()).hexdigest(), "size": (root / p).stat().st_size}
        for p in files
        if p != MANIFEST
    ]
    (root / MANIFEST).write_bytes(json.dumps(doc).encode())


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    root = tmp_path / "bundle"
    writer = BundleWriter(root)
    for r in RECORDS:
        writer.add(r)
    writer.finish(
        origin="example.org/log",
        ledger_format="copro-ledger/3",
        checkpoints=[(300, "example.org/log\n300\nroot\n\n— example.org/log sig\n")],
        keys=[],
        extra={},
    )
    return root


def refused(path: Path, kind: type[BundleError] = BundleError) -> str:
    with pytest.raises(kind) as caught, open_bundle(path) as bundle:
        list(bundle.entries())
        bundle.checkpoints()
        bundle.key_history()
    return one_sentence(caught.value)


def test_a_sound_bundle_reads_back(bundle_dir: Path) -> None:
    with open_bundle(bundle_dir) as bundle:
        assert list(bundle.entries()) == RECORDS


def test_a_folder_that_is_not_a_bundle_is_refused_as_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    assert "has no copro/manifest.json, so it is not a copro bundle" in refused(tmp_path / "photos", NotABundleError)
    assert "does not exist" in refused(tmp_path / "nowhere", NotABundleError)
    (tmp_path / "notes.txt").write_text("hello")
    assert "neither a bundle folder nor a readable bundle archive" in refused(tmp_path / "notes.txt", NotABundleError)


def test_an_unknown_format_version_is_refused_naming_it(bundle_dir: Path) -> None:
    doc = json.loads((bundle_dir / MANIFEST).read_bytes())
    doc["format"] = "copro-bundle/2"
    (bundle_dir / MANIFEST).write_bytes(json.dumps(doc).encode())
    assert "names the format 'copro-bundle/2'; this copro reads copro-bundle/1 only" in refused(
        bundle_dir, NotABundleError
    )


def test_a_file_missing_from_the_bundle_is_named(bundle_dir: Path) -> None:
    (bundle_dir / "tile/0/000").unlink()
    assert "tile/0/000 is listed in the manifest but missing from the bundle" in refused(bundle_dir)


def test_a_file_added_after_export_is_named(bundle_dir: Path) -> None:
    (bundle_dir / "tile/entries/002").write_bytes(pack_entries([b"slipped in"]))
    assert "tile/entries/002 is in the bundle but not in its manifest" in refused(bundle_dir)


def test_a_file_edited_in_place_does_not_match_its_manifest_hash(bundle_dir: Path) -> None:
    path = bundle_dir / "tile/entries/000"
    data = bytearray(path.read_bytes())
    data[10] ^= 1
    path.write_bytes(bytes(data))
    assert "tile/entries/000 does not match the manifest (its SHA-256 is" in refused(bundle_dir)


def test_a_padded_file_disagrees_with_its_manifest_size(bundle_dir: Path) -> None:
    with (bundle_dir / "checkpoint").open("ab") as f:
        f.write(b"\n")
    assert "checkpoint is 51 bytes, but the manifest says 50" in refused(bundle_dir)


def test_an_entry_bundle_holding_fewer_entries_than_its_tile_is_refused(bundle_dir: Path) -> None:
    (bundle_dir / "tile/entries/000").write_bytes(pack_entries(RECORDS[:255]))
    relist(bundle_dir)
    assert "tile/entries/000 holds 255 entries, but its tile tile/0/000 covers 256 leaves" in refused(bundle_dir)


def test_an_entry_bundle_cut_inside_an_entry_is_refused(bundle_dir: Path) -> None:
    path = bundle_dir / "tile/entries/001.p/44"
    path.write_bytes(path.read_bytes()[:-3])
    relist(bundle_dir)
    assert "tile/entries/001.p/44 is cut or padded: entry 43 says it is 10 bytes but only 7 remain" in refused(
        bundle_dir
    )


def test_a_tile_of_the_wrong_length_is_refused(bundle_dir: Path) -> None:
    path = bundle_dir / "tile/0/001.p/44"
    path.write_bytes(path.read_bytes()[:-32])
    relist(bundle_dir)
    assert "tile/0/001.p/44 is 1376 bytes; a tile of 44 hashes is 1408" in refused(bundle_dir)


def test_a_manifest_that_is_not_json_is_refused(bundle_dir: Path) -> None:
    (bundle_dir / MANIFEST).write_bytes(b'{"format": "copro-bundle/1", "format": "x"}')
    assert "copro/manifest.json is not valid JSON (the key 'format' appears twice)" in refused(bundle_dir)


def test_a_manifest_that_lists_a_path_outside_the_bundle_is_refused(bundle_dir: Path) -> None:
    doc = json.loads((bundle_dir / MANIFEST).read_bytes())
    doc["files"].append({"path": "../../etc/passwd", "sha256": "0" * 64, "size": 1})
    (bundle_dir / MANIFEST).write_bytes(json.dumps(doc).encode())
    assert "lists '../../etc/passwd', a path that leaves the bundle" in refused(bundle_dir)


def test_a_symbolic_link_in_a_bundle_folder_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "outside").write_bytes(b"secret")
    (bundle_dir / "copro/extra").symlink_to(tmp_path / "outside")
    assert "copro/extra is a symbolic link" in refused(bundle_dir)


def archive_with(tmp_path: Path, bundle_dir: Path, add: Callable[[tarfile.TarFile], None]) -> Path:
    target = tmp_path / "evil.tar.gz"
    with gzip.open(target, "wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for p in sorted(bundle_dir.rglob("*")):
            if p.is_file():
                tar.add(p, arcname=p.relative_to(bundle_dir).as_posix())
        add(tar)
    return target


@pytest.mark.parametrize("name", ["../escape", "/etc/cron.d/evil", "tile/../../escape"])
def test_an_archive_member_whose_path_leaves_the_bundle_is_refused(bundle_dir: Path, tmp_path: Path, name: str) -> None:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo(name)
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))

    sentence = refused(archive_with(tmp_path, bundle_dir, add))
    assert f"the archive holds {name!r}, a path that leaves the bundle or is not plain" in sentence
    assert not (tmp_path.parent / "escape").exists()


def test_a_link_inside_an_archive_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    def add(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("copro/link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)

    assert "copro/link is a link or a device in the archive" in refused(archive_with(tmp_path, bundle_dir, add))


def test_a_truncated_archive_is_refused(bundle_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "b.tar.gz"
    write_archive(
        bundle_dir, [p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file()], target
    )
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert "the archive is truncated or damaged" in refused(target)


def test_a_bundle_unpacked_with_tar_reads_the_same_as_the_archive(bundle_dir: Path, tmp_path: Path) -> None:
    """The archive is an ordinary tar.gz: the system's tar unpacks it into the same bundle."""
    if shutil.which("tar") is None:
        pytest.skip("no tar on this machine")
    target = tmp_path / "b.tar.gz"
    write_archive(
        bundle_dir, [p.relative_to(bundle_dir).as_posix() for p in bundle_dir.rglob("*") if p.is_file()], target
    )
    (tmp_path / "unpacked").mkdir()
    subprocess.run(["tar", "-xzf", str(target), "-C", str(tmp_path / "unpacked")], check=True)
    with open_bundle(tmp_path / "unpacked") as a, open_bundle(target) as b:
        assert list(a.entries()) == list(b.entries()) == RECORDS


def test_the_reader_imports_neither_eventsourcing_nor_a_database_driver() -> None:
    code = (
        "import sys; import ledger.log.bundle.reader; "
        "bad = {'eventsourcing', 'sqlite3', 'psycopg', 'rfc8785', 'nacl', 'flask'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_bundle_folder_packed_again_with_the_system_tar_opens_as_an_archive(bundle_dir: Path, tmp_path: Path) -> None:
    """Re-packed by hand (``tar -C b -czf b.tgz .``: folder entries and ``./`` names), a bundle still opens."""
    if shutil.which("tar") is None:
        pytest.skip("no tar on this machine")
    target = tmp_path / "repacked.tgz"
    subprocess.run(["tar", "-C", str(bundle_dir), "-czf", str(target), "."], check=True)
    with open_bundle(target) as bundle:
        assert list(bundle.entries()) == RECORDS
