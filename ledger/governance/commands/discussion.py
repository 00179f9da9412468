"""A proposal's discussion: members' comments, and the author's "in short" summary."""

from __future__ import annotations

from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication
from ledger.governance.comment import Comment
from ledger.governance.retry import command

SUMMARY_MAX = 600  # a few plain sentences: longer than that is the proposal itself


class DiscussionCommands(GovernanceApplication):
    """Comments on a proposal (members of its collective only) and its author's plain-language summary."""

    @command
    def post_comment(self, proposal_id: UUID, *, by: UUID, words: str) -> UUID:
        """A comment in the proposal's thread, sealed with the author's key (erased with them)."""
        proposal = self.proposal(proposal_id)
        self._collective_for(proposal.collective_id, by)  # a member of this collective, or NotAllowed
        clean = text.clean(words, "comment", limit=text.REASON_MAX, one_line=False)
        cid = uuid4()
        comment = Comment(
            id=cid,
            collective_id=proposal.collective_id,
            proposal_id=proposal.id,
            author_id=by,
            text=self._seal(by, clean, (cid, 1), "/text"),
        )
        self.save(comment)
        return comment.id

    @command
    def summarise_proposal(self, proposal_id: UUID, *, by: UUID, summary: str) -> None:
        """The author's "in short": the collective's document, like the proposal's own text, so not sealed."""
        proposal = self.proposal(proposal_id)
        self._collective_for(proposal.collective_id, by)
        now = self.clock()
        proposal.check_may_summarise(by, now)
        summary = text.clean(summary, "summary", limit=SUMMARY_MAX, one_line=False)
        proposal.summarise(by, summary, now)
        self.save(proposal)
