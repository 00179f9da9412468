"""Email through the operator's SMTP server (stdlib ``smtplib``), for reminders.

The operator configures it with environment variables or ``<data>/mail.toml``
(environment wins, field by field): host, port, from, username, starttls, and
``cafile`` for a server whose certificate a private authority signed. The password
comes only from ``COPRO_SMTP_PASSWORD`` or the file ``COPRO_SMTP_PASSWORD_FILE``
names: a ``password`` in mail.toml is refused, so it is never in a file that gets
copied around with the data, and no error message or log line ever contains it.
No host configured means no email: reminders still show on members' home pages.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

MAIL_FILE = "mail.toml"
FIELDS = {"host", "port", "from", "username", "starttls", "cafile"}
ENV = {
    "host": "COPRO_SMTP_HOST",
    "port": "COPRO_SMTP_PORT",
    "from": "COPRO_SMTP_FROM",
    "username": "COPRO_SMTP_USERNAME",
    "starttls": "COPRO_SMTP_STARTTLS",
    "cafile": "COPRO_SMTP_CAFILE",
}
TIMEOUT = 20  # seconds: a stuck mail server must not hold a facilitator's page for ever


class MailConfigError(ValueError):
    """The mail settings cannot be used; the message says which setting and what to do."""


class MailError(Exception):
    """A message could not be handed to the mail server; one sentence, with no secret in it."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None
    starttls: bool
    cafile: str | None

    def __repr__(self) -> str:  # never the password, wherever settings get printed
        return f"MailSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, starttls={self.starttls})"


def _truthy(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise MailConfigError(f"The mail setting {name} must be true or false, not {value!r}.")


def _password(environ: Mapping[str, str]) -> str | None:
    if environ.get("COPRO_SMTP_PASSWORD"):
        return environ["COPRO_SMTP_PASSWORD"]
    path = environ.get("COPRO_SMTP_PASSWORD_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        raise MailConfigError(
            f"The SMTP password file {path} cannot be read; check COPRO_SMTP_PASSWORD_FILE and its permissions."
        ) from None


def load_settings(data_dir: Path, environ: Mapping[str, str] | None = None) -> MailSettings | None:
    """The operator's mail settings, or None when no SMTP host is configured (no email is sent)."""
    env = os.environ if environ is None else environ
    found: dict[str, object] = {}
    path = data_dir / MAIL_FILE
    if path.exists():
        try:
            found = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise MailConfigError(f"{path} is not a TOML file copro can read ({type(e).__name__}); fix it.") from None
        if "password" in found:
            raise MailConfigError(
                f"{path} holds a password; remove it and give it in COPRO_SMTP_PASSWORD or COPRO_SMTP_PASSWORD_FILE."
            )
        unknown = sorted(set(found) - FIELDS)
        if unknown:
            raise MailConfigError(f"{path} has the unknown setting {unknown[0]!r}; use {', '.join(sorted(FIELDS))}.")
    for field, name in ENV.items():
        if env.get(name):
            found[field] = env[name]
    host = str(found.get("host", "")).strip()
    if not host:
        return None
    sender = str(found.get("from", "")).strip()
    if "@" not in sender:
        raise MailConfigError("Set the address reminders are sent from: 'from' in mail.toml or COPRO_SMTP_FROM.")
    try:
        port = int(str(found.get("port", 587)))
    except ValueError:
        raise MailConfigError(f"The SMTP port must be a number, not {found.get('port')!r}.") from None
    if not 0 < port < 65536:
        raise MailConfigError(f"The SMTP port must be between 1 and 65535, not {port}.")
    username = str(found["username"]) if found.get("username") else None
    cafile = str(found["cafile"]) if found.get("cafile") else None
    starttls = _truthy(found.get("starttls", True), "starttls")
    return MailSettings(host, port, sender, username, _password(env), starttls, cafile)


def reminder_message(settings: MailSettings, *, to: str, subject: str, body: str) -> EmailMessage:
    """A reminder to one person: plain text, already in the words it is sent in (web/reminders.py)."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def send(settings: MailSettings, messages: list[EmailMessage]) -> None:
    """Hand every message to the server in one connection; MailError (one sentence) if that fails."""
    if not messages:
        return
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=settings.cafile))
            if settings.username is not None:
                smtp.login(settings.username, settings.password or "")
            for message in messages:
                smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            "The mail server refused copro's username or password; the operator should check them."
        ) from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as e:
        raise MailError(
            f"The mail server at {settings.host}:{settings.port} could not be reached or refused the email "
            f"({type(e).__name__}); the operator should check the mail settings."
        ) from None
