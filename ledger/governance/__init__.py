"""The co-production governance domain: collectives, members, proposals, ballots,
objections, power-sharing agreements, reflections and contributions.

Each aggregate is its own module. Rules are enforced here, with typed errors, so
that the web and the CLI only translate them (cosmicpython's "domain imports only
the standard library and its own events", with eventsourcing as our event model).
"""

# Every aggregate registers its events' vocabulary names when its module is imported
# (ledger/log/vocabulary.py). Importing them all here means that any process reading the log
# through governance can resolve every topic, whichever aggregates it happens to use.
from ledger.governance import (  # noqa: F401
    agreement,
    ballot,
    collective,
    contribution,
    member,
    objection,
    proposal,
    reflection,
)
