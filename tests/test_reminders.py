"""Reminders: every open proposal says when it closes; a facilitator sees who has not responded and reminds them.

The email goes through a real SMTP server (aiosmtpd on a loopback port), in the clear
and with STARTTLS over a certificate made here; the in-app reminder is read from the
real home page. Nothing here is mocked.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ledger.governance.commands.reminders import check_email
from ledger.governance.deadlines import closing_words
from ledger.governance.errors import Invalid, NotAllowed
from ledger.governance.recompute import OUTCOMES
from ledger.governance.replay.events import ReplayError
from ledger.governance.replay.fold import fold
from ledger.log.application import Ledger
from ledger.log.verify import verify_log
from tests.nothing_written import held
from tests.replay_support import events_of
from tests.web_support import Person, Site
from web import mail

SMTP_PASSWORD = "a mail password only the environment holds"


# -- a real SMTP server --------------------------------------------------------------------


@dataclass
class Inbox:
    """What the SMTP server received: one parsed message per recipient, and who signed in."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=login == "copro" and password == SMTP_PASSWORD)

    def to(self, address: str) -> EmailMessage:
        found = [m for rcpt, m in self.messages if rcpt == [address]]
        assert len(found) == 1, f"{address} got {len(found)} messages"
        return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Certificate:
    cert: Path
    key: Path


def _self_signed(folder: Path) -> Certificate:
    """A certificate for 127.0.0.1, signed by itself: the test's own 'authority'."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "copro test mail server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = Certificate(folder / "smtp-cert.pem", folder / "smtp-key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A plain SMTP server on loopback, no TLS, no sign-in."""
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Certificate]]:
    """An SMTP server that takes mail only after STARTTLS, and only from a signed-in user."""
    inbox, port, certificate = Inbox(), _free_port(), _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert, certificate.key)
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield inbox, port, certificate
    finally:
        controller.stop()


def _mail_toml(site: Site, text: str, environ: dict[str, str] | None = None) -> None:
    (site.config.data_dir / mail.MAIL_FILE).write_text(text, encoding="utf-8")
    site.app.config["COPRO_MAIL_ENVIRON"] = environ or {}


# -- the story's pieces ----------------------------------------------------------------------


def _open_budget(site: Site, title: str = "Pay peer researchers £25 an hour") -> UUID:
    """A budget proposal: its rule (majority in every group) sets 21 days for responses."""
    w = site.world
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title=title, body="From March.")
    w.gov.open_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def _give_email(site: Site, name: str, address: str) -> None:
    person = Person(site, name)
    person.get(site.url("/details/"))
    r = person.post(site.url("/details/"), {"email": address})
    assert r.status_code == 303, r.text


def _remind(site: Site, pid: UUID, *groups: str) -> tuple[Person, str]:
    """The facilitator sends a reminder; returns their browser and the page they land on."""
    facilitator = Person(site, "dev")
    page = site.url("/proposals/{p}/reminders/", p=pid)
    facilitator.get(page)
    r = facilitator.post(page, {"groups": list(groups)})
    assert r.status_code == 303, r.text
    return facilitator, facilitator.get(r.headers["Location"]).get_data(as_text=True)


def _home(site: Site, name: str) -> str:
    return Person(site, name).get(site.url("/")).get_data(as_text=True)


# -- when a proposal closes ----------------------------------------------------------------------


def test_closing_words_count_calendar_days_and_say_closed() -> None:
    now = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    assert closing_words("open", "2026-12-23T09:00:00+00:00", None, now) == "Closes in 21 days, on 23 December 2026"
    assert closing_words("open", "2026-12-03T08:00:00+00:00", None, now) == "Closes tomorrow, on 3 December 2026"
    assert closing_words("open", "2026-12-02T17:30:00+00:00", None, now) == "Closes today, at 17:30 UTC"
    assert closing_words("open", "2026-12-02T08:59:00+00:00", None, now) == "Closed for responses on 2 December 2026"
    assert closing_words("open", None, None, now) == "Open until a facilitator closes it"
    assert closing_words("closed", "2026-12-23T09:00:00+00:00", None, now) == "Closed"
    assert closing_words("closed", None, "2026-11-30T10:00:00+00:00", now) == "Closed on 30 November 2026"


