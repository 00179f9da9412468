"""The ledger's refusals, said in the member's language at the web boundary.

``ledger/`` raises its refusals (Invalid, NotAllowed, Conflict, ...) in English and must not
import Flask or Babel. The fixed sentences among them are listed here, marked for the message
catalogue; `said` translates a refusal's message when the catalogue knows it and leaves it as it
is otherwise (a sentence built with values, such as a name or a number, stays in English).
tests/test_languages.py checks that each sentence here is still one the ledger raises.
"""

from __future__ import annotations

from ledger.governance.errors import GovernanceError
from web.messages import N_, _

__all__ = ["LEDGER_REFUSALS", "said"]

LEDGER_REFUSALS = (
    N_("A collective needs at least one stakeholder group."),
    N_("A look back at the group rules must end in a choice: renew, amend or retire."),
    N_("A new set of rules has already taken the place of this one."),
    N_("A newer agreement has taken the place of this one. Sign the one in use now."),
    N_("A payment needs a sum above zero, a money code of 3 letters (like GBP), and the rate table you used."),
    N_("A plan to change the rules of the group must go in the 'governance' list."),
    N_("A role's term cannot end before it starts."),
    N_("Answer at least one question or write a comment, then send it."),
    N_("Choose at least one group to remind."),
    N_("Choose at least one stakeholder group."),
    N_("Choose what to do with it: work it in (integrate), uphold or overrule."),
    N_(
        "Each party has signed, but the group must first vote on a change to its rules. Open a 'governance' proposal that names this one, and let it pass."  # noqa: E501
    ),
    N_("Give the currency as a 3-letter ISO 4217 code, such as GBP or EUR."),
    N_("Members log their own time; a steward or secretary can log it for them."),
    N_("Only a look back at the group rules ends in a choice to renew, amend or retire them."),
    N_("Only a payment, a voucher or a cost you paid can have a money code and a rate table."),
    N_("Only a payment, a voucher or an expense can have an amount of money."),
    N_("Only an accepted payment can be marked as paid."),
    N_("Only people in a group that is a party to this agreement can sign it."),
    N_("Only the one who wrote this proposal can sum it up."),
    N_("Only the person who is thanked can say yes or no to the thanks."),
    N_("Only the person who raised an objection can take it back."),
    N_("Only you can change your own email address."),
    N_("Someone else changed this at the same moment, several times over. Reload the page and try again."),
    N_("That agreement is not a draft of this collective."),
    N_("That does not look like an email address; write it as name@example.org, or leave it empty."),
    N_("That is the same email as before, so we kept it."),
    N_("That person is in the group already."),
    N_("That task is done already."),
    N_("The founder must belong to at least one of the collective's groups."),
    N_("The narrative is empty: write at least one part, then save it."),
    N_("The period starts after it ends; give a 'from' date before the 'to' date."),
    N_("The review date must be in the future."),
    N_(
        "The rule for this decision does not let you overrule an objection. Talk it through with the person who raised it."  # noqa: E501
    ),
    N_("There is no agreement yet. Each party must sign one before the group can make choices."),
    N_("There is no open offer to respond to."),
    N_("There is no such action on this reflection."),
    N_("There is no such collective among yours."),
    N_("There is no such proposal."),
    N_("This changes nothing in the narrative; edit a part, then save it."),
    N_(
        "This is the only steward. First make another member a steward too, so that someone can still ask new people to join."  # noqa: E501
    ),
    N_("This new version is the same as the old one. Change the title or the text."),
    N_("This person's data was erased, so we can not add to it in their name."),
    N_(
        "This reflection is empty: write what worked, what did not, what you noticed about power, or an action, then save it."  # noqa: E501
    ),
    N_("This summary is the same as the one shown now; change the words, then save it."),
    N_("Time given must be between 1 minute and 24 hours for one entry."),
    N_("To work an objection into the plan, first make a new version of the proposal."),
    N_("You gave just these answers on this choice already."),
    N_("You gave just this answer to this version already."),
    N_("You have signed this one already, so there is no need to sign it again."),
    N_("You joined after this decision closed, so there is no feedback to give on it."),
    N_("Your groups are asked or told about this kind of proposal, but they do not vote on it."),
    N_("Your groups are only told about this kind of proposal, so you cannot object to it."),
)


def said(e: GovernanceError) -> str:
    """The refusal's message in the request's language, when the catalogue has it."""
    return _(e.message)
