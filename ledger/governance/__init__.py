"""The co-production governance domain: collectives, members, proposals, ballots,
objections, power-sharing agreements, reflections and contributions.

Each aggregate is its own module. Rules are enforced here, with typed errors, so
that the web and the CLI only translate them (cosmicpython's "domain imports only
the standard library and its own events", with eventsourcing as our event model).
"""