def test_the_list_the_proposal_page_and_the_home_page_say_when_it_closes(site: Site) -> None:
    pid = _open_budget(site)
    amara = Person(site, "amara")
    closes = "Closes in 21 days, on 23 November 2026"  # opened 2 November 2026 under a 504-hour rule
    assert closes in amara.get(site.url("/proposals/")).get_data(as_text=True)
    assert closes in amara.get(site.url("/proposals/{p}", p=pid)).get_data(as_text=True)
    assert closes in amara.get(site.url("/")).get_data(as_text=True)
    site.world.clock.advance(days=20)
    assert "Closes tomorrow, on 23 November 2026" in amara.get(site.url("/proposals/")).get_data(as_text=True)
    site.world.clock.advance(days=2)
    listing = amara.get(site.url("/proposals/")).get_data(as_text=True)
    assert "Closed for responses on 23 November 2026" in listing


def test_the_closing_time_is_in_the_read_model_and_rebuilt_from_the_log(site: Site) -> None:
    pid = _open_budget(site)
    views = site.copro.views
    [row] = [p for p in views.proposals(site.world.collective) if p["id"] == pid]
    assert row["closes_at"] == "2026-11-23T10:00:00+00:00"
    views.rebuild()
    [again] = [p for p in views.proposals(site.world.collective) if p["id"] == pid]
    assert again == row


# -- who has not responded -----------------------------------------------------------------------


def test_the_facilitator_sees_who_in_each_voting_group_has_not_responded(site: Site) -> None:
    pid = _open_budget(site)
    w = site.world
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree", reason="Fair pay.")
    w.gov.cast_ballot(pid, member_id=w.member("dev"), position="agree", reason="Yes.")
    site.copro.views.catch_up()
    text = Person(site, "dev").get(site.url("/proposals/{p}/reminders/", p=pid)).get_data(as_text=True)
    lived = text.split("People with lived experience:")[1].split("</section>")[0]
    assert "2 not responded yet" in lived and "<li>Ben</li>" in lived and "<li>Chloe</li>" in lived
    assert "Amara" not in lived
    researchers = text.split("Researchers:")[1].split("</section>")[0]
    assert "<li>Sam Steward</li>" in researchers and "Dev" not in researchers
    assert "Funders" not in text, "funders are only informed of a budget decision: they are not asked to respond"
    assert "Closes in 21 days, on 23 November 2026" in text


def test_a_member_who_is_not_a_facilitator_is_refused_and_nothing_is_written(site: Site) -> None:
    pid = _open_budget(site)
    ben = Person(site, "ben")
    page = site.url("/proposals/{p}/reminders/", p=pid)
    seen = ben.get(page)
    assert seen.status_code == 403
    assert "Only a facilitator or steward can do this." in seen.get_data(as_text=True)
    assert "Chloe" not in seen.get_data(as_text=True)
    before = held(site.world.gov, site.config)
    sent = ben.post(page, {"groups": ["lived_experience"]})
    assert sent.status_code == 403
    assert "Only a facilitator or steward can do this." in sent.get_data(as_text=True)
    assert held(site.world.gov, site.config) == before
    with pytest.raises(NotAllowed):  # the domain refuses too, whatever called it
        site.world.gov.send_reminder(pid, by=site.world.member("ben"), groups=["lived_experience"])
    assert held(site.world.gov, site.config) == before


