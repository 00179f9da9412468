"""Open an auditor's bundle (a folder or an archive) and read it, trusting nothing in it.

This is the ground a bundle verifier stands on, so it is small and pure: the
standard library only (no eventsourcing, no database driver, no web), and
``ledger.log.bundle.layout`` for the paths. It checks the bundle's *shape*: a
manifest of a known format listing every file with its SHA-256 and size, every
listed file present and nothing unlisted, each file's bytes matching the
manifest when read, entry bundles holding as many entries as their tile holds
hashes, no path leaving the bundle. It does not check signatures, hashes of the
tree or checkpoints: that is the verifier's work, done with what this returns.
The manifest itself is not signed; it catches damage, the checkpoints catch lies.

Every malformed input raises :class:`BundleError` with one sentence saying what
is wrong and where. docs/FORMAT.md ("Bundles") specifies every byte read here.

Typical use::

    with open_bundle(path) as bundle:
        size = bundle.manifest.tree_size
        for leaf, record in enumerate(bundle.entries(0, size)): ...
        note = bundle.checkpoint
        hashes = bundle.tile(0, 0, 256)
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import re
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Protocol

from ledger.log.bundle.layout import (
    BUNDLE_FORMAT,
    CHECKPOINT,
    CHECKPOINTS_DIR,
    KEYS,
    MANIFEST,
    POLICIES_DIR,
    LayoutError,
    check_relative,
    entries_path,
    tile_path,
    unpack_entries,
    wide_entries_path,
)
from ledger.log.errors import IntegrityError
from ledger.log.tile_math import HASH_SIZE, TILE_WIDTH

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_PURPOSES = ("event", "checkpoint", "report")


class BundleError(IntegrityError):
    """The bundle is damaged or inconsistent: one sentence saying what and where (exit 1)."""


class NotABundleError(BundleError):
    """The path is not a bundle this reader understands (not one at all, or an unknown format): exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class ManifestFile:
    """One file the manifest lists: its path in the bundle, SHA-256 (hex) and size in bytes."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """``copro/manifest.json``: what the bundle says it is."""

    format: str
    origin: str
    tree_size: int
    checkpoint_size: int
    ledger_format: str
    files: tuple[ManifestFile, ...]


@dataclass(frozen=True)
class BundleKey:
    """One public key of ``copro/keys.json`` and the leaves it was in force (``last_leaf`` None: to the end)."""

    purpose: str
    public_key: bytes
    key_id: str
    first_leaf: int
    last_leaf: int | None
    reason: str
    c2sp: str


class _Source(Protocol):
    where: str

    def sizes(self) -> dict[str, int]: ...
    def read(self, path: str) -> bytes: ...
    def close(self) -> None: ...


class _Folder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.where = str(root)

    def sizes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in sorted(self.root.rglob("*")):
            name = item.relative_to(self.root).as_posix()
            if item.is_symlink():
                raise BundleError(f"{self.where}: {name} is a symbolic link; a bundle holds only plain files.")
            if item.is_dir():
                continue
            if not item.is_file():
                raise BundleError(f"{self.where}: {name} is not a plain file; a bundle holds only plain files.")
            out[name] = item.stat().st_size
        return out

    def read(self, path: str) -> bytes:
        try:
            return (self.root / path).read_bytes()
        except OSError as e:
            raise BundleError(f"{self.where}: {path} cannot be read ({e.strerror}).") from None

    def close(self) -> None:
        pass


class _Archive:
    """A ``.tar`` or ``.tar.gz``; a gzip one is unpacked once into a private temporary file, so reads can seek."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - it lives as long as the Bundle
        try:
            with path.open("rb") as raw:
                compressed = raw.read(2) == b"\x1f\x8b"
                raw.seek(0)
                if compressed:
                    with gzip.GzipFile(fileobj=raw) as gz:
                        while chunk := gz.read(1 << 20):
                            self._file.write(chunk)
                else:
                    while chunk := raw.read(1 << 20):
                        self._file.write(chunk)
            self._file.seek(0)
            with tarfile.open(fileobj=self._file, mode="r:") as tar:  # closing it leaves our file open
                infos = tar.getmembers()
            self._members: dict[str, tarfile.TarInfo] = {}
            for info in infos:
                self._add(info)
        except (gzip.BadGzipFile, EOFError, zlib.error):
            self._file.close()
            raise BundleError(f"{self.where}: the archive is truncated or damaged; export it again.") from None
        except (OSError, tarfile.TarError):
            self._file.close()
            raise NotABundleError(
                f"{self.where} is neither a bundle folder nor a readable bundle archive (.tar or .tar.gz); "
                "give the path 'copro export' wrote."
            ) from None
        except BaseException:
            self._file.close()
            raise

    def _add(self, info: tarfile.TarInfo) -> None:
        name = info.name[2:] if info.name.startswith("./") else info.name
        if name in ("", ".") and info.isdir():
            return
        try:
            check_relative(name.rstrip("/") if info.isdir() else name)
        except LayoutError:
            raise BundleError(
                f"{self.where}: the archive holds {info.name!r}, a path that leaves the bundle or is not plain; "
                "do not unpack it, and ask for a new export."
            ) from None
        if info.isdir():
            return
        if not info.isreg():
            raise BundleError(f"{self.where}: {name} is a link or a device in the archive; a bundle holds only files.")
        if name in self._members:
            raise BundleError(f"{self.where}: the archive holds {name} twice; ask for a new export.")
        self._members[name] = info

    def sizes(self) -> dict[str, int]:
        return {name: info.size for name, info in self._members.items()}

    def read(self, path: str) -> bytes:
        info = self._members[path]
        self._file.seek(info.offset_data)
        data = self._file.read(info.size)
        if len(data) != info.size:
            raise BundleError(f"{self.where}: {path} is cut short in the archive; export it again.")
        return data

    def close(self) -> None:
        self._file.close()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice")
        out[key] = value
    return out


