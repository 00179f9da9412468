"""Every governance aggregate, imported so that each registers its events' vocabulary names.

Each aggregate module names its events when it is imported (``ledger/log/vocabulary.py``).
A process that reads the log through eventsourcing must resolve every topic it meets,
whichever aggregates it happens to use itself, so whatever reads that way (the
application, the outcome recompute, the read models) imports this module. The package
``ledger.governance`` itself imports nothing, so that its pure parts (``tally``, the
replay) are importable without eventsourcing.
"""

from ledger.governance import (  # noqa: F401
    agreement,
    ballot,
    collective,
    contribution,
    feedback,
    member,
    narrative,
    objection,
    proposal,
    reflection,
    reminder,
)
