"""The data folder belongs to its owner alone: folder 0700, every file in it 0600.

Everything copro keeps there is either secret (private keys, the keys that unseal
personal data, sign-in hashes, the session secret) or must not be changed behind
copro's back (the log). So modes are set when a file or folder is created, whatever
the umask, and an older folder found looser is tightened, once, with one sentence
saying so. SQLite gives a database's ``-wal``, ``-shm`` and ``-journal`` files the
main file's permissions, so a database created 0600 keeps its companions 0600 too.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ledger.log.errors import ConfigurationError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
OTHERS = 0o077  # the group and world bits a private file or folder must not have
DATABASES = ("ledger", "views", "personal-keys", "accounts")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
WEB_SECRET = "web-secret"

_reported: set[Path] = set()


def private_folder(path: Path) -> None:
    """Create ``path`` (its missing parents keep the system's usual modes) as 0700, or tighten it."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    tighten([path])


def private_file(path: Path) -> None:
    """Create an empty ``path`` as 0600 if it is missing (SQLite then opens it), or tighten it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten([path])
        return
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have taken more than the group and world bits
    finally:
        os.close(fd)


def private_database(path: Path) -> None:
    """An SQLite file and its companions, private; the file is created if missing."""
    private_file(path)
    tighten(sqlite_files(path)[1:])


def sqlite_files(path: Path) -> list[Path]:
    """The database file and the files SQLite keeps beside it."""
    return [path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)]


def data_folder_files(data_dir: Path) -> Iterator[Path]:
    """Every file and folder copro keeps in a data folder (nothing else in it is touched)."""
    yield data_dir
    for name in DATABASES:
        yield from sqlite_files(data_dir / f"{name}.sqlite")
    yield data_dir / WEB_SECRET
    keys = data_dir / "keys"
    yield keys
    if keys.is_dir() and not keys.is_symlink():
        yield from sorted(keys.rglob("*"))


def secure_data_folder(data_dir: Path) -> None:
    """Tighten an existing data folder and everything copro keeps in it; create nothing."""
    if data_dir.is_dir():
        tighten(data_folder_files(data_dir))


def tighten(paths: Iterable[Path]) -> None:
    """Take the group and world bits off each existing path; say once which ones were loose."""
    loosened: list[Path] = []
    refused: list[Path] = []
    for path in paths:
        try:
            st = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(st.st_mode) or not st.st_mode & OTHERS:
            continue
        try:
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~OTHERS)
        except PermissionError:
            refused.append(path)
            continue
        loosened.append(path)
    _say_once(
        loosened,
        "copro: made {paths} private to their owner (group or others could read them); "
        "the data folder is now 0700 and its files 0600.",
    )
    _say_once(
        refused,
        "copro: cannot make {paths} private (another user owns them); "
        "give them to the user copro runs as, with mode 0600 (folders 0700).",
    )


def _say_once(paths: list[Path], sentence: str) -> None:
    new = [p for p in paths if p not in _reported]
    if new:
        _reported.update(new)
        print(sentence.format(paths=", ".join(str(p) for p in new)), file=sys.stderr)


# What a person should do when a database in the data folder is damaged, by file.
DAMAGED_ADVICE = {
    "ledger.sqlite": "restore it from your backup",
    "views.sqlite": "delete it and run 'copro project': the views are rebuilt from the log",
    "personal-keys.sqlite": "restore it from your backup (without it, nobody's personal data can be read)",
    "accounts.sqlite": "restore it from your backup, or delete it and invite the members again",
}


def check_sqlite_file(path: Path) -> None:
    """Refuse, with one sentence naming the file, a database file SQLite cannot read."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        con = sqlite3.connect(path, timeout=5)
        try:
            con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError as e:
        if "locked" in str(e) or "busy" in str(e):
            return  # someone is writing it: it is readable, and whoever opens it next waits
        raise _damaged(path, e) from None
    except sqlite3.DatabaseError as e:
        raise _damaged(path, e) from None


def _damaged(path: Path, e: Exception) -> ConfigurationError:
    advice = DAMAGED_ADVICE.get(path.name, "restore it from your backup")
    return ConfigurationError(f"The database file {path} is damaged or is not an SQLite database ({e}); {advice}.")
