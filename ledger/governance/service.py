"""The governance application: one method per use case (load, check, call, save).

Every method takes the acting member's id and checks, in the domain, that they may
act: the web and CLI authorise too, but nothing relies on them for it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording

import policies
from ledger.application import Ledger
from ledger.config import LedgerConfig
from ledger.governance import text
from ledger.governance.agreement import GOVERNANCE, Agreement, Right
from ledger.governance.ballot import POSITIONS, Ballot, ballot_id
from ledger.governance.collective import Collective, Role
from ledger.governance.contribution import MONETARY, Contribution, Kind
from ledger.governance.errors import Conflict, Invalid, NotAllowed, NotFound
from ledger.governance.member import Member
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal, version_hash
from ledger.governance.reflection import REVIEW_OUTCOMES, SUBJECTS, Reflection
from ledger.governance.retry import command
from ledger.governance.tally import gather, result_record, roster_of
from ledger.keystore import LedgerKeys
from ledger.sealing import ERASED, PersonalDataVault, PersonErased, Sealed, place_of
from ledger.storage.side_store import SideStore


def builtin_policy_text(name: str) -> str:
    """The TOML text of a shipped rule file, to embed in an agreement."""
    if name not in policies.builtin_names():
        raise Invalid(
            f"There is no built-in rule called {name!r}; choose one of {', '.join(policies.builtin_names())}."
        )
    return (resources.files("policies") / "rules" / f"{name}.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def _parsed_policy(policy_text: str, source: str) -> policies.Policy:
    """A rule file parsed once per process: an agreement's rule texts never change once drafted,
    and a ``Policy`` is a frozen value, so every command that needs the rule shares one."""
    return policies.parse_policy(policy_text, source=source)


class Governance(Ledger):
    """Co-production governance over the signed log."""

    name = "Ledger"  # one ledger, one events table, whichever application class opens it

    def __init__(self, config: LedgerConfig, keys: LedgerKeys, *, create: bool) -> None:
        super().__init__(config, keys, create=create)
        self.vault = PersonalDataVault(SideStore(config, "personal-keys"), keys.seal.secret)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Who raised each objection is fixed when it is raised, and a resolved objection
        # stays resolved: both are known for good once read, so a vote reads only the
        # voter's own open objections, not every objection on the proposal.
        self._objectors: dict[UUID, UUID] = {}
        self._resolved: set[UUID] = set()
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
        command ends at its save, so nothing changes it afterwards.
        """
        recordings = super().save(*objs, **kwargs)
        cache = self.repository.cache
        if cache is not None:
            for obj in objs:
                if isinstance(obj, Aggregate):
                    cache.put(obj.id, obj)
        return recordings

    # -- loading -------------------------------------------------------------------------
    #
    # Aggregates come from eventsourcing's cache, fast-forwarded with the events stored
    # since (ledger/config.py), so a command decodes only what is new. ``_get`` hands a
    # command its own deep copy, to change and save: if the save fails, the cached
    # aggregate is untouched and the retried command starts from the store again.
    # ``_read`` hands out the cached aggregate itself, for checking rights and rules
    # only: copying a collective costs time in proportion to its members, and a vote
    # never changes the collective. Nothing read through ``_read`` is ever changed.

    def _get(self, kind: type[Any], aggregate_id: UUID, what: str, *, copy: bool = True) -> Any:
        from eventsourcing.application import AggregateNotFoundError

        try:
            agg: Any = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFound(f"There is no such {what}.") from None
        if not isinstance(agg, kind):
            raise NotFound(f"There is no such {what}.")
        return agg

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
            raise NotAllowed(
                "This person's data has been erased, so copro can no longer record anything in their name."
            ) from None

    def _seal_optional(self, person: UUID, value: str, at: tuple[UUID, int], field: str) -> Sealed | None:
        return self._seal(person, value, at, field) if value else None

    def agreement_in_force(self, collective_id: UUID) -> Agreement | None:
        aid = self.collective(collective_id).agreement_id
        return None if aid is None else self.agreement(aid)

    def _agreement_in_force(self, collective: Collective) -> Agreement | None:
        aid = collective.agreement_id
        return None if aid is None else cast(Agreement, self._read(Agreement, aid, "agreement"))

    # -- collectives and members ---------------------------------------------------------

    @command
    def found_collective(
        self,
        *,
        name: str,
        purpose: str,
        groups: dict[str, str],
        founder_name: str,
        founder_contact: str,
        founder_groups: list[str],
        founder_access_needs: str = "",
    ) -> tuple[UUID, UUID]:
        """Start a collective; the founder is its first steward."""
        name = text.clean(name, "collective's name", limit=text.NAME_MAX)
        purpose = text.clean(purpose, "purpose", limit=text.TEXT_MAX)
        clean_groups = {
            text.clean(k, "group id", limit=40): text.clean(v, "group name", limit=80) for k, v in groups.items()
        }
        founder_id = uuid4()
        collective = Collective(
            name=name,
            purpose=purpose,
            groups=clean_groups,
            founder_id=founder_id,
            founder_groups=collective_groups_check(clean_groups, founder_groups),
        )
        member = self._new_member(founder_id, collective.id, founder_name, founder_contact, founder_access_needs)
        self.save(collective, member)
        return collective.id, founder_id

    def _new_member(self, member_id: UUID, collective_id: UUID, name: str, contact: str, access_needs: str) -> Member:
        name = text.clean(name, "name", limit=text.NAME_MAX)
        contact = text.clean(contact, "contact details", limit=300, required=False)
        access_needs = text.clean(access_needs, "access needs", limit=text.REASON_MAX, required=False)
        member = Member(
            collective_id=collective_id,
            name=self._seal(member_id, name, (member_id, 1), "/name"),
            contact=self._seal(member_id, contact, (member_id, 1), "/contact"),
            access_needs=self._seal(member_id, access_needs, (member_id, 1), "/access_needs"),
            id=member_id,
        )
        return member

    @command
    def admit_member(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        name: str,
        contact: str,
        groups: list[str],
        access_needs: str = "",
    ) -> UUID:
        """A steward admits a new member into stakeholder groups."""
        collective = self._collective_to_change(collective_id, by)
        collective.check_role(by, Role.STEWARD)
        member_id = uuid4()
        member = self._new_member(member_id, collective_id, name, contact, access_needs)
        collective.admit(member_id, groups, by)
        self.save(collective, member)
        return member_id

    @command
    def assign_role(
        self,
        collective_id: UUID,
        member_id: UUID,
        role: str,
        *,
        by: UUID,
        starts: date | None = None,
        ends: date | None = None,
    ) -> None:
        collective = self._collective_to_change(collective_id, by)
        try:
            r = Role(role)
        except ValueError:
            raise Invalid(f"Unknown role {role!r}; choose steward, facilitator, secretary or member.") from None
        collective.assign_role(member_id, r, starts or self.clock().date(), ends, by)
        self.save(collective)

    def leave_collective(self, collective_id: UUID, member_id: UUID, *, by: UUID) -> None:
        """A member leaves (or a steward records it): from then on every page and command is closed to them."""
        collective = self._collective_to_change(collective_id, by)
        collective.leave(member_id, by)
        self.save(collective)

    def member_name(self, member_id: UUID) -> str:
        try:
            return self.reveal(self.member(member_id).name)
        except NotFound:
            return ERASED

    def erase_member(self, member_id: UUID) -> bool:
        """Right to erasure: delete the person's key. Their votes still count; their words are gone."""
        return self.vault.erase(member_id)

    # -- agreements ----------------------------------------------------------------------

    @command
    def draft_agreement(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        parties: list[str],
        matrix: dict[str, tuple[str, dict[str, str]]],
        review_date: date,
        ground_rules: str,
        policy_texts: dict[str, str] | None = None,
    ) -> UUID:
        """A steward drafts the power-sharing agreement (or its next version)."""
        collective = self._collective_for(collective_id, by)
        collective.check_role(by, Role.STEWARD)
        parties = collective.check_groups(parties)
        texts = dict(policy_texts or {})
        hashes: dict[str, str] = {}
        rows: dict[str, dict[str, Any]] = {}
        for category, (policy_name, rights) in sorted(matrix.items()):
            category = text.clean(category, "category", limit=60)
            if policy_name not in texts:
                texts[policy_name] = builtin_policy_text(policy_name)
            try:
                policy = policies.parse_policy(texts[policy_name], source=f"agreement rule {policy_name!r}")
            except policies.PolicyError as e:
                raise Invalid(str(e)) from None
            hashes[policy_name] = policies.policy_hash(policy)
            for group, right in rights.items():
                if group not in collective.groups:
                    raise Invalid(f"Unknown stakeholder group {group!r} in the rights for {category!r}.")
                if right not in {r.value for r in Right}:
                    raise Invalid(f"Unknown right {right!r}; use decide, consent, consult or inform.")
            if not any(r in ("decide", "consent") for r in rights.values()):
                raise Invalid(
                    f"No group can decide {category!r}; give at least one group the right to decide or consent."
                )
            rows[category] = {"policy": policy_name, "rights": dict(sorted(rights.items()))}
        if review_date <= self.clock().date():
            raise Invalid("The review date must be in the future.")
        current = collective.agreement_id
        agreement = Agreement(
            collective_id=collective_id,
            parties=parties,
            matrix=rows,
            policies={n: texts[n] for n in sorted(hashes)},
            policy_hashes=hashes,
            review_date=review_date.isoformat(),
            ground_rules=text.clean(ground_rules, "ground rules", limit=text.TEXT_MAX),
            supersedes=current,
        )
        self.save(agreement)
        return agreement.id

    @command
    def sign_agreement(self, agreement_id: UUID, *, member_id: UUID) -> None:
        """A member signs for their group; the first agreement comes into force once every party has signed.

        A later version also needs an adopted 'governance' proposal naming it: no
        party can change how power is shared alone.
        """
        agreement = self.agreement(agreement_id)
        collective = self._collective_to_change(agreement.collective_id, member_id)
        was_in_force = agreement.in_force
        agreement.sign(member_id, collective.groups_of(member_id))
        to_save: list[Any] = [agreement]
        if agreement.in_force and not was_in_force:
            if agreement.supersedes is not None and not self._change_adopted(collective, agreement.id):
                raise Conflict(
                    "Every party has signed, but changing the agreement is a governed decision: "
                    "open a 'governance' proposal that names this agreement and adopt it first."
                )
            collective.adopt_agreement(agreement.id)
            to_save.append(collective)
            if agreement.supersedes is not None:
                old = self.agreement(agreement.supersedes)
                old.supersede(agreement.id)
                to_save.append(old)
        self.save(*to_save)

    def _change_adopted(self, collective: Collective, agreement_id: UUID) -> bool:
        return agreement_id.hex in collective.adopted_changes

    # -- proposals -----------------------------------------------------------------------

    @command
    def draft_proposal(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        category: str,
        title: str,
        body: str,
        changes_agreement: UUID | None = None,
    ) -> UUID:
        collective = self._collective_for(collective_id, by)
        title = text.clean(title, "title", limit=text.TITLE_MAX)
        body = text.clean(body, "proposal text", limit=text.TEXT_MAX)
        category = text.clean(category, "category", limit=60)
        agreement = self._agreement_in_force(collective)
        if agreement is not None:
            agreement.rule_for(category)
        if changes_agreement is not None:
            if category != GOVERNANCE:
                raise Invalid("A proposal to change the agreement belongs to the 'governance' category.")
            draft = cast(Agreement, self._read(Agreement, changes_agreement, "agreement"))
            if draft.collective_id != collective.id or draft.in_force:
                raise Invalid("That agreement is not a draft of this collective.")
            body += f"\n\nThis proposal adopts agreement {changes_agreement}."
        proposal = Proposal(
            collective_id=collective_id,
            category=category,
            title=title,
            body=body,
            author_id=by,
            content_hash=version_hash(title, body, category, 1),
            changes_agreement=changes_agreement,
        )
        self.save(proposal)
        return proposal.id

    @command
    def revise_proposal(self, proposal_id: UUID, *, by: UUID, title: str, body: str) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        if by.hex != proposal.versions[0].author_id and not collective.has_role(by, Role.FACILITATOR):
            raise NotAllowed("Only the proposal's author or a facilitator can revise it.")
        proposal.check_before_deadline(self.clock())
        proposal.revise(
            text.clean(title, "title", limit=text.TITLE_MAX), text.clean(body, "proposal text", limit=text.TEXT_MAX), by
        )
        self.save(proposal)

    def policy_of(self, agreement: Agreement, name: str) -> policies.Policy:
        return _parsed_policy(agreement.policies[name], f"agreement {agreement.id} rule {name!r}")

    @command
    def open_proposal(self, proposal_id: UUID, *, by: UUID) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        agreement = self._agreement_in_force(collective)
        if agreement is None:
            raise Conflict("There is no agreement in force yet; every party must sign one before decisions are made.")
        policy_name, _ = agreement.rule_for(proposal.category)
        proposal.open(
            by,
            self.clock().isoformat(),
            policy_name,
            agreement.policy_hashes[policy_name],
            agreement.id,
            max_open_hours=self.policy_of(agreement, policy_name).max_open_hours,
        )
        self.save(proposal)

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
            raise Conflict(f"This proposal is {proposal.state.value}: it was never opened, so no rule applies to it.")
        agreement = self._rules.get(proposal.agreement_id)
        if agreement is None:
            agreement = cast(Agreement, self._read(Agreement, proposal.agreement_id, "agreement"))
            self._rules[agreement.id] = agreement
        return collective, agreement, self.policy_of(agreement, proposal.policy_name)

    @command
    def cast_ballot(
        self, proposal_id: UUID, *, member_id: UUID, position: str, reason: str = "", version_hash: str | None = None
    ) -> UUID:
        """Record or change a member's position, bound to the version they are answering.

        ``version_hash`` is the version the member read; if the proposal has been revised
        since, the ballot is refused rather than silently applied to text they never saw.
        """
        proposal = cast(Proposal, self._read(Proposal, proposal_id, "proposal"))
        collective = self._collective_for(proposal.collective_id, member_id)
        now = self.clock()
        proposal.check_accepting_positions(now)
        if version_hash is not None and version_hash != proposal.current.content_hash:
            raise Conflict(
                f"The proposal was revised while you were reading it. Read version {proposal.current.number} "
                "and give your position again."
            )
        collective, agreement, policy = self._voting_context(proposal, collective)
        if position not in POSITIONS:
            raise Invalid(f"Choose one of: {', '.join(POSITIONS)}.")
        if not collective.groups_of(member_id) & agreement.voting_groups(proposal.category):
            raise NotAllowed(
                "Your stakeholder groups are consulted or informed on this category; they do not vote on it."
            )
        reason = text.clean(reason, "reason", limit=text.REASON_MAX, required=False)
        if not reason and policies.Position(position) in policy.reason_required_for:
            raise Invalid(f"Please give a reason: this decision asks for one when you {position}.")
        bid = ballot_id(proposal_id, member_id)
        ballot = self.ballot_of(proposal_id, member_id)
        sealed = self._seal_optional(member_id, reason, (bid, 1 if ballot is None else ballot.version + 1), "/reason")
        if ballot is None:
            ballot = Ballot(
                proposal_id=proposal_id,
                member_id=member_id,
                position=position,
                reason=sealed,
                version_hash=proposal.current.content_hash,
                at=now.isoformat(),
            )
        else:
            ballot.change(position, sealed, proposal.current.content_hash, at=now.isoformat())
        to_save: list[Any] = [ballot]
        if policy.block_effect is policies.BlockEffect.OBJECTION:
            to_save += self._block_as_objection(proposal, member_id, position, reason)
        self.save(*to_save)
        return ballot.id

    def _block_as_objection(self, proposal: Proposal, member_id: UUID, position: str, reason: str) -> list[Any]:
        """Where the rule says a block is a paramount objection, blocking raises one, and
        moving off block withdraws it, so the objection process runs on every block."""
        mine = self._open_objections_of(proposal, member_id)
        if position == "block" and not any(o.paramount for o in mine):
            oid = uuid4()
            objection = Objection(
                id=oid,
                proposal_id=proposal.id,
                member_id=member_id,
                paramount=True,
                reason=self._seal(member_id, reason, (oid, 1), "/reason"),
                version_hash=proposal.current.content_hash,
                from_block=True,
            )
            proposal = self.proposal(proposal.id)  # the vote read the cached proposal; this changes a copy
            proposal.register_objection(oid)
            self._objectors[oid] = member_id
            return [objection, proposal]
        if position != "block":
            open_from_block = [self.objection(o.id) for o in mine if o.from_block]  # copies, to change
            for o in open_from_block:
                o.withdraw(member_id, self._seal(member_id, f"changed their position to {position}", _next(o), "/why"))
            return open_from_block
        return []

    def _open_objections_of(self, proposal: Proposal, member_id: UUID) -> list[Objection]:
        """The member's unresolved objections to the proposal, read only (see ``_objectors``)."""
        found = []
        for oid in proposal.objection_ids:
            if oid in self._resolved or self._objector(oid) != member_id:
                continue
            objection = cast(Objection, self._read(Objection, oid, "objection"))
            if objection.status.unresolved:
                found.append(objection)
            else:
                self._resolved.add(oid)
        return found

    def _objector(self, objection_id: UUID) -> UUID:
        """Who raised an objection. Fixed at raising, so each objection is decoded for it once per process."""
        objector = self._objectors.get(objection_id)
        if objector is None:
            objector = cast(Objection, self._read(Objection, objection_id, "objection")).member_id
            self._objectors[objection_id] = objector
        return objector

    # -- objections ----------------------------------------------------------------------

    @command
    def raise_objection(self, proposal_id: UUID, *, member_id: UUID, reason: str, paramount: bool = True) -> UUID:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, member_id)
        proposal.check_accepting_positions(self.clock())
        _, agreement, _ = self._voting_context(proposal, collective)
        _, rights = agreement.rule_for(proposal.category)
        if not any(rights.get(g) in ("decide", "consent", "consult") for g in collective.groups_of(member_id)):
            raise NotAllowed("Your stakeholder groups are only informed on this category; they cannot object.")
        reason = text.clean(reason, "reason for the objection", limit=text.REASON_MAX)
        oid = uuid4()
        objection = Objection(
            proposal_id=proposal_id,
            member_id=member_id,
            paramount=paramount,
            reason=self._seal(member_id, reason, (oid, 1), "/reason"),
            version_hash=proposal.current.content_hash,
            id=oid,
            from_block=False,
        )
        proposal.register_objection(objection.id)
        self.save(objection, proposal)
        self._objectors[objection.id] = member_id
        return objection.id

    def _objection_context(self, objection_id: UUID, by: UUID) -> tuple[Objection, Proposal, Collective]:
        objection = self.objection(objection_id)
        proposal = cast(Proposal, self._read(Proposal, objection.proposal_id, "proposal"))
        collective = self._collective_for(proposal.collective_id, by)
        return objection, proposal, collective

    @command
    def test_objection(self, objection_id: UUID, *, by: UUID, paramount: bool, why: str) -> None:
        objection, proposal, collective = self._objection_context(objection_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX)
        objection.test(paramount, by, self._seal(by, why, _next(objection), "/why"))
        self.save(objection)

    @command
    def answer_objection(self, objection_id: UUID, *, by: UUID, answer: str) -> None:
        objection, proposal, _ = self._objection_context(objection_id, by)
        proposal.check_accepting_positions(self.clock())
        answer = text.clean(answer, "answer", limit=text.REASON_MAX)
        objection.answer(by, self._seal(by, answer, _next(objection), "/answer"))
        self.save(objection)

    @command
    def withdraw_objection(self, objection_id: UUID, *, by: UUID, why: str = "") -> None:
        objection, proposal, _ = self._objection_context(objection_id, by)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX, required=False)
        objection.withdraw(by, self._seal_optional(by, why, _next(objection), "/why"))
        self.save(objection)

    @command
    def resolve_objection(self, objection_id: UUID, *, by: UUID, how: str, why: str) -> None:
        """The facilitator integrates (after a revision), upholds, or overrules where the policy allows."""
        objection, proposal, collective = self._objection_context(objection_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX)
        if how not in ("integrate", "uphold", "overrule"):
            raise Invalid("Choose integrate, uphold or overrule.")
        if how == "overrule":
            _, _, policy = self._voting_context(proposal, collective)
            if not policy.allow_overrule:
                raise NotAllowed(
                    "This decision's rule does not allow overruling an objection; resolve it with the objector."
                )
            why = f"{why} (process: {policy.overrule_process})"
        sealed = self._seal(by, why, _next(objection), "/why")
        if how == "integrate":
            objection.integrate(by, sealed, proposal.current.content_hash)
        elif how == "uphold":
            objection.uphold(by, sealed)
        else:
            objection.overrule(by, sealed)
        self.save(objection)

    # -- closing ---------------------------------------------------------------------------

    def tally(self, proposal: Proposal) -> tuple[policies.Decision, dict[str, Any]]:
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
            ballot_refs=[[b.id.hex, b.version] for b in ballots],
            objection_refs=[[o.id.hex, o.version] for o in objections],
        )
        return decision, record

    @command
    def close_proposal(self, proposal_id: UUID, *, by: UUID) -> dict[str, Any]:
        """Run the policy over the final ballots and objections and record the outcome."""
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_open()
        _, _, policy = self._voting_context(proposal, collective)
        now = self.clock()
        opened = datetime.fromisoformat(str(proposal.opened_at))
        if now - opened < timedelta(hours=policy.min_open_hours):
            until = (opened + timedelta(hours=policy.min_open_hours)).strftime("%d %B %Y %H:%M UTC")
            h = policy.min_open_hours
            span = f"{h // 24} days" if h % 24 == 0 else f"{h} hours"
            raise Conflict(f"This decision must stay open for at least {span}, until {until}; close it then.")
        _, record = self.tally(proposal)
        # Past the deadline the decision closed then: nothing could change since (every change was refused).
        proposal.close(by, proposal.closing_time(now), record)
        to_save: list[Any] = [proposal]
        if proposal.changes_agreement is not None and record["outcome"] == "adopted":
            collective = self.collective(collective.id)  # the one close that changes the collective: a copy
            collective.record_change_adopted(proposal.changes_agreement, proposal.id)
            to_save.append(collective)
        self.save(*to_save)
        return record

    @command
    def withdraw_proposal(self, proposal_id: UUID, *, by: UUID, reason: str) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        if by.hex != proposal.versions[0].author_id and not collective.has_role(by, Role.FACILITATOR):
            raise NotAllowed("Only the proposal's author or a facilitator can withdraw it.")
        reason = text.clean(reason, "reason", limit=text.REASON_MAX)
        proposal.check_before_deadline(self.clock())
        proposal.check_withdrawable()
        proposal.withdraw(by, self._seal(by, reason, _next(proposal), "/reason"))
        self.save(proposal)

    # -- reflection and recognition ------------------------------------------------------

    @command
    def record_reflection(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        subject: str,
        subject_ref: str,
        worked: str,
        did_not: str,
        power: str,
        actions: list[str],
        review_outcome: str | None = None,
    ) -> UUID:
        """A reflection; one about the agreement is its review, and says renew, amend or retire."""
        self._collective_for(collective_id, by)
        if subject not in SUBJECTS:
            raise Invalid(f"A reflection is about a {', a '.join(SUBJECTS)}.")
        if subject == "agreement" and review_outcome not in REVIEW_OUTCOMES:
            raise Invalid("A review of the agreement ends in a decision: renew, amend or retire.")
        if subject != "agreement" and review_outcome:
            raise Invalid("Only a review of the agreement has an outcome (renew, amend or retire).")
        rid = uuid4()
        texts = {
            name: text.clean(value, label, limit=text.TEXT_MAX, required=False)
            for name, value, label in (
                ("worked", worked, "what worked"),
                ("did_not", did_not, "what did not work"),
                ("power", power, "power dynamics noticed"),
            )
        }
        clean_actions = [text.clean(a, "action", limit=text.REASON_MAX) for a in actions if a and a.strip()]
        if not any(texts.values()) and not clean_actions:
            raise Invalid(
                "This reflection is empty: write what worked, what did not, what you noticed about power, "
                "or an action, then save it."
            )
        subject_ref = text.clean(subject_ref, "subject", limit=200, required=False)
        reflection = Reflection(
            collective_id=collective_id,
            author_id=by,
            subject=subject,
            subject_ref=self._seal_optional(by, subject_ref, (rid, 1), "/subject_ref"),
            actions=[self._seal(by, a, (rid, 1), f"/actions/{i}") for i, a in enumerate(clean_actions)],
            review_outcome=review_outcome or None,
            id=rid,
            **{name: self._seal_optional(by, value, (rid, 1), f"/{name}") for name, value in texts.items()},
        )
        self.save(reflection)
        return reflection.id

    @command
    def complete_action(self, reflection_id: UUID, index: int, *, by: UUID) -> None:
        reflection = cast(Reflection, self._get(Reflection, reflection_id, "reflection"))
        self._collective_for(reflection.collective_id, by)
        reflection.complete_action(index, by)
        self.save(reflection)

    @command
    def log_contribution(
        self, collective_id: UUID, *, by: UUID, member_id: UUID, activity: str, minutes: int, on: date
    ) -> UUID:
        collective = self._collective_for(collective_id, by)
        collective.check_member(member_id)
        if (
            by != member_id
            and not collective.has_role(by, Role.STEWARD)
            and not collective.has_role(by, Role.SECRETARY)
        ):
            raise NotAllowed("Members log their own time; a steward or secretary can log it for them.")
        if not 0 < minutes <= 24 * 60:
            raise Invalid("Time given must be between 1 minute and 24 hours for one entry.")
        activity = text.clean(activity, "activity", limit=text.TITLE_MAX)
        cid = uuid4()
        c = Contribution(
            id=cid,
            collective_id=collective_id,
            member_id=member_id,
            activity=self._seal(member_id, activity, (cid, 1), "/activity"),
            minutes=minutes,
            on=on.isoformat(),
            by=by,
        )
        self.save(c)
        return c.id

    def _contribution(self, contribution_id: UUID) -> Contribution:
        return cast(Contribution, self._get(Contribution, contribution_id, "contribution"))

    @command
    def offer_recognition(
        self,
        contribution_id: UUID,
        *,
        by: UUID,
        kind: str,
        amount_minor: int = 0,
        currency: str = "",
        rate_table: str = "",
    ) -> None:
        c = self._contribution(contribution_id)
        collective = self._collective_for(c.collective_id, by)
        collective.check_role(by, Role.STEWARD)
        try:
            k = Kind(kind)
        except ValueError:
            raise Invalid(f"Unknown recognition {kind!r}; choose {', '.join(x.value for x in Kind)}.") from None
        if k in MONETARY:
            currency = text.currency(currency)
            rate_table = text.clean(rate_table, "rate table version", limit=80)
        elif currency or rate_table:
            raise Invalid("Only payments, vouchers and expenses carry a currency and a rate table.")
        c.offer(k, amount_minor, currency, rate_table, by)
        self.save(c)

    @command
    def respond_to_recognition(self, contribution_id: UUID, *, by: UUID, accept: bool, reason: str = "") -> None:
        c = self._contribution(contribution_id)
        self._collective_for(c.collective_id, by)
        if by != c.member_id:
            raise NotAllowed("Only the person offered recognition can accept or decline it.")
        reason = text.clean(reason, "reason", limit=text.REASON_MAX, required=False)
        c.respond(accept, None if accept else self._seal_optional(by, reason, _next(c), "/reason"))
        self.save(c)

    @command
    def mark_paid(self, contribution_id: UUID, *, by: UUID, reference: str) -> None:
        c = self._contribution(contribution_id)
        collective = self._collective_for(c.collective_id, by)
        collective.check_role(by, Role.STEWARD, Role.SECRETARY)
        reference = text.clean(reference, "payment reference", limit=120)
        c.check_payable()
        c.pay(self._seal(c.member_id, reference, _next(c), "/reference"), by)
        self.save(c)


def collective_groups_check(groups: dict[str, str], chosen: list[str]) -> list[str]:
    unknown = sorted(set(chosen) - set(groups))
    if unknown or not chosen:
        raise Invalid("The founder must belong to at least one of the collective's groups.")
    return sorted(set(chosen))


def _next(aggregate: Any) -> tuple[UUID, int]:
    """The id of the event an aggregate's next change will record: where a value sealed for it belongs."""
    return aggregate.id, aggregate.version + 1