def test_a_reminder_must_name_a_group_that_responds(site: Site) -> None:
    pid = _open_budget(site)
    dev = Person(site, "dev")
    page = site.url("/proposals/{p}/reminders/", p=pid)
    dev.get(page)
    before = held(site.world.gov, site.config)
    none = dev.post(page, {})
    assert none.status_code == 422 and "Choose at least one group to remind." in none.get_data(as_text=True)
    funders = dev.post(page, {"groups": ["funders"]})
    assert funders.status_code == 422
    assert "The group &#39;funders&#39; does not respond to this proposal" in funders.get_data(as_text=True)
    assert held(site.world.gov, site.config) == before


# -- in-app reminders ----------------------------------------------------------------------------


def test_the_in_app_reminder_shows_to_those_reminded_until_they_respond(site: Site) -> None:
    pid = _open_budget(site)
    w = site.world
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree", reason="Fair pay.")
    site.copro.views.catch_up()
    assert "Reminder:" not in _home(site, "ben")
    _remind(site, pid, "lived_experience")
    assert "Reminder:</strong> please say where you stand on this." in _home(site, "ben")
    assert "Reminder:" not in _home(site, "erin"), "practitioners were not reminded"
    assert "Reminder:" not in _home(site, "amara"), "Amara has responded"
    ben = Person(site, "ben")
    detail = site.url("/proposals/{p}", p=pid)
    ben.get(detail)
    voted = ben.post(f"{detail}/position", {"position": "agree", "reason": "Yes."})
    assert voted.status_code == 303, voted.text
    assert "Reminder:" not in _home(site, "ben")


