"""The log's event and record names (``Ballot.Cast``, ``Proposal``) said in plain words, in the member's language.

The vocabulary names are the log's own (docs/FORMAT.md): an auditor filters and exports by them,
so they stay in the address and the downloads, and the pages show them only under "Technical
details". What a member reads in the audit trail is the sentence here, through the catalogue.
tests/test_languages.py checks that every name of the vocabulary has one.
"""

from __future__ import annotations

from web.messages import N_, _

__all__ = ["EVENTS", "RECORDS", "RECORD_LABELS", "event_words", "record_words"]

EVENTS = {
    "Agreement.CameIntoForce": N_("The agreement came into force"),
    "Agreement.Drafted": N_("An agreement was drafted"),
    "Agreement.Signed": N_("The agreement was signed"),
    "Agreement.Superseded": N_("A newer agreement took its place"),
    "Ballot.Cast": N_("A position was given"),
    "Ballot.Changed": N_("A position was changed"),
    "Comment.Posted": N_("A comment was posted"),
    "Collective.AgreementChangeAdopted": N_("The group adopted a change to its agreement"),
    "Collective.AgreementInForce": N_("The group's agreement came into force"),
    "Collective.Founded": N_("The group was founded"),
    "Collective.MemberAdmitted": N_("A member joined"),
    "Collective.MemberGroupsChanged": N_("A member's groups changed"),
    "Collective.MemberLeft": N_("A member left"),
    "Collective.RoleAssigned": N_("A role was given"),
    "Contribution.Logged": N_("A contribution was logged"),
    "Contribution.Paid": N_("A payment was made"),
    "Contribution.RecognitionAccepted": N_("Thanks were accepted"),
    "Contribution.RecognitionDeclined": N_("Thanks were declined"),
    "Contribution.RecognitionOffered": N_("Thanks were offered"),
    "Feedback.Changed": N_("Feedback was changed"),
    "Feedback.Given": N_("Feedback was given"),
    "Keyring.KeyRotated": N_("A signing key was replaced"),
    "Keyring.Started": N_("The signing keys were set up"),
    "Member.DetailsChanged": N_("A member's details changed"),
    "Member.EmailChanged": N_("A member's email address changed"),
    "Member.Registered": N_("A member was registered"),
    "Narrative.Revised": N_("The narrative was revised"),
    "Narrative.Written": N_("The narrative was written"),
    "Objection.Answered": N_("An objection was answered"),
    "Objection.Raised": N_("An objection was raised"),
    "Objection.Resolved": N_("An objection was resolved"),
    "Objection.Tested": N_("An objection was tested"),
    "Proposal.Closed": N_("The proposal closed"),
    "Proposal.Drafted": N_("A proposal was drafted"),
    "Proposal.ObjectionRegistered": N_("An objection was added to the proposal"),
    "Proposal.Opened": N_("The proposal opened for responses"),
    "Proposal.Revised": N_("The proposal was revised"),
    "Proposal.Summarised": N_("The proposal was summed up"),
    "Proposal.Withdrawn": N_("The proposal was withdrawn"),
    "Reflection.ActionCompleted": N_("An action was done"),
    "Reflection.Recorded": N_("A reflection was recorded"),
    "Reminder.Sent": N_("A reminder was sent"),
}

RECORDS = {
    "Agreement": N_("Agreement"),
    "Ballot": N_("Position"),
    "Collective": N_("Group"),
    "Comment": N_("Comment"),
    "Contribution": N_("Contribution"),
    "Feedback": N_("Feedback"),
    "Keyring": N_("Signing keys"),
    "Member": N_("Member"),
    "Narrative": N_("Narrative"),
    "Objection": N_("Objection"),
    "Proposal": N_("Proposal"),
    "Reflection": N_("Reflection"),
    "Reminder": N_("Reminder"),
}


def record_words(kind: str) -> str:
    """The kind of record (``Proposal``) in the member's language; an unknown one as it is."""
    return _(RECORDS[kind]) if kind in RECORDS else kind


def event_words(kind: str) -> str:
    """What an event (``Ballot.Cast``) did, in plain words; a record name, or one we do not know, falls back."""
    if kind in EVENTS:
        return _(EVENTS[kind])
    return record_words(kind)


# The labels of a record's state as ledger.governance.history.describe lists them (the audit page's
# "The record now"), translated where the page shows them; the values stay as recorded.
RECORD_LABELS = (
    N_("Access needs"),
    N_("Agreement"),
    N_("Agreement in force"),
    N_("As of"),
    N_("Category"),
    N_("Collective"),
    N_("Contact"),
    N_("Decision categories"),
    N_("Ground rules"),
    N_("Member"),
    N_("Members"),
    N_("Members who had left"),
    N_("Objections raised"),
    N_("Opened"),
    N_("Outcome"),
    N_("Parties"),
    N_("Proposal"),
    N_("Purpose"),
    N_("Reason for withdrawing"),
    N_("Review date"),
    N_("Rules"),
    N_("Signatures"),
    N_("Stakeholder groups"),
    N_("State"),
    N_("Text"),
    N_("Text version"),
    N_("Version"),
)
