"""Every environment variable copro reads, in one table, each checked at start-up with one sentence.

The table is the source of docs/OPERATIONS.md's "Configuration" table (a test keeps
them equal), so a new variable cannot be read without being documented. Here, in the
composition root, because checking needs the web's rules (proxies, sessions, mail) and
the ledger's (URLs, secrets) together, and both the ``copro`` command and the WSGI
entry (copro/wsgi.py, gunicorn.conf.py) run it before they open anything: a bad value
stops them with the variable's name and what to write instead, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.log.config import LedgerConfig, _postgres_url
from ledger.log.environment import secret_from_env
from ledger.log.errors import ConfigurationError
from ledger.log.keys import passphrase_from_env


@dataclass(frozen=True)
class Setting:
    """One variable: what it means, what copro does without it, an example value."""

    name: str
    meaning: str
    default: str
    example: str
    check: Callable[[str], None] | None = None


def _whole(name: str, low: int, high: int, unit: str = "") -> Callable[[str], None]:
    def check(value: str) -> None:
        text = value.strip()
        if not text.isdigit() or not low <= int(text) <= high:
            raise ConfigurationError(f"{name} is {value!r}; give a whole number{unit} from {low} to {high}.")

    return check


def _flag(name: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value.strip() not in ("", "0", "1"):
            raise ConfigurationError(f"{name} is {value!r}; write 1 to turn it on, or leave it unset.")

    return check


def _database_url(value: str) -> None:
    if value:
        _postgres_url(value)


def _proxies(value: str) -> None:
    from web.proxies import parse

    parse(value)


def _ready_lag(value: str) -> None:
    from web.operations import max_lag

    max_lag(value)


def _bind(value: str) -> None:
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(
            f"COPRO_BIND is {value!r}; give an address and a port, for example 0.0.0.0:8000 or 127.0.0.1:8000."
        )


def _group_commit(value: str) -> None:
    if value.strip().lower() not in ("", "on", "off"):
        raise ConfigurationError(f"COPRO_GROUP_COMMIT is {value!r}; write on or off, or leave it unset (on).")


def _max_wait(value: str) -> None:
    try:
        ms = float(value.strip())
    except ValueError:
        ms = -1.0
    if not 0 <= ms <= 100:
        raise ConfigurationError(
            f"COPRO_GROUP_COMMIT_MAX_WAIT_MS is {value!r}; give a number of milliseconds from 0 to 100."
        )


def _folder(name: str) -> Callable[[str], None]:
    def check(value: str) -> None:
        if value.strip() and Path(value).exists() and not Path(value).is_dir():
            raise ConfigurationError(f"{name} is {value!r}, which is a file; give a folder.")

    return check


SECONDS = " of seconds"
SETTINGS: tuple[Setting, ...] = (
    Setting("COPRO_DATA", "the data folder: keys, SQLite files, witnesses.policy, mail.toml", "./var", "/data"),
    Setting(
        "COPRO_DATABASE_URL",
        "the PostgreSQL database; unset means SQLite files in the data folder",
        "unset (SQLite)",
        "postgresql://copro@db:5432/copro",
        _database_url,
    ),
    Setting(
        "COPRO_DATABASE_PASSWORD_FILE",
        "a file holding the database password, when it is not in the URL (or COPRO_DATABASE_PASSWORD)",
        "the URL's password",
        "/run/secrets/db_password",
    ),
    Setting(
        "COPRO_KEY_PASSPHRASE_FILE",
        "a file holding the passphrase of the keys (or COPRO_KEY_PASSPHRASE), 12 characters or more",
        "none: encrypted keys cannot be opened",
        "/run/secrets/key_passphrase",
    ),
    Setting(
        "COPRO_SECRET_KEY_FILE",
        "a file holding the key that signs session ids and form tokens (or COPRO_SECRET_KEY); "
        "the same for every web process",
        "a random key kept in <data>/web-secret",
        "/run/secrets/session_secret",
    ),
    Setting("COPRO_HTTPS", "1: session cookies are sent over HTTPS only", "unset", "1", _flag("COPRO_HTTPS")),
    Setting(
        "COPRO_SESSION_IDLE",
        "seconds without a request after which a member is signed out",
        "7200",
        "3600",
        _whole("COPRO_SESSION_IDLE", 60, 10**9, SECONDS),
    ),
    Setting(
        "COPRO_SESSION_MAX",
        "seconds after sign-in after which a member is signed out",
        "43200",
        "28800",
        _whole("COPRO_SESSION_MAX", 60, 10**9, SECONDS),
    ),
    Setting(
        "COPRO_TRUSTED_PROXIES",
        "the number of proxies in front of copro, or their addresses; their X-Forwarded-For and X-Request-Id "
        "are believed",
        "0 (none)",
        "1",
        _proxies,
    ),
    Setting(
        "COPRO_READY_MAX_LAG",
        "seconds the views may lag behind the log before /readyz answers 503",
        "60",
        "30",
        _ready_lag,
    ),
    Setting(
        "COPRO_GROUP_COMMIT",
        "on: concurrent writes of one process share one PostgreSQL transaction (see Group commit)",
        "on",
        "off",
        _group_commit,
    ),
    Setting(
        "COPRO_GROUP_COMMIT_MAX_WAIT_MS",
        "how long a batch's leader waits for more writes before a small batch (0 to 100)",
        "0",
        "2",
        _max_wait,
    ),
    Setting("COPRO_BIND", "gunicorn's address and port", "0.0.0.0:8000", "127.0.0.1:8000", _bind),
    Setting(
        "COPRO_WEB_WORKERS",
        "gunicorn worker processes",
        "2",
        "4",
        _whole("COPRO_WEB_WORKERS", 1, 64),
    ),
    Setting(
        "COPRO_WEB_THREADS",
        "threads per gunicorn worker",
        "8",
        "16",
        _whole("COPRO_WEB_THREADS", 1, 256),
    ),
    Setting(
        "COPRO_GRACEFUL_TIMEOUT",
        "seconds gunicorn lets requests finish on a restart or stop",
        "20",
        "30",
        _whole("COPRO_GRACEFUL_TIMEOUT", 1, 3600, SECONDS),
    ),
    Setting(
        "PROMETHEUS_MULTIPROC_DIR",
        "where gunicorn's workers keep their metrics, so /metrics adds them up",
        "a new temporary folder (gunicorn.conf.py)",
        "/tmp/copro-metrics",
        _folder("PROMETHEUS_MULTIPROC_DIR"),
    ),
    Setting(
        "COPRO_CHECKPOINT_INTERVAL",
        "seconds between checkpoints in docker-compose.yml's checkpoint service",
        "600",
        "300",
        _whole("COPRO_CHECKPOINT_INTERVAL", 10, 86400, SECONDS),
    ),
    Setting("COPRO_DOMAIN", "the domain Caddy obtains a TLS certificate for", "none", "copro.example.org"),
    Setting(
        "COPRO_SMTP_*",
        "the mail server for reminders: HOST, PORT, FROM, USERNAME, STARTTLS, CAFILE, PASSWORD(_FILE) (see Mail)",
        "no email",
        "smtp.example.org",
    ),
    Setting(
        "COPRO_LOG_TOKEN", "copro monitor's token for a public log shown to named auditors only", "none", "(a token)"
    ),
)


def check_environment(
    environ: Mapping[str, str] | None = None, data_dir: str | None = None, *, mail: bool = True
) -> None:
    """Check every variable that is set; ConfigurationError with one sentence for the first bad one.

    ``mail=False`` leaves the mail settings to the one command that sends mail (the web
    app): a typo in mail.toml must not stop ``copro verify``.
    """
    env = os.environ if environ is None else environ
    for setting in SETTINGS:
        value = env.get(setting.name)
        if setting.check is not None and value is not None:
            setting.check(value)
    for name in ("COPRO_DATABASE_PASSWORD", "COPRO_SECRET_KEY"):
        secret_from_env(name, env)  # readable, not empty, not given twice
    if environ is None:
        passphrase_from_env(required=False)  # at least 12 characters, from the variable or its file
        LedgerConfig.from_env(data_dir)  # the password file goes with a URL that has no password
    idle, most = env.get("COPRO_SESSION_IDLE", "").strip(), env.get("COPRO_SESSION_MAX", "").strip()
    if idle and most and int(idle) > int(most):
        raise ConfigurationError("COPRO_SESSION_IDLE is longer than COPRO_SESSION_MAX; make the idle time shorter.")
    session_key = secret_from_env("COPRO_SECRET_KEY", env)
    if session_key is not None and len(session_key) < 32:
        raise ConfigurationError(
            "COPRO_SECRET_KEY is shorter than 32 characters; make a long random one with 'openssl rand -base64 48'."
        )
    if mail:
        _mail(env, data_dir)


def _mail(env: Mapping[str, str], data_dir: str | None) -> None:
    from web.mail import MailConfigError, load_settings

    folder = Path(data_dir or env.get("COPRO_DATA") or "var")
    try:
        load_settings(folder, env)
    except MailConfigError as e:
        raise ConfigurationError(str(e)) from None