def test_reminders_are_rebuilt_from_the_log_and_the_replay_accepts_them(site: Site) -> None:
    pid = _open_budget(site)
    _remind(site, pid, "lived_experience", "practitioners")
    views = site.copro.views
    sent = views.reminders_of(pid)
    assert [sorted(g) for g, _ in sent] == [["lived_experience", "practitioners"]]
    views.rebuild()
    assert views.reminders_of(pid) == sent
    world = fold(events_of(site.config))
    assert sum(1 for a in world.aggregates.values() if a.kind == "Reminder") == 1
    report = verify_log(Ledger.recorder_only(site.config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]


# -- email -------------------------------------------------------------------------------------


def test_the_reminder_email_has_the_link_and_no_personal_data_of_anyone_else(
    site: Site, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    _mail_toml(site, f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nstarttls = false\n')
    pid = _open_budget(site)
    w = site.world
    for name in ("amara", "ben", "chloe", "erin"):
        _give_email(site, name, f"{name}.private@example.net")
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree", reason="Fair pay.")
    site.copro.views.catch_up()
    _, landed = _remind(site, pid, "lived_experience")
    assert "2 emails were sent." in landed
    assert sorted(r for rcpt, _ in inbox.messages for r in rcpt) == [
        "ben.private@example.net",
        "chloe.private@example.net",
    ], "only those reminded who have not responded; never Amara (responded) or Erin (not reminded)"
    message = inbox.to("ben.private@example.net")
    assert message["From"] == "copro@example.org"
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert f"http://localhost/c/{w.collective}/proposals/{pid}" in body
    assert "Pay peer researchers £25 an hour" in body and "Closes in 21 days, on 23 November 2026" in body
    everyone = ("Amara", "Ben", "Chloe", "Dev", "Erin", "Femi", "Sam")
    whole = message.as_string()
    assert not [n for n in everyone if n in body], "the email names no one"
    assert "chloe.private" not in whole and "amara.private" not in whole and "erin.private" not in whole


def test_the_reminder_email_says_it_all_in_welsh_first_then_in_english(
    site: Site, smtp_server: tuple[Inbox, int]
) -> None:
    """copro keeps no member's language, so the email carries both, whatever the facilitator reads in."""
    inbox, port = smtp_server
    _mail_toml(site, f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nstarttls = false\n')
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    facilitator = Person(site, "dev")
    facilitator.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy"
    page = site.url("/proposals/{p}/reminders/", p=pid)
    facilitator.get(page)
    assert facilitator.post(page, {"groups": ["lived_experience"]}).status_code == 303
    message = inbox.to("ben.private@example.net")
    title = "Pay peer researchers £25 an hour"
    assert message["Subject"] == f"Nodyn atgoffa / Reminder: “{title}”"
    body = message.get_content().replace("\r\n", "\n")
    welsh, english = body.split("\n----------\n")
    assert "Mae hwylusydd" in welsh and "yn gofyn i chi roi eich barn ar “Pay peer researchers" in welsh
    assert "Yn cau ymhen 21 diwrnod, ar 23 Tachwedd 2026." in welsh, "the closing time in Welsh, months and all"
    assert "Helo," in welsh and "Hello," not in welsh and "Closes in" not in welsh
    assert "Closes in 21 days, on 23 November 2026." in english and "A facilitator of" in english
    link = f"http://localhost/c/{site.world.collective}/proposals/{pid}"
    assert link in welsh and link in english


def test_the_reminder_event_holds_no_names_or_contact_details(site: Site, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    _mail_toml(site, f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nstarttls = false\n')
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    _remind(site, pid, "lived_experience")
    [sent] = [e for e in events_of(site.config) if e.topic == "copro/1/Reminder.Sent"]
    assert b"lived_experience" in sent.payload
    for secret in (b"ben.private", b"Ben", b"@example", b"Chloe", b"Dev"):
        assert secret not in sent.payload
    everything = b"".join(e.payload for e in events_of(site.config))
    assert b"ben.private@example.net" not in everything, "the address is sealed in the log"
    assert len(inbox.messages) == 1


def test_email_goes_over_starttls_with_the_password_from_a_file(
    site: Site, tls_smtp_server: tuple[Inbox, int, Certificate], tmp_path: Path
) -> None:
    inbox, port, certificate = tls_smtp_server
    secret = tmp_path / "smtp-password"
    secret.write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
    _mail_toml(
        site,
        f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nusername = "copro"\n'
        f'starttls = true\ncafile = "{certificate.cert}"\n',
        {"COPRO_SMTP_PASSWORD_FILE": str(secret)},
    )
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    _, landed = _remind(site, pid, "lived_experience")
    assert "1 email was sent." in landed
    assert inbox.logins == [("copro", SMTP_PASSWORD)]
    assert "http://localhost/c/" in inbox.to("ben.private@example.net").get_content()


def test_a_server_that_needs_starttls_refuses_plain_mail_and_the_reminder_stays(
    site: Site, tls_smtp_server: tuple[Inbox, int, Certificate]
) -> None:
    inbox, port, _ = tls_smtp_server
    _mail_toml(site, f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nstarttls = false\n')
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    _, landed = _remind(site, pid, "lived_experience")
    assert "The email could not be sent: The mail server at 127.0.0.1" in landed
    assert inbox.messages == []
    assert len(site.copro.views.reminders_of(pid)) == 1, "the reminder is recorded whatever the mail did"
    assert "Reminder:" in _home(site, "ben")


def test_an_unreachable_mail_server_gives_one_sentence_and_the_reminder_is_kept(site: Site) -> None:
    _mail_toml(site, f'host = "127.0.0.1"\nport = {_free_port()}\nfrom = "copro@example.org"\n')
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    _, landed = _remind(site, pid, "lived_experience")
    assert "Reminder sent to People with lived experience" in landed
    assert "could not be reached or refused the email (ConnectionRefusedError)" in landed
    assert "Traceback" not in landed
    assert "Reminder:" in _home(site, "ben")


def test_a_password_in_mail_toml_is_refused_and_never_repeated(site: Site) -> None:
    data = site.config.data_dir
    (data / mail.MAIL_FILE).write_text('host = "smtp.example.org"\nfrom = "c@example.org"\npassword = "hunter22"\n')
    with pytest.raises(mail.MailConfigError) as refused:
        mail.load_settings(data, {})
    assert "holds a password; remove it and give it in COPRO_SMTP_PASSWORD" in str(refused.value)
    assert "hunter22" not in str(refused.value)
    (data / mail.MAIL_FILE).write_text('host = "smtp.example.org"\nfrom = "c@example.org"\n')
    settings = mail.load_settings(data, {"COPRO_SMTP_PASSWORD": "hunter22", "COPRO_SMTP_PORT": "2525"})
    assert settings is not None and settings.password == "hunter22" and settings.port == 2525
    assert "hunter22" not in repr(settings)
    (data / mail.MAIL_FILE).unlink()
    assert mail.load_settings(data, {}) is None, "no host: no email"


# -- the member's own email address -----------------------------------------------------------


def test_a_member_sets_and_removes_their_email_and_a_bad_one_is_refused(site: Site) -> None:
    w = site.world
    ben = Person(site, "ben")
    page = site.url("/details/")
    ben.get(page)
    before = held(w.gov, site.config)
    bad = ben.post(page, {"email": "ben at home"})
    assert bad.status_code == 422
    assert "That does not look like an email address" in bad.get_data(as_text=True)
    assert held(w.gov, site.config) == before
    assert ben.post(page, {"email": "ben.private@example.net"}).status_code == 303
    assert 'value="ben.private@example.net"' in ben.get(page).get_data(as_text=True)
    assert w.gov.email_of(w.member("ben")) == "ben.private@example.net"
    with pytest.raises(NotAllowed):
        w.gov.set_email(w.member("ben"), by=w.member("dev"), email="dev-was-here@example.net")
    assert ben.post(page, {"email": ""}).status_code == 303
    assert w.gov.email_of(w.member("ben")) is None
    with pytest.raises(Invalid):
        w.gov.set_email(w.member("ben"), by=w.member("ben"), email="")


def test_an_erased_member_gets_no_email(site: Site, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    _mail_toml(site, f'host = "127.0.0.1"\nport = {port}\nfrom = "copro@example.org"\nstarttls = false\n')
    pid = _open_budget(site)
    _give_email(site, "ben", "ben.private@example.net")
    _give_email(site, "chloe", "chloe.private@example.net")
    site.world.gov.erase_member(site.world.member("ben"))
    assert site.world.gov.email_of(site.world.member("ben")) is None
    _remind(site, pid, "lived_experience")
    assert [rcpt for rcpt, _ in inbox.messages] == [["chloe.private@example.net"]]


@pytest.mark.parametrize("address", ["ben at home", "ben@home", "ben@@example.org", "ben@example..org", "<ben@x.org>"])
def test_what_is_not_an_email_address_is_refused_with_a_sentence(address: str) -> None:
    with pytest.raises(Invalid, match="That does not look like an email address"):
        check_email(address)
    assert check_email("  ben.private@example.net ") == "ben.private@example.net"


def test_unusable_mail_settings_keep_the_reminder_and_tell_the_facilitator_to_ask_the_operator(site: Site) -> None:
    _mail_toml(site, 'host = "127.0.0.1"\nfrom = "copro@example.org"\npassword = "hunter22"\n')
    pid = _open_budget(site)
    _, landed = _remind(site, pid, "lived_experience")
    assert "No email was sent: the mail settings cannot be used" in landed
    assert "hunter22" not in landed and str(site.config.data_dir) not in landed
    assert len(site.copro.views.reminders_of(pid)) == 1


def test_the_replay_refuses_a_reminder_about_a_proposal_that_is_not_open(site: Site) -> None:
    pid = _open_budget(site)
    _remind(site, pid, "lived_experience")
    events = events_of(site.config)
    [sent] = [e for e in events if e.topic == "copro/1/Reminder.Sent"]
    opened = next(i for i, e in enumerate(events) if e.topic == "copro/1/Proposal.Opened" and e.originator_id == pid)
    events.remove(sent)
    events.insert(opened, sent)  # as if it had been recorded while the proposal was still a draft
    with pytest.raises(ReplayError, match=f"it reminds about proposal {pid}, which is draft, not open"):
        fold(events)
