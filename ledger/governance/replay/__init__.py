"""Replay the log from event payloads alone, and recompute every outcome, without eventsourcing.

An auditor's verifier must be small enough to read: this package imports only the
standard library, ``cryptography``, ``policies`` and the pure parts of ``ledger.log``
and ``ledger.governance`` (``tally``), which an import contract keeps true. It folds
every signed event, by vocabulary topic, into plain state (``fold``), refusing one that
does not apply, and recomputes every recorded outcome over that state with the code
that closed it (``outcomes``). ``outcomes.replay(events).check`` and ``live.start``
have the shapes ``ledger.log.verify.OutcomeChecker`` expects, for the bundle verifier
and for ``copro verify`` alike.
"""
