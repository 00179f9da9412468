"""``copro serve``: bind the port, build the web app, print the demo members' sign-in links, serve.

Here, not in ``web``, because the links need the demo collective, which lives in the
composition root; the web package knows nothing of the demo.
"""

from __future__ import annotations

import argparse
import errno
import socket
from collections.abc import Callable
from typing import NamedTuple
from uuid import UUID

from flask import Flask

from copro.demo import DEMO_MARK, demo_people
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from web.state import copro as copro_extension
from web.state import roles_of


def serve(args: argparse.Namespace, config: Callable[[argparse.Namespace], LedgerConfig]) -> int:
    """Serve the web front end (werkzeug's server; use gunicorn in production).

    The port is bound before anything else happens, so a port in use or an unknown
    host stops the command before it writes a session secret or an invitation;
    ``config`` reads the data folder only then.
    """
    from werkzeug.serving import make_server

    from web import create_app
    from web.serving import CoproRequestHandler

    listening = bind_socket(args.host, args.port)
    try:
        ledger_config = config(args)
        app = create_app({"LEDGER_CONFIG": ledger_config})
        # The handler keeps invitation tokens out of the access log and versions out of the Server header.
        server = make_server(
            args.host, args.port, app, threaded=True, fd=listening.fileno(), request_handler=CoproRequestHandler
        )
    finally:
        listening.close()  # the server holds its own duplicate of the socket
    base = f"http://{f'[{args.host}]' if ':' in args.host else args.host}:{args.port}"
    for line in welcome_screen(app, base, ledger_config):
        print(line)
    print(flush=True)
    server.serve_forever()  # returns on Ctrl+C
    return 0


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or one sentence saying why there cannot be one."""
    from werkzeug.serving import select_address_family

    family = select_address_family(host, port)
    try:
        address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0][4]
    except (socket.gaierror, UnicodeError):
        raise ConfigurationError(
            f"Cannot serve on {host!r}: there is no such host name or address; "
            "use an address of this machine such as 127.0.0.1 with --host."
        ) from None
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug does: restart at once
    try:
        listening.bind(address)
        listening.listen(128)
    except OSError as e:
        listening.close()
        raise ConfigurationError(_bind_failure(host, port, e)) from None
    return listening


def _bind_failure(host: str, port: int, e: OSError) -> str:
    if e.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is already in use by another program; stop it or choose another --port."
    if e.errno == errno.EACCES:
        return f"Port {port} needs administrator rights; choose a port above 1023 with --port."
    if e.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its own addresses."
    return f"Cannot listen on {host} port {port} ({e.strerror}); choose another --host or --port."


def welcome_screen(app: Flask, base_url: str, config: LedgerConfig) -> list[str]:
    """One short screen: what runs where, the demo people with their links, and what to try first.

    A newcomer reads this before anything else, so it names people by their stakeholder
    group (who has lived experience, who is the funder) and says the links are invitations.
    """
    lines = [f"copro is running at {base_url}/ (press Ctrl+C to stop); its data is in the {config.describe()}."]
    people = demo_invitations(app, base_url)
    if not people:
        return lines
    lines += [
        "",
        "The demo people. Each link is a one-time invitation: open it, then choose any sign-in",
        "name and passphrase. Use a private window for each person you want to be.",
        "",
    ]
    name_w, group_w, role_w = (
        max(len(p[i]) for p in [*people, DemoPerson("Name", "Group", "Role", "")]) for i in range(3)
    )
    for person in [DemoPerson("Name", "Group", "Role", "Link"), *people]:
        lines.append(f"  {person.name:<{name_w}}  {person.groups:<{group_w}}  {person.roles:<{role_w}}  {person.link}")
    lived = next((p for p in people if "lived experience" in p.groups and p.roles == "member"), None)
    facilitator = next((p for p in people if "facilitator" in p.roles), None)
    if lived and facilitator:
        lines += [
            "",
            "Try this first:",
            f"  1. Open {lived.name}'s link (a member with lived experience), open a proposal that is",
            "     open for votes, choose your position and give a reason.",
            f"  2. Open {facilitator.name}'s link in a private window (the facilitator) and close that proposal.",
        ]
    return lines


class DemoPerson(NamedTuple):
    """One line of the welcome screen's table."""

    name: str
    groups: str
    roles: str
    link: str


def demo_invitations(app: Flask, base_url: str) -> list[DemoPerson]:
    """Each demo member who has not set up a sign-in yet, with a fresh invitation link."""
    copro = copro_extension.state_of(app)
    marker = copro.gov.merkle_log.meta().get(DEMO_MARK)
    if not marker:
        return []
    collective = copro.gov.collective(UUID(marker))
    out = []
    for name, member_id in sorted(demo_people(copro.gov)):
        if copro.accounts.by_member(member_id) is not None:
            continue
        token = copro.accounts.invite(member_id, collective.id)
        roles = ", ".join(sorted(roles_of(collective, member_id) - {"member"})) or "member"
        groups = ", ".join(collective.groups[g] for g in sorted(collective.groups_of(member_id)))
        out.append(DemoPerson(name, groups, roles, f"{base_url}/invite/{token}"))
    return out