def _json(where: str, data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as e:
        raise BundleError(f"{where} is not valid JSON ({e}).") from None


def _int(where: str, doc: dict[str, Any], field: str, *, nullable: bool = False) -> Any:
    value = doc.get(field)
    if value is None and nullable and field in doc:
        return None
    if type(value) is not int or value < 0:
        raise BundleError(f"{where}: {field!r} must be a whole number, not {value!r}.")
    return value


def _str(where: str, doc: dict[str, Any], field: str) -> str:
    value = doc.get(field)
    if not isinstance(value, str):
        raise BundleError(f"{where}: {field!r} must be text, not {value!r}.")
    return value


def _manifest(where: str, data: bytes) -> Manifest:
    doc = _json(f"{where}: {MANIFEST}", data)
    at = f"{where}: {MANIFEST}"
    if not isinstance(doc, dict):
        raise NotABundleError(f"{at} is not a JSON object, so this is not a copro bundle.")
    fmt = doc.get("format")
    if fmt != BUNDLE_FORMAT:
        raise NotABundleError(
            f"{at} names the format {fmt!r}; this copro reads {BUNDLE_FORMAT} only, so use the copro that wrote it."
        )
    files = doc.get("files")
    if not isinstance(files, list):
        raise BundleError(f"{at}: 'files' must be a list.")
    entries: list[ManifestFile] = []
    seen: set[str] = set()
    for item in files:
        if not isinstance(item, dict):
            raise BundleError(f"{at}: every item of 'files' must be an object, not {item!r}.")
        path, digest = _str(at, item, "path"), _str(at, item, "sha256")
        try:
            check_relative(path)
        except LayoutError:
            raise BundleError(f"{at} lists {path!r}, a path that leaves the bundle or is not plain.") from None
        if path == MANIFEST or path in seen:
            raise BundleError(f"{at} lists {path} twice, or lists itself.")
        if not _HEX64.fullmatch(digest):
            raise BundleError(f"{at}: the sha256 of {path} must be 64 lower-case hex digits, not {digest!r}.")
        seen.add(path)
        entries.append(ManifestFile(path, digest, _int(at, item, "size")))
    manifest = Manifest(
        fmt,
        _str(at, doc, "origin"),
        _int(at, doc, "tree_size"),
        _int(at, doc, "checkpoint_size"),
        _str(at, doc, "ledger_format"),
        tuple(entries),
    )
    if manifest.checkpoint_size > manifest.tree_size:
        raise BundleError(
            f"{at}: the checkpoint's size {manifest.checkpoint_size} is beyond the tree size {manifest.tree_size}."
        )
    return manifest


class Bundle:
    """An opened bundle. Use it as a context manager (an archive holds a temporary file until closed)."""

    def __init__(self, source: _Source, manifest: Manifest) -> None:
        self._source = source
        self.where = source.where
        self.manifest = manifest
        self._files = {f.path: f for f in manifest.files}

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._source.close()

    @property
    def paths(self) -> list[str]:
        """Every file the manifest lists (not the manifest itself), sorted."""
        return sorted(self._files)

    def has(self, path: str) -> bool:
        return path in self._files

    def read(self, path: str) -> bytes:
        """The bytes of one listed file, checked against its SHA-256 in the manifest."""
        listed = self._files.get(path)
        if listed is None:
            raise BundleError(f"{self.where}: {path} is not in the bundle (its manifest does not list it).")
        data = self._source.read(path)
        digest = hashlib.sha256(data).hexdigest()
        if digest != listed.sha256:
            raise BundleError(
                f"{self.where}: {path} does not match the manifest (its SHA-256 is {digest}, "
                f"the manifest says {listed.sha256}); the file was changed after export."
            )
        return data

    def _text(self, path: str) -> str:
        try:
            return self.read(path).decode("utf-8")
        except UnicodeDecodeError:
            raise BundleError(f"{self.where}: {path} is not UTF-8 text.") from None

    @property
    def checkpoint(self) -> str:
        """The signed note at ``checkpoint``: the latest checkpoint, of size ``manifest.checkpoint_size``."""
        return self._text(CHECKPOINT)

    def checkpoints(self) -> list[tuple[int, str]]:
        """Every stored checkpoint as ``(tree size, signed note)``, smallest first."""
        out: list[tuple[int, str]] = []
        for path in self.paths:
            if not path.startswith(CHECKPOINTS_DIR + "/"):
                continue
            name = path[len(CHECKPOINTS_DIR) + 1 :]
            if not _DECIMAL.fullmatch(name):
                raise BundleError(f"{self.where}: {path} is not named by a tree size in decimal.")
            out.append((int(name), self._text(path)))
        return sorted(out)

    def key_history(self) -> list[BundleKey]:
        """Every public key with the leaves it was in force, as ``copro/keys.json`` lists them."""
        at = f"{self.where}: {KEYS}"
        doc = _json(at, self.read(KEYS))
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise BundleError(f"{at} must be an object with a list 'keys'.")
        if doc.get("origin") != self.manifest.origin:
            raise BundleError(
                f"{at} names the origin {doc.get('origin')!r}, not the bundle's {self.manifest.origin!r}."
            )
        out: list[BundleKey] = []
        for item in doc["keys"]:
            if not isinstance(item, dict):
                raise BundleError(f"{at}: every key must be an object, not {item!r}.")
            purpose = _str(at, item, "purpose")
            if purpose not in _PURPOSES:
                raise BundleError(f"{at}: {purpose!r} is not a key purpose (event, checkpoint or report).")
            try:
                public = base64.b64decode(_str(at, item, "public_key"), validate=True)
            except binascii.Error:
                public = b""
            if len(public) != 32:
                raise BundleError(f"{at}: a {purpose} key's public_key must be base64 of 32 bytes.")
            first, last = _int(at, item, "first_leaf"), _int(at, item, "last_leaf", nullable=True)
            if last is not None and last < first:
                raise BundleError(f"{at}: a {purpose} key ends at leaf {last}, before its first leaf {first}.")
            key_id, reason, c2sp = _str(at, item, "key_id"), _str(at, item, "reason"), _str(at, item, "c2sp")
            out.append(BundleKey(purpose, public, key_id, first, last, reason, c2sp))
        return out

    def tile(self, level: int, index: int, width: int = TILE_WIDTH) -> bytes:
        """The ``width`` hashes (32 bytes each) of tile ``index`` at ``level``: ``tile/<L>/<N>[.p/<W>]``."""
        path = tile_path(level, index, width)
        data = self.read(path)
        if len(data) != width * HASH_SIZE:
            raise BundleError(
                f"{self.where}: {path} is {len(data)} bytes; a tile of {width} hashes is {width * HASH_SIZE}."
            )
        return data

    def entry_bundle(self, index: int, width: int = TILE_WIDTH) -> list[bytes]:
        """The records of entry bundle ``index`` (``tile/entries/<N>``, or ``copro/entries/<N>`` for long entries).

        Its count must be its tile's width, and the level-0 tile beside it must hold
        as many hashes.
        """
        data, wide = self.entry_bundle_bytes(index, width)
        path = wide_entries_path(index, width) if wide else entries_path(index, width)
        try:
            records = unpack_entries(data, wide=wide)
        except LayoutError as e:
            raise BundleError(f"{self.where}: {path} is cut or padded: {e}.") from None
        if len(records) != width:
            raise BundleError(
                f"{self.where}: {path} holds {len(records)} entries, but its tile {tile_path(0, index, width)} "
                f"covers {width} leaves."
            )
        self.tile(0, index, width)
        return records

    def entry_bundle_bytes(self, index: int, width: int = TILE_WIDTH) -> tuple[bytes, bool]:
        """The bytes of entry bundle ``index``, unparsed, and whether it is a wide one (``copro/entries/<N>``).

        Checked against the manifest only: the fast verifier parses it in a worker
        process, so the records never cross the process boundary one by one.
        """
        plain, wide = entries_path(index, width), wide_entries_path(index, width)
        if self.has(plain) == self.has(wide):
            what = "both" if self.has(plain) else "neither"
            raise BundleError(
                f"{self.where}: the entries of level-0 tile {index} (width {width}) must be in exactly one of "
                f"{plain} and {wide}, but {what} is in the bundle."
            )
        return (self.read(wide), True) if self.has(wide) else (self.read(plain), False)

    def entries(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The records of leaves ``start`` to ``end - 1`` (default: to the end), in order, one bundle at a time."""
        size = self.manifest.tree_size
        end = size if end is None else end
        if not 0 <= start <= end <= size:
            raise ValueError(f"leaves {start} to {end} are not within a bundle of {size} leaves")
        for index in range(start // TILE_WIDTH, (end + TILE_WIDTH - 1) // TILE_WIDTH):
            first = index * TILE_WIDTH
            records = self.entry_bundle(index, min(TILE_WIDTH, size - first))
            yield from records[max(start, first) - first : end - first]

    def policy_hashes(self) -> list[str]:
        """The policy hashes (``sha256:<hex>``) of every rule file in the bundle."""
        prefix = POLICIES_DIR + "/"
        out = []
        for path in self.paths:
            if path.startswith(prefix):
                digest = path[len(prefix) :].removesuffix(".toml")
                if not (path.endswith(".toml") and _HEX64.fullmatch(digest)):
                    raise BundleError(f"{self.where}: {path} is not named <64 hex digits>.toml.")
                out.append(f"sha256:{digest}")
        return out

    def policy(self, policy_hash: str) -> bytes:
        """The exact bytes of the rule file a proposal recorded as ``policy_hash``."""
        digest = policy_hash.removeprefix("sha256:")
        if not (policy_hash.startswith("sha256:") and _HEX64.fullmatch(digest)):
            raise ValueError(f"{policy_hash!r} is not a policy hash (sha256:<64 hex digits>)")
        return self.read(f"{POLICIES_DIR}/{digest}.toml")


def open_bundle(path: str | Path) -> Bundle:
    """Open the bundle folder or archive at ``path``; BundleError if it is not a sound bundle's shape."""
    where = Path(path)
    if where.is_dir():
        source: _Source = _Folder(where)
    elif where.is_file():
        source = _Archive(where)
    else:
        raise NotABundleError(f"{where} does not exist; give the folder or archive 'copro export' wrote.")
    try:
        sizes = source.sizes()
        if MANIFEST not in sizes:
            raise NotABundleError(
                f"{source.where} has no {MANIFEST}, so it is not a copro bundle; give the path 'copro export' wrote."
            )
        manifest = _manifest(source.where, source.read(MANIFEST))
        listed = {f.path: f for f in manifest.files}
        for name in sorted(set(sizes) - set(listed) - {MANIFEST}):
            raise BundleError(
                f"{source.where}: {name} is in the bundle but not in its manifest; it was added after export."
            )
        for name, f in sorted(listed.items()):
            if name not in sizes:
                raise BundleError(f"{source.where}: {name} is listed in the manifest but missing from the bundle.")
            if sizes[name] != f.size:
                raise BundleError(
                    f"{source.where}: {name} is {sizes[name]} bytes, but the manifest says {f.size}; "
                    "it was changed after export."
                )
        for required in (CHECKPOINT, KEYS):
            if required not in listed:
                raise BundleError(f"{source.where}: the manifest lists no {required}, which every bundle has.")
    except BaseException:
        source.close()
        raise
    return Bundle(source, manifest)
