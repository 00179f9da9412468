"""Shared fixtures: ledgers on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from playwright.sync_api import Browser

from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from tests.governance_world import World, build_world
from tests.services import create_database, postgres_server
from tests.web_support import Site, make_site

PASSPHRASE = "correct horse battery staple"

# No timed assertions in the suite: a slow shared machine must not fail a correct property.
settings.register_profile("copro", deadline=None, print_blob=True)
settings.load_profile("copro")
_db_names = itertools.count()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_server() as dsn:
        yield dsn


@pytest.fixture(scope="session")
def key_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One encrypted key folder, copied into each test ledger (scrypt is slow on purpose)."""
    folder = tmp_path_factory.mktemp("keys") / "keys"
    KeysFolder(folder).init("test.copro.localhost/ledger", PASSPHRASE)
    return folder


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPRO_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("COPRO_DATABASE_URL", raising=False)
    monkeypatch.delenv("COPRO_DATA", raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_config(tmp_path: Path, key_template: Path, request: pytest.FixtureRequest) -> Callable[[str], LedgerConfig]:
    def make(kind: str) -> LedgerConfig:
        data = tmp_path / f"data{next(_db_names)}"
        data.mkdir(mode=0o700)  # as copro makes it: a looser folder is tightened with a message
        shutil.copytree(key_template, data / "keys")
        url = None
        if kind == "postgres":
            base = request.getfixturevalue("postgres")
            url = create_database(base, f"copro_test_{os.getpid()}_{next(_db_names)}")
        return LedgerConfig(data, url)

    return make


@pytest.fixture
def config(backend: str, make_config: Callable[[str], LedgerConfig]) -> LedgerConfig:
    return make_config(backend)


@pytest.fixture
def ledger(config: LedgerConfig) -> Iterator[Ledger]:
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    app = Ledger.open(config, keys, create=True)
    yield app
    app.close()


@pytest.fixture
def gov(config: LedgerConfig) -> Iterator[Governance]:
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    app = Governance.open(config, keys, create=True)
    yield app
    app.close()


@pytest.fixture
def world(gov: Governance) -> World:
    return build_world(gov)


@pytest.fixture
def site(gov: Governance, config: LedgerConfig) -> Site:
    return make_site(gov, config)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the whole session: Playwright's sync API runs one instance per thread at a time,
    so every browser test (the journeys, the report's page) shares this one."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, LAUNCH_ARGS
    from tests.services import missing

    if not Path(CHROMIUM).exists():
        missing("Chromium (/usr/bin/chromium) is not installed")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
