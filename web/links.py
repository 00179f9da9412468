"""Invitation links for the demo members, printed by ``copro serve`` so a person can try every role."""

from __future__ import annotations

from uuid import UUID

from flask import Flask

from ledger.demo import DEMO_MARK, demo_people
from web.state import Copro, roles_of


def demo_invitations(app: Flask, base_url: str) -> list[tuple[str, str, str]]:
    """(name, roles, link) for each demo member who has not set up a sign-in yet."""
    copro: Copro = app.extensions["copro"]
    marker = copro.gov.log.meta().get(DEMO_MARK)
    if not marker:
        return []
    collective = copro.gov.collective(UUID(marker))
    out = []
    for name, member_id in sorted(demo_people(copro.gov)):
        if copro.accounts.by_member(member_id) is not None:
            continue
        token = copro.accounts.invite(member_id, collective.id)
        roles = ", ".join(sorted(roles_of(collective, member_id) - {"member"})) or "member"
        out.append((name, roles, f"{base_url}/invite/{token}"))
    return out
