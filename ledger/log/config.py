"""Where a ledger lives: its data folder, its database, its keys.

Read from the environment so the same code runs embedded (SQLite in ``./var``)
and in production (PostgreSQL via ``COPRO_DATABASE_URL``).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import ParseResult, quote, unquote, urlparse

from ledger.log.environment import secret_from_env
from ledger.log.errors import ConfigurationError, NotALedgerError
from ledger.log.files import private_folder
from ledger.log.format import LEDGER_FORMAT

if TYPE_CHECKING:
    import psycopg

DATA_ENV = "COPRO_DATA"
DATABASE_ENV = "COPRO_DATABASE_URL"
# The password, if not in the URL: best as a file (a Docker or systemd secret), COPRO_DATABASE_PASSWORD_FILE.
DATABASE_PASSWORD_ENV = "COPRO_DATABASE_PASSWORD"
# Aggregates kept decoded per process (least recently used go first). A collective, its
# agreement and its open proposals are read by nearly every command and stay in; a
# ballot is small, so a few thousand cost a few megabytes.
AGGREGATE_CACHE_SIZE = 5000


@dataclass(frozen=True)
class LedgerConfig:
    data_dir: Path
    database_url: str | None = None

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None) -> LedgerConfig:
        folder = Path(data_dir or os.environ.get(DATA_ENV) or "var")
        url = os.environ.get(DATABASE_ENV) or None
        password = secret_from_env(DATABASE_PASSWORD_ENV)
        if password is not None:
            if url is None:
                raise ConfigurationError(
                    f"{DATABASE_PASSWORD_ENV} (or its _FILE) is set but {DATABASE_ENV} is not; "
                    f"set {DATABASE_ENV} to postgresql://user@host:5432/dbname."
                )
            url = with_password(url, password)
        return cls(folder.resolve(), url)

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "ledger.sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None

    def describe(self) -> str:
        if self.database_url:
            try:
                u = _postgres_url(self.database_url)
            except ConfigurationError:
                return f"PostgreSQL database named in {DATABASE_ENV}"
            return f"PostgreSQL database {unquote(u.path.lstrip('/'))} on {u.hostname}:{u.port or 5432}"
        return f"SQLite file {self.sqlite_path}"

    def eventsourcing_env(self, *, create_tables: bool) -> dict[str, str]:
        """The eventsourcing settings that select our persistence module and the aggregate cache.

        Every aggregate read is kept in a per-process cache and fast-forwarded before
        each use: eventsourcing reads only the events stored after the cached version,
        so a command decodes (and signature-checks) each event once per process, and
        what another process wrote since is read, checked and applied first. The cache
        returns a deep copy for commands, so a command whose save fails leaves the
        cached aggregate as it was (tests/test_vote_cost.py).
        """
        env = {
            "CREATE_TABLE": "y" if create_tables else "n",
            "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
            "AGGREGATE_CACHE_FASTFORWARD": "y",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        }
        if self.database_url is None:
            env.update(PERSISTENCE_MODULE="ledger.log.storage.sqlite", SQLITE_DBNAME=str(self.sqlite_path))
            return env
        u = _postgres_url(self.database_url)
        env.update(
            PERSISTENCE_MODULE="ledger.log.storage.postgres",
            POSTGRES_DBNAME=unquote(u.path.lstrip("/")),
            POSTGRES_HOST=u.hostname or "127.0.0.1",
            POSTGRES_PORT=str(u.port or 5432),
            POSTGRES_USER=unquote(u.username or ""),
            POSTGRES_PASSWORD=unquote(u.password or ""),
            # Bounded waits (docs/OPERATIONS.md, "Database failures"): a connection from the pool or the
            # server within 3 s, a stale pooled one noticed before use, a lock within 10 s. The
            # statement timeout is set by the storage Factory.
            POSTGRES_CONNECT_TIMEOUT="3",
            POSTGRES_PRE_PING="y",
            POSTGRES_LOCK_TIMEOUT="10",
            # The insert-by-function path skips the recorder hook that writes tree tiles.
            POSTGRES_ENABLE_DB_FUNCTIONS="n",
        )
        return env

    def connect_postgres(self, *, timeout: int, statement_timeout: int | None = None) -> psycopg.Connection[Any]:
        """A short-lived psycopg connection to this ledger's PostgreSQL, for checks outside the recorder
        (readiness, the format probe): bounded by `timeout` seconds to connect and, if given,
        `statement_timeout` seconds per statement, so a check never hangs on a dead server."""
        import psycopg

        env = self.eventsourcing_env(create_tables=False)
        options = f"-c statement_timeout={statement_timeout * 1000}" if statement_timeout else ""
        return psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=timeout,
            options=options,
        )

    def check_writable(self) -> None:
        """Create the data folder (0700, whatever the umask) if needed, and check copro can write in it."""
        try:
            private_folder(self.data_dir)
        except OSError as e:
            raise ConfigurationError(
                f"Cannot create the data folder {self.data_dir} ({e.strerror}); "
                f"choose another folder with {DATA_ENV} or --data."
            ) from None
        if not os.access(self.data_dir, os.W_OK | os.X_OK):
            raise ConfigurationError(
                f"The data folder {self.data_dir} is not writable; fix its permissions "
                f"or choose another folder with {DATA_ENV}."
            )

    def ledger_state(self) -> str:
        """'absent', 'empty' or 'ledger': refuses, without writing, a database that is not ours."""
        if self.database_url is None:
            path = self.sqlite_path
            if not path.exists() or path.stat().st_size == 0:
                return "absent"
            try:
                con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                    if "copro_meta" in names:
                        row = con.execute("SELECT value FROM copro_meta WHERE name = 'format'").fetchone()
                        names |= {f"format={row[0]}"} if row else set()
                finally:
                    con.close()
            except sqlite3.DatabaseError:
                raise NotALedgerError(
                    f"{path} is not a copro ledger (it is not an SQLite database); "
                    f"point {DATA_ENV} at a copro data folder."
                ) from None
        else:
            names = _postgres_tables(self)
        if not names:
            return "empty"
        if "copro_meta" not in names:
            raise NotALedgerError(
                f"The {self.describe()} is not a copro ledger (it has other tables and no copro_meta); "
                "use an empty database or the right data folder."
            )
        written = next((n.split("=", 1)[1] for n in names if n.startswith("format=")), LEDGER_FORMAT)
        if written != LEDGER_FORMAT:
            raise NotALedgerError(
                f"The {self.describe()} was written by another version of copro (format {written}; "
                f"this copro reads {LEDGER_FORMAT}): open it with the copro that wrote it, or, for a demo "
                "ledger, delete the data folder and run 'make demo' again."
            )
        return "ledger"


def with_password(url: str, password: str) -> str:
    """The PostgreSQL URL with its password replaced: a password kept in a secret file, not in the URL."""
    u = _postgres_url(url)
    if u.password:
        raise ConfigurationError(
            f"{DATABASE_ENV} holds a password and {DATABASE_PASSWORD_ENV} (or its _FILE) gives another; "
            f"remove the password from {DATABASE_ENV}."
        )
    user = u.username or ""
    host = f"[{u.hostname}]" if u.hostname and ":" in u.hostname else (u.hostname or "")
    port = f":{u.port}" if u.port else ""
    return u._replace(netloc=f"{user}:{quote(password, safe='')}@{host}{port}").geturl()


def _postgres_url(url: str) -> ParseResult:
    """The parts of a PostgreSQL URL, or one sentence saying what is wrong with it (never echoing a password)."""
    shape = f"{DATABASE_ENV} must look like postgresql://user:password@host:5432/dbname"
    try:
        u = urlparse(url)
        port = u.port  # parsing the port raises ValueError when it is not a number from 0 to 65535
    except ValueError:
        raise ConfigurationError(f"{shape}; its host or port cannot be read.") from None
    if u.scheme not in ("postgres", "postgresql") or not u.path.strip("/"):
        raise ConfigurationError(f"{shape}.")
    if port == 0:
        raise ConfigurationError(f"{shape}; the port must be from 1 to 65535.")
    return u


def _postgres_tables(config: LedgerConfig) -> set[str]:
    import psycopg

    try:
        with config.connect_postgres(timeout=5) as con:
            rows = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
            if any(r[0] == "copro_meta" for r in rows):
                row = con.execute("SELECT value FROM copro_meta WHERE name = 'format'").fetchone()
                rows += [(f"format={row[0]}",)] if row else []
    except psycopg.OperationalError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "connection failed"
        raise ConfigurationError(f"Cannot connect to the {config.describe()}: {first}.") from None
    return {str(r[0]) for r in rows}
