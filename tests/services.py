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


@contextmanager
def postgres_server(*, durable: bool = False) -> Iterator[str]:
    """Start PostgreSQL in a temporary folder; yield a base DSN (no database name).

    Tests run with fsync off (speed; a crash loses only a throwaway cluster); benchmarks
    pass ``durable=True`` to measure what production pays for each commit.
    """
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    assert initdb and pg_ctl
    root = Path(tempfile.mkdtemp(prefix="copro-pg-"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres", "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [*as_user, initdb, "-D", str(data), "-U", "copro", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        env=env,
    )
    fsync = "on" if durable else "off"
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync={fsync} -c max_connections=200"
    subprocess.run(
        [*as_user, pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield f"postgresql://copro:copro@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


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
