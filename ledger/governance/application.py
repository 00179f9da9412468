"""The governance application's shared core: loading aggregates, sealing personal values, the rule in force.

Commands live in ``ledger.governance.commands`` (one module per area), queries in
``ledger.governance.queries``; ``ledger.governance.service.Governance`` puts them together.
"""

from __future__ import annotations

import copy as copying
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

import ledger.governance.aggregates  # noqa: F401  (every topic resolves, whichever aggregates are used)
import policies
from ledger.governance.agreement import Agreement
from ledger.governance.ballot import Ballot, ballot_id
from ledger.governance.collective import Collective
from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, NotFound, key_word, say
from ledger.governance.member import Member
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal
from ledger.governance.tally import ClosingResult, gather, result_record, roster_of
from ledger.governance.watermark import LogWatermark
from ledger.log.application import Ledger
from ledger.log.config import AGGREGATE_CACHE_SIZE, LedgerConfig
from ledger.log.keystore import LedgerKeys
from ledger.log.sealed import Sealed, place_of
from ledger.personal.side_store import SideStore
from ledger.personal.vault import PersonalDataVault, PersonErased


def builtin_policy_text(name: str) -> str:
    """The TOML text of a shipped rule file, to embed in an agreement."""
    if name not in policies.builtin_names():
        raise Invalid(
            say(
                N_("There is no built-in rule called %(name)s; choose one of %(choices)s."),
                name=repr(name),
                choices=", ".join(policies.builtin_names()),
            )
        )
    return (resources.files("policies") / "rules" / f"{name}.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def _parsed_policy(policy_text: str, source: str) -> policies.Policy:
    """A rule file parsed once per process: an agreement's rule texts never change once drafted,
    and a ``Policy`` is a frozen value, so every command that needs the rule shares one."""
    return policies.parse_policy(policy_text, source=source)


# The application whose command is running in this thread with its reads as of one catch-up
# (``GovernanceApplication.reads_as_of_now``); None outside such a command.
_READING_AS_OF_NOW: ContextVar[object | None] = ContextVar("copro_reading_as_of_now", default=None)


class GovernanceApplication(Ledger):
    """What every governance command and query shares: loading, sealing, the rule in force."""

    name = "Ledger"  # one ledger, one events table, whichever application class opens it

    def __init__(self, config: LedgerConfig, keys: LedgerKeys, *, create: bool, tables: bool | None = None) -> None:
        # Set before the library's __init__, which saves the keyring of a new ledger.
        self.watermark = LogWatermark(limit=AGGREGATE_CACHE_SIZE)
        super().__init__(config, keys, create=create, tables=tables)
        self.vault = PersonalDataVault(SideStore(config, "personal-keys"), keys.seal.secret)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Who raised each objection is fixed when it is raised, and a resolved objection
        # stays resolved: both are known for good once read, so a vote reads only the
        # voter's own open objections, not every objection on the proposal.
        self._objectors: dict[UUID, UUID] = {}
        self._resolved: set[UUID] = set()
        # Ballots whose save was refused (a copy was stale, or one was cast elsewhere):
        # the next attempt reads them from the store (``VotingCommands._own_ballot``).
        self._ballots_to_read: set[UUID] = set()
        # An agreement's rules (its matrix and rule texts) are fixed when it is drafted.
        self._rules: dict[UUID, Agreement] = {}

    def close(self) -> None:
        self.vault.close()
        super().close()

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Save, then keep each saved aggregate as the cached one.

        With fast-forward on, eventsourcing leaves the cache as it was and reads a
        saved event back (decoding and checking the signature it just made) the next
        time the aggregate is used. The saved aggregate is exactly what the store now
        holds at its version, made in this process from events read and checked here,
        so it is cached instead. It is the command's own copy (``_get``), and every
        command ends at its save, so nothing changes it afterwards. The watermark
        learns what was stored (``LogWatermark.saved``).
        """
        recordings = super().save(*objs, **kwargs)
        cache = self.repository.cache
        if cache is not None:
            for obj in objs:
                if isinstance(obj, Aggregate):
                    cache.put(obj.id, obj)
        self.watermark.saved(recordings)
        return recordings

    @contextmanager
    def reads_as_of_now(self) -> Iterator[None]:
        """Within: the command's reads are as of one look at the log, taken now (``ledger.governance.watermark``).

        One query learns what was stored since this process last looked, by anyone;
        each aggregate read after it is the cached one if nothing was stored for it
        since, or else read again through the library (fast-forwarded and checked).
        So the rights a command checks are as current as a fast-forward of each read
        would make them, for one round trip instead of one per aggregate. A command
        retried after a lost race (``retry.command``) enters again and looks again.
        """
        self.watermark.catch_up(self.recorder)
        token = _READING_AS_OF_NOW.set(self)
        try:
            yield
        finally:
            _READING_AS_OF_NOW.reset(token)

    def _get(self, kind: type[Any], aggregate_id: UUID, what: str, *, copy: bool = True) -> Any:
        if _READING_AS_OF_NOW.get() is self:
            return self._get_as_of_watermark(kind, aggregate_id, what, copy=copy)
        return self._get_from_library(kind, aggregate_id, what, copy=copy)

    def _get_from_library(self, kind: type[Any], aggregate_id: UUID, what: str, *, copy: bool) -> Any:
        """The library's ``repository.get``: from the cache, fast-forwarded with a query, or replayed."""
        from eventsourcing.application import AggregateNotFoundError

        try:
            agg: Any = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFound(say(N_("There is no such %(what)s."), what=key_word(what))) from None
        if not isinstance(agg, kind):
            raise NotFound(say(N_("There is no such %(what)s."), what=key_word(what)))
        return agg

    def _get_as_of_watermark(self, kind: type[Any], aggregate_id: UUID, what: str, *, copy: bool) -> Any:
        """The cached aggregate if the store holds nothing newer as of the watermark; else read through the library."""
        latest = self.watermark.latest(aggregate_id)
        cache = self.repository.cache
        if latest is not None and cache is not None:
            try:
                cached: Any = cache.get(aggregate_id)
            except KeyError:
                cached = None
            if cached is not None and cached.version >= latest:
                if not isinstance(cached, kind):
                    raise NotFound(say(N_("There is no such %(what)s."), what=key_word(what)))
                return copying.deepcopy(cached) if copy else cached
        with self.watermark.reading():
            agg = self._get_from_library(kind, aggregate_id, what, copy=False)
            self.watermark.track(aggregate_id, agg.version)
        return copying.deepcopy(agg) if copy else agg

    def _read(self, kind: type[Any], aggregate_id: UUID, what: str) -> Any:
        """The cached aggregate, brought up to date, to read and never to change (see above)."""
        return self._get(kind, aggregate_id, what, copy=False)

    def collective(self, collective_id: UUID) -> Collective:
        return cast(Collective, self._get(Collective, collective_id, "collective"))

    def member(self, member_id: UUID) -> Member:
        return cast(Member, self._get(Member, member_id, "member"))

    def proposal(self, proposal_id: UUID) -> Proposal:
        return cast(Proposal, self._get(Proposal, proposal_id, "proposal"))

    def objection(self, objection_id: UUID) -> Objection:
        return cast(Objection, self._get(Objection, objection_id, "objection"))

    def agreement(self, agreement_id: UUID) -> Agreement:
        return cast(Agreement, self._get(Agreement, agreement_id, "agreement"))

    def ballot_of(self, proposal_id: UUID, member_id: UUID) -> Ballot | None:
        from eventsourcing.application import AggregateNotFoundError

        try:
            return cast(Ballot, self.repository.get(ballot_id(proposal_id, member_id)))
        except AggregateNotFoundError:
            return None

    def _ballot_read(self, proposal_id: UUID, member_id: UUID) -> Ballot | None:
        try:
            return cast(Ballot, self._read(Ballot, ballot_id(proposal_id, member_id), "ballot"))
        except NotFound:
            return None

    def _collective_for(self, collective_id: UUID, actor: UUID) -> Collective:
        """The collective, to check ``actor``'s rights against: read only (:meth:`_read`)."""
        c = cast(Collective, self._read(Collective, collective_id, "collective"))
        c.check_member(actor)
        return c

    def _collective_to_change(self, collective_id: UUID, actor: UUID) -> Collective:
        """The collective as a command's own copy, for the few commands that change it."""
        c = self.collective(collective_id)
        c.check_member(actor)
        return c

    def reveal(self, sealed: Sealed | None) -> str:
        """The clear text of a sealed value, ``ERASED`` once its person is erased, "" for none."""
        return "" if sealed is None else self.vault.open(sealed)

    def _seal(self, person: UUID, value: str, at: tuple[UUID, int], field: str) -> Sealed:
        """Seal ``value`` with ``person``'s key for the event ``at`` = (aggregate id, version), field ``field``."""
        try:
            return self.vault.seal(person, value, place=place_of(at[0], at[1], field))
        except PersonErased:
            raise NotAllowed("This person's data was erased, so we can not add to it in their name.") from None

    def _seal_optional(self, person: UUID, value: str, at: tuple[UUID, int], field: str) -> Sealed | None:
        return self._seal(person, value, at, field) if value else None

    def _agreement_in_force(self, collective: Collective) -> Agreement | None:
        aid = collective.agreement_id
        return None if aid is None else cast(Agreement, self._read(Agreement, aid, "agreement"))

    def policy_of(self, agreement: Agreement, name: str) -> policies.Policy:
        return _parsed_policy(agreement.policies[name], f"agreement {agreement.id} rule {name!r}")

    def _voting_context(
        self, proposal: Proposal, collective: Collective | None = None
    ) -> tuple[Collective, Agreement, policies.Policy]:
        """The collective, the agreement the proposal opened under, and its rule: all read only.

        The agreement is used for its rules alone, which never change once drafted, so
        it is read once per process; signatures and supersession, which do change, are
        never read from it here.
        """
        if collective is None:
            collective = cast(Collective, self._read(Collective, proposal.collective_id, "collective"))
        if proposal.agreement_id is None:
            raise Conflict(
                say(
                    N_("This proposal is %(state)s: it was never opened, so no rule applies to it."),
                    state=key_word(proposal.state),
                )
            )
        agreement = self._rules.get(proposal.agreement_id)
        if agreement is None:
            agreement = cast(Agreement, self._read(Agreement, proposal.agreement_id, "agreement"))
            self._rules[agreement.id] = agreement
        return collective, agreement, self.policy_of(agreement, proposal.policy_name)

    def tally(self, proposal: Proposal) -> tuple[policies.Decision, ClosingResult]:
        """The decision the policy gives now, and the record a Closed event would carry."""
        collective, agreement, policy = self._voting_context(proposal)
        roster = roster_of(collective.active_members(), agreement.voting_groups(proposal.category))
        # Read only: counting never changes a ballot or an objection, so none is copied.
        ballots = [b for m in roster if (b := self._ballot_read(proposal.id, UUID(m.member_id))) is not None]
        objections = [cast(Objection, self._read(Objection, o, "objection")) for o in proposal.objection_ids]
        inputs = gather(roster, ballots, objections, proposal.current.content_hash)
        decision = policies.decide(policy, inputs.roster, inputs.ballots, inputs.objections)
        record = result_record(
            decision,
            inputs,
            policy_name=proposal.policy_name,
            policy_hash=proposal.policy_hash,
            version_hash=proposal.current.content_hash,
            ballot_refs=[(b.id.hex, b.version) for b in ballots],
            objection_refs=[(o.id.hex, o.version) for o in objections],
        )
        return decision, record


def next_event(aggregate: Any) -> tuple[UUID, int]:
    """The id of the event an aggregate's next change will record: where a value sealed for it belongs."""
    return aggregate.id, aggregate.version + 1
