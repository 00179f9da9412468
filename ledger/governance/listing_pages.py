"""Page models for the listings: agreements, members, contributions and reflections.

Each is what one page shows, assembled by one query: the view parses the request, calls
it, and renders. Which aggregates belong to a collective comes from the read model's
index (``GovernanceViews.listing``), never from a scan of the log; each aggregate listed is
read through the application's cache (read only, never copied), and its sealed words are
opened here, so a template never sees a sealed value. A listing costs in proportion to
what it lists, not to the length of the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from ledger.governance.agreement import Agreement
from ledger.governance.collective import Collective, Role
from ledger.governance.contribution import Contribution
from ledger.governance.reflection import Reflection

if TYPE_CHECKING:
    from ledger.governance.service import Governance
    from ledger.governance.views import GovernanceViews


def roles_of(collective: Collective, member_id: UUID) -> set[str]:
    """The roles ``member_id`` holds now, by name ("member" for everyone)."""
    return {r.value for r in Role if collective.has_role(member_id, r)}


@dataclass(frozen=True)
class AgreementsPage:
    """Every version of the agreement, newest first, with who signed each and for which group."""

    agreements: list[Agreement]
    signers: dict[UUID, list[tuple[str, str]]]
    my_groups: frozenset[str]
    roles: set[str]


@dataclass(frozen=True)
class Person:
    id: UUID
    name: str
    groups: list[str]
    roles: list[str]


@dataclass(frozen=True)
class ContributionLine:
    x: Contribution
    who: str
    activity: str
    mine: bool


@dataclass(frozen=True)
class ActionLine:
    text: str
    done_by: str | None


@dataclass(frozen=True)
class ReflectionLine:
    r: Reflection
    author: str
    subject_ref: str
    worked: str
    did_not: str
    power: str
    actions: list[ActionLine]


T = TypeVar("T")


def _listed(gov: Governance, views: GovernanceViews, c: Collective, kind: type[T], what: str) -> list[T]:
    return [gov.read(kind, aggregate_id, what) for aggregate_id in views.listing(c.id, kind.__name__)]


def agreements_page(gov: Governance, views: GovernanceViews, c: Collective, me: UUID) -> AgreementsPage:
    agreements = sorted(
        _listed(gov, views, c, Agreement, "agreement"),
        key=lambda a: a.created_on,
        reverse=True,
    )
    signers = {
        a.id: [(gov.member_name(UUID(m)), c.groups.get(g, g)) for m, g in a.signatures.items()] for a in agreements
    }
    return AgreementsPage(agreements, signers, c.groups_of(me), roles_of(c, me))


def members_page(gov: Governance, c: Collective) -> list[Person]:
    """Everyone taking part now, by name, with their groups and the roles beyond member."""
    people = [
        Person(m, gov.member_name(m), [c.groups[g] for g in sorted(groups)], sorted(roles_of(c, m) - {"member"}))
        for m, groups in c.active_members().items()
    ]
    return sorted(people, key=lambda p: p.name.lower())


def contributions_page(gov: Governance, views: GovernanceViews, c: Collective, me: UUID) -> list[ContributionLine]:
    """Time given, newest first, with the words of whoever gave it."""
    items = [
        ContributionLine(x, gov.member_name(x.member_id), gov.reveal(x.activity), x.member_id == me)
        for x in _listed(gov, views, c, Contribution, "contribution")
    ]
    return sorted(items, key=lambda i: (i.x.on, i.x.created_on), reverse=True)


def reflections_page(gov: Governance, views: GovernanceViews, c: Collective) -> list[ReflectionLine]:
    """Reflections, newest first, each with its actions and who completed them."""
    items = [
        ReflectionLine(
            r,
            gov.member_name(r.author_id),
            gov.reveal(r.subject_ref),
            gov.reveal(r.worked),
            gov.reveal(r.did_not),
            gov.reveal(r.power),
            [
                ActionLine(gov.reveal(a["text"]), gov.member_name(UUID(a["done_by"])) if a["done_by"] else None)
                for a in r.actions
            ],
        )
        for r in _listed(gov, views, c, Reflection, "reflection")
    ]
    return sorted(items, key=lambda i: i.r.created_on, reverse=True)
