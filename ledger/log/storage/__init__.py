"""Persistence modules: eventsourcing recorders that also keep the Merkle log.

``ledger.log.storage.sqlite`` and ``ledger.log.storage.postgres`` are eventsourcing
``PERSISTENCE_MODULE`` values. Each writes every event's Merkle leaf, and the tree
nodes it completes, in the same transaction as the event itself.
"""
