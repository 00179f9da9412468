"""The governance application: every command area and the queries, over the signed log.

Every command takes the acting member's id and checks, in the domain, that they may
act: the web and CLI authorise too, but nothing relies on them for it.
"""

from __future__ import annotations

from ledger.governance.application import GovernanceApplication, builtin_policy_text
from ledger.governance.commands.agreements import AgreementCommands
from ledger.governance.commands.contributions import ContributionCommands
from ledger.governance.commands.discussion import DiscussionCommands
from ledger.governance.commands.involvement import InvolvementCommands
from ledger.governance.commands.membership import MembershipCommands
from ledger.governance.commands.objections import ObjectionCommands
from ledger.governance.commands.proposals import ProposalCommands
from ledger.governance.commands.reflections import ReflectionCommands
from ledger.governance.commands.reminders import ReminderCommands
from ledger.governance.commands.voting import VotingCommands
from ledger.governance.queries import Queries

__all__ = ["Governance", "GovernanceApplication", "builtin_policy_text"]


class Governance(
    MembershipCommands,
    AgreementCommands,
    ProposalCommands,
    VotingCommands,
    ObjectionCommands,
    DiscussionCommands,
    ReflectionCommands,
    ContributionCommands,
    InvolvementCommands,
    ReminderCommands,
    Queries,
):
    """Co-production governance over the signed log."""

    name = "Ledger"  # one ledger, one events table, whichever application class opens it
