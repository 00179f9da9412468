"""The ledger's refusals, said in the member's language at the web boundary.

``ledger/`` raises its refusals (Invalid, NotAllowed, Conflict, ...) in English and must not
import Flask or Babel. The fixed sentences among them are listed here, marked for the message
catalogue. A refusal with values (a name, a state, a number) is raised with a `Said`: its template
(English source text with ``%(name)s`` placeholders) is listed in `LEDGER_TEMPLATES`, and `said`
translates the template, then fills the values in; a value that is itself a `Said` (a recorded key
such as ``open``, see ``ledger.governance.errors.key_word``) is translated too.
tests/test_languages.py checks that each sentence and template here is still one the ledger raises,
that every one the ledger raises is here, and that the ledger raises no sentence built another way.
"""

from __future__ import annotations

from flask_babel import get_translations

from ledger.governance.errors import GovernanceError
from policies.said import render
from web.messages import N_, _

__all__ = ["LEDGER_REFUSALS", "LEDGER_TEMPLATES", "LEDGER_WORDS", "said"]

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


LEDGER_TEMPLATES = (
    N_("%(aggregate_id)s is a %(found)s, not a %(kind)s."),
    N_("%(code)s is not a currency code; use a 3-letter ISO 4217 code such as GBP or EUR."),
    N_("%(kind)s is not a kind of record or event; choose one of %(choices)s."),
    N_("%(kind)s is not something copro can show; choose one of %(choices)s."),
    N_("%(one)s or %(other)s"),
    N_("%(written)s has no time zone; add Z for UTC or an offset such as +01:00 (for example %(given)sZ)."),
    N_("%(written)s is not a date or time; give one in ISO 8601, such as 2026-11-02 or 2026-11-02T10:00:00Z."),
    N_("%(written)s is outside the years 1 to 9999 in UTC; give a time within them."),
    N_("A reflection is about a %(choices)s."),
    N_("Answer each question with one of: %(choices)s, or leave it out."),
    N_("Choose one of: %(choices)s."),
    N_("No group can decide %(category)s; give at least one group the right to decide or consent."),
    N_("Only a %(names)s can do this."),
    N_("Only a draft can be opened; this proposal is %(state)s."),
    N_("Only the one who wrote it, or the one who runs the process, can %(action)s it."),
    N_("Please give a reason: this decision asks for one when you %(position)s."),
    N_("The %(field)s has a hidden mark in it (U+%(ch)s). Type it in by hand, not by copy and paste."),
    N_("The %(field)s has hidden marks in it. Take them out and try again."),
    N_("The %(field)s is %(length)s characters long; the limit is %(limit)s."),
    N_("The %(field)s is empty; please write something."),
    N_("The %(field)s must be on one line; remove the line breaks."),
    N_("The %(field)s must be text."),
    N_("The %(kind)s %(aggregate_id)s did not exist yet on %(moment)s%(began)s."),
    N_("The agreement has no rule for the category %(category)s; choose one of %(choices)s."),
    N_("The group %(unknown)s does not respond to this proposal; choose from %(choices)s."),
    N_("The proposal was revised while you were reading it. Read version %(number)s and give your position again."),
    N_(
        "The time for responses ended on %(closes_at)s. Now no one can respond to it or change it. A facilitator will record how it ends."  # noqa: E501
    ),
    N_("There is no %(kind)s with the id %(aggregate_id)s in this ledger."),
    N_("There is no built-in rule called %(name)s; choose one of %(choices)s."),
    N_("There is no kind of thanks called %(kind)s. Choose %(choices)s."),
    N_("There is no question called %(unknown)s."),
    N_("There is no right called %(right)s. Use decide, consent, consult or inform."),
    N_("There is no such %(what)s."),
    N_("This decision is %(state)s; you can say how it went for you once it has closed."),
    N_("This decision must stay open for at least %(span)s, until %(until)s; close it then."),
    N_("This member is the %(other)s now. One person should not hold both of these two roles."),
    N_("This objection is %(status)s now, so there is no need to do that."),
    N_("This proposal is %(state)s now, so its summary can not change."),
    N_("This proposal is %(state)s, so there is no one to remind."),
    N_("This proposal is %(state)s, so you can no longer change it."),
    N_("This proposal is %(state)s, so you can no longer take it back."),
    N_("This proposal is %(state)s, so you can not respond to it now."),
    N_("This proposal is %(state)s: it was never opened, so no rule applies to it."),
    N_("This thank-you has already been %(recognition)s."),
    N_("Unknown stakeholder group %(group)s in the rights for %(category)s."),
    N_("Unknown stakeholder group %(unknown)s; choose from %(choices)s."),
    N_("We do not know the role %(role)s. Use one of the four we have: steward, member, facilitator or secretary."),
)

# The words the ledger puts into those templates: the names of the fields it checks (text.clean), the
# kinds of thing it looks up, and the actions it refuses. A recorded key (``open``, ``steward``) is
# translated by its table in web/words.py; these are the rest.
LEDGER_WORDS = (
    N_("access needs"),
    N_("action"),
    N_("activity"),
    N_("agreement"),
    N_("aim of involvement"),
    N_("answer"),
    N_("category"),
    N_("collective"),
    N_("collective's name"),
    N_("comment"),
    N_("contact details"),
    N_("contribution"),
    N_("critical reflection"),
    N_("currency"),
    N_("email address"),
    N_("equality, diversity and inclusion part"),
    N_("explanation"),
    N_("feedback"),
    N_("ground rules"),
    N_("group id"),
    N_("group name"),
    N_("influence of involvement"),
    N_("member"),
    N_("methods"),
    N_("name"),
    N_("narrative"),
    N_("objection"),
    N_("payment reference"),
    N_("power dynamics noticed"),
    N_("proposal"),
    N_("proposal text"),
    N_("purpose"),
    N_("rate table version"),
    N_("reason"),
    N_("reason for the objection"),
    N_("reflection"),
    N_("results"),
    N_("revise"),
    N_("subject"),
    N_("summary"),
    N_("title"),
    N_("what did not work"),
    N_("what worked"),
    N_("withdraw"),
)


def said(e: GovernanceError) -> str:
    """The refusal's message in the request's language, when the catalogue has it."""
    if e.said is None:
        return _(e.message)
    catalogue = get_translations()
    return render(e.said, lambda t: str(catalogue.ugettext(t)), lambda a, b, n: str(catalogue.ungettext(a, b, n)))
