"""Every environment variable is checked at start-up, with one sentence naming it and what to write.

One test per kind of bad value (a number, a flag, a URL, proxies, an address, a folder,
a secret file), through the ``copro`` command (exit 2, nothing written) and through
copro/wsgi.py (gunicorn's entry). The table in docs/OPERATIONS.md lists exactly the
variables copro.settings knows, so neither can change alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from copro.cli import main
from copro.settings import SETTINGS, check_environment
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from tests.conftest import PASSPHRASE

ROOT = Path(__file__).resolve().parent.parent

BAD = [
    ("COPRO_SESSION_IDLE", "soon", "COPRO_SESSION_IDLE is 'soon'; give a whole number of seconds"),
    ("COPRO_WEB_WORKERS", "0", "COPRO_WEB_WORKERS is '0'; give a whole number from 1 to 64"),
    ("COPRO_HTTPS", "yes", "COPRO_HTTPS is 'yes'; write 1 to turn it on"),
    ("COPRO_DATABASE_URL", "mysql://x@y/z", "COPRO_DATABASE_URL must look like postgresql://"),
    ("COPRO_TRUSTED_PROXIES", "everyone", "COPRO_TRUSTED_PROXIES is 'everyone'; give the number of proxies"),
    ("COPRO_READY_MAX_LAG", "-5", "COPRO_READY_MAX_LAG is '-5'; give a whole number of seconds, at least 1"),
    ("COPRO_BIND", "8000", "COPRO_BIND is '8000'; give an address and a port"),
    ("COPRO_KEY_PASSPHRASE_FILE", "/nonexistent/passphrase", "COPRO_KEY_PASSPHRASE_FILE names /nonexistent/passphrase"),
    ("COPRO_SECRET_KEY", "short", "COPRO_SECRET_KEY is shorter than 32 characters"),
    ("COPRO_GROUP_COMMIT", "maybe", "COPRO_GROUP_COMMIT is 'maybe'; write on or off"),
    ("COPRO_GROUP_COMMIT_MAX_WAIT_MS", "500", "COPRO_GROUP_COMMIT_MAX_WAIT_MS is '500'; give a number of milliseconds"),
]


@pytest.mark.parametrize(("name", "value", "sentence"), BAD, ids=[b[0] for b in BAD])
def test_the_command_stops_with_one_sentence_and_writes_nothing(
    name: str,
    value: str,
    sentence: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if name.startswith("COPRO_KEY_PASSPHRASE"):
        monkeypatch.delenv("COPRO_KEY_PASSPHRASE")  # the tests' own, which would be a second one
    monkeypatch.setenv(name, value)
    data = tmp_path / "data"
    code = main(["--data", str(data), "keys", "init", "--origin", "example.org/test"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(f"copro: {sentence}"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not data.exists(), "a command stopped by its settings writes nothing"


def test_a_secret_file_that_is_empty_or_given_twice_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(ConfigurationError, match=r"COPRO_SECRET_KEY_FILE names .*empty; write the secret into it"):
        check_environment({"COPRO_SECRET_KEY_FILE": str(empty)})
    with pytest.raises(ConfigurationError, match="Both COPRO_SECRET_KEY and COPRO_SECRET_KEY_FILE are set"):
        check_environment({"COPRO_SECRET_KEY_FILE": str(empty), "COPRO_SECRET_KEY": "x" * 40})


def test_sessions_idle_longer_than_the_maximum_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="COPRO_SESSION_IDLE is longer than COPRO_SESSION_MAX"):
        check_environment({"COPRO_SESSION_IDLE": "7200", "COPRO_SESSION_MAX": "3600"})


def test_a_mail_setting_stops_the_web_app_but_not_the_command(tmp_path: Path) -> None:
    bad_mail = {"COPRO_SMTP_HOST": "smtp.example.org", "COPRO_SMTP_FROM": "copro@example.org", "COPRO_SMTP_PORT": "x"}
    with pytest.raises(ConfigurationError, match="The SMTP port must be a number"):
        check_environment(bad_mail, str(tmp_path))
    check_environment(bad_mail, str(tmp_path), mail=False)  # copro verify needs no mail server


def test_a_prometheus_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(ConfigurationError, match=r"PROMETHEUS_MULTIPROC_DIR is .*, which is a file; give a folder"):
        check_environment({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "f")})


def test_the_passphrase_and_the_database_password_can_come_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")  # as `echo ... > secrets/key_passphrase` leaves it
    monkeypatch.delenv("COPRO_KEY_PASSPHRASE")
    monkeypatch.setenv("COPRO_KEY_PASSPHRASE_FILE", str(secret))
    data = tmp_path / "data"
    assert main(["--data", str(data), "keys", "init", "--origin", "example.org/test"]) == 0
    assert main(["--data", str(data), "init"]) == 0
    secret.write_text("wrong passphrase, long enough\n")
    assert main(["--data", str(data), "checkpoint"]) == 2
    assert "does not open" in capsys.readouterr().err

    password = tmp_path / "db_password"
    password.write_text("s3cr@t/pass\n")
    monkeypatch.setenv("COPRO_DATABASE_URL", "postgresql://copro@db.internal:5432/copro")
    monkeypatch.setenv("COPRO_DATABASE_PASSWORD_FILE", str(password))
    config = LedgerConfig.from_env(data)
    assert config.eventsourcing_env(create_tables=False)["POSTGRES_PASSWORD"] == "s3cr@t/pass"
    assert config.eventsourcing_env(create_tables=False)["POSTGRES_HOST"] == "db.internal"
    monkeypatch.setenv("COPRO_DATABASE_URL", "postgresql://copro:other@db.internal:5432/copro")
    with pytest.raises(ConfigurationError, match="holds a password and COPRO_DATABASE_PASSWORD"):
        LedgerConfig.from_env(data)


def test_the_wsgi_entry_says_the_sentence_as_gunicorn_prints_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.errors import AppImportError

    from copro import wsgi

    monkeypatch.setenv("COPRO_TRUSTED_PROXIES", "everyone")
    with pytest.raises(AppImportError, match=r"^copro: COPRO_TRUSTED_PROXIES is 'everyone'"):
        wsgi.application()


def test_operations_md_lists_every_variable_copro_reads() -> None:
    text = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([^`]+)` \|", section, re.M)
    assert documented == [s.name for s in SETTINGS]
    source = "\n".join(p.read_text() for d in ("copro", "web", "ledger") for p in (ROOT / d).rglob("*.py"))
    read = set(re.findall(r"""(?:environ|getenv)\.?(?:get)?\(\s*["'](COPRO_\w+|PROMETHEUS_\w+)""", source))
    read |= set(re.findall(r"""^\w*_ENV = "(COPRO_\w+)""", source, re.M))
    read |= set(re.findall(r"""secret_from_env\(\s*"(COPRO_\w+)""", source))
    known = [s.name for s in SETTINGS]

    def listed(name: str) -> bool:  # COPRO_SECRET_KEY is the row COPRO_SECRET_KEY_FILE; COPRO_SMTP_* a family
        return any(name in (k, k.removesuffix("_FILE")) or (k.endswith("*") and name.startswith(k[:-1])) for k in known)

    missing = sorted(name for name in read if not listed(name))
    assert not missing, f"read but not in copro.settings.SETTINGS: {missing}"
