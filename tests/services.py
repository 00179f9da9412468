"""Real services for the tests: a throwaway PostgreSQL server started by the test session.

With COPRO_REQUIRE_SERVICES=1 (CI), a missing service fails the run; on a
developer's machine without PostgreSQL, the tests that need it are skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REQUIRE = os.environ.get("COPRO_REQUIRE_SERVICES") == "1"


def missing(what: str) -> None:
    if REQUIRE:
        pytest.fail(f"{what} (COPRO_REQUIRE_SERVICES=1, so this fails instead of skipping)")
    pytest.skip(what)


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL cluster that a test can stop and start again (the same port, the same data)."""

    def __init__(self, *, durable: bool = False) -> None:
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        assert initdb and pg_ctl
        self.pg_ctl = pg_ctl
        self.root = Path(tempfile.mkdtemp(prefix="copro-pg-"))
        self.data = self.root / "data"
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            self.as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, "postgres", "postgres")
        self.port = _free_port()
        self.env = {**os.environ, "LC_ALL": "C.UTF-8"}
        subprocess.run(
            [*self.as_user, initdb, "-D", str(self.data), "-U", "copro", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            env=self.env,
        )
        fsync = "on" if durable else "off"
        self.opts = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=200"
        )
        self.dsn = f"postgresql://copro:copro@127.0.0.1:{self.port}"
        self.log = self.root / "log"

    def start(self) -> None:
        subprocess.run(
            [
                *self.as_user,
                self.pg_ctl,
                "-D",
                str(self.data),
                "-o",
                self.opts,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            env=self.env,
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; ``immediate`` is what a crash or an operator's hard restart looks like to clients."""
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"], capture_output=True
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def postgres_cluster(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A started :class:`PostgresServer`, removed afterwards."""
    server = PostgresServer(durable=durable)
    server.start()
    try:
        yield server
    finally:
        server.remove()


@contextmanager
def postgres_server(*, durable: bool = False) -> Iterator[str]:
    """Start PostgreSQL in a temporary folder; yield a base DSN (no database name).

    Tests run with fsync off (speed; a crash loses only a throwaway cluster); benchmarks
    pass ``durable=True`` to measure what production pays for each commit.
    """
    with postgres_cluster(durable=durable) as server:
        yield server.dsn


def create_database(base_dsn: str, name: str) -> str:
    import psycopg

    for _ in range(50):
        try:
            with psycopg.connect(base_dsn + "/postgres", autocommit=True) as con:
                con.execute(f'CREATE DATABASE "{name}"')
            return f"{base_dsn}/{name}"
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise RuntimeError("PostgreSQL did not accept connections")
