"""A contribution: time and activity given, and the recognition offered for it.

Payment is in minor currency units (pence, cents), with the version of the rate
table used, because honorarium rates change over time and funders ask what people
actually received. Recognition can be declined (for example because a payment
would affect someone's benefits); declining is recorded, never assumed.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, key_word, say
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named


class Kind(StrEnum):
    PAYMENT = "payment"
    VOUCHER = "voucher"
    EXPENSES = "expenses"
    CREDIT = "credit"  # credit or co-authorship
    TRAINING = "training"

    @classmethod
    def parse(cls, kind: str) -> Kind:
        """The recognition a steward named, or one sentence listing the kinds there are."""
        try:
            return cls(kind)
        except ValueError:
            raise Invalid(
                say(
                    N_("There is no kind of thanks called %(kind)s. Choose %(choices)s."),
                    kind=repr(kind),
                    choices=", ".join(x.value for x in cls),
                )
            ) from None


class RecognitionState(StrEnum):
    NONE = "none"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PAID = "paid"


MONETARY = (Kind.PAYMENT, Kind.VOUCHER, Kind.EXPENSES)


MAX_MINUTES = 24 * 60  # one entry is one day's time at most


@named("Contribution")
class Contribution(Aggregate):
    @classmethod
    def log(
        cls, *, id: UUID, collective_id: UUID, member_id: UUID, activity: Sealed, minutes: int, on: str, by: UUID
    ) -> Contribution:
        """Log time given, refusing an entry no one could give in one go."""
        cls.check_minutes(minutes)
        return cls(
            id=id, collective_id=collective_id, member_id=member_id, activity=activity, minutes=minutes, on=on, by=by
        )

    @staticmethod
    def check_minutes(minutes: int) -> None:
        if not 0 < minutes <= MAX_MINUTES:
            raise Invalid("Time given must be between 1 minute and 24 hours for one entry.")

    @event("Logged")
    def __init__(
        self, id: UUID, collective_id: UUID, member_id: UUID, activity: Sealed, minutes: int, on: str, by: UUID
    ) -> None:
        self.collective_id = collective_id
        self.member_id = member_id
        self.activity = activity
        self.minutes = minutes
        self.on = on
        self.recognition = RecognitionState.NONE
        self.kind: str | None = None
        self.amount_minor = 0
        self.currency = ""
        self.rate_table = ""
        self.declined_reason: Sealed | None = None
        self.payment_reference: Sealed | None = None

    def offer(self, kind: Kind, amount_minor: int, currency: str, rate_table: str, by: UUID) -> None:
        if kind not in MONETARY and (currency or rate_table):
            raise Invalid("Only a payment, a voucher or a cost you paid can have a money code and a rate table.")
        if self.recognition is not RecognitionState.NONE:
            raise Conflict(
                say(N_("This thank-you has already been %(recognition)s."), recognition=key_word(self.recognition))
            )
        if kind in MONETARY and (amount_minor <= 0 or len(currency) != 3 or not rate_table):
            raise Invalid(
                "A payment needs a sum above zero, a money code of 3 letters (like GBP), and the rate table you used."
            )
        if kind not in MONETARY and amount_minor:
            raise Invalid("Only a payment, a voucher or an expense can have an amount of money.")
        self._offered(
            kind=kind.value, amount_minor=amount_minor, currency=currency.upper(), rate_table=rate_table, by=by
        )

    @event("RecognitionOffered")
    def _offered(self, kind: str, amount_minor: int, currency: str, rate_table: str, by: UUID) -> None:
        self.recognition = RecognitionState.OFFERED
        self.kind = kind
        self.amount_minor = amount_minor
        self.currency = currency
        self.rate_table = rate_table

    def check_respondent(self, by: UUID) -> None:
        """Recognition is the person's own to take or turn down (a payment may affect their benefits)."""
        if by != self.member_id:
            raise NotAllowed("Only the person who is thanked can say yes or no to the thanks.")

    def respond(self, by: UUID, accept: bool, reason: Sealed | None) -> None:
        self.check_respondent(by)
        if self.recognition is not RecognitionState.OFFERED:
            raise Conflict("There is no open offer to respond to.")
        if accept:
            self._accepted()
        else:
            self._declined(reason=reason)

    @event("RecognitionAccepted")
    def _accepted(self) -> None:
        self.recognition = RecognitionState.ACCEPTED

    @event("RecognitionDeclined")
    def _declined(self, reason: Sealed | None) -> None:
        self.recognition = RecognitionState.DECLINED
        self.declined_reason = reason

    def check_payable(self) -> None:
        if self.recognition is not RecognitionState.ACCEPTED or self.kind not in {k.value for k in MONETARY}:
            raise Conflict("Only an accepted payment can be marked as paid.")

    def pay(self, reference: Sealed, by: UUID) -> None:
        self.check_payable()
        self._paid(reference=reference, by=by)

    @event("Paid")
    def _paid(self, reference: Sealed, by: UUID) -> None:
        self.recognition = RecognitionState.PAID
        self.payment_reference = reference
