"""One PostgreSQL advisory lock held while any copro process creates or changes tables.

``CREATE TABLE IF NOT EXISTS`` is not safe to run at once from two sessions on
PostgreSQL: both see no table, both insert its row type into ``pg_type`` and the
second fails with a unique violation. That happens whenever several processes start
on an empty database together (gunicorn's workers, the projection worker, a CLI
command). Every schema step (the log's tables, the views, the side stores) therefore
runs in a transaction that first takes this transaction-scoped lock: the others wait
for it to commit and then find the tables made. SQLite needs none: its writers are
serialised by the database file's own lock.
"""

from __future__ import annotations

# An arbitrary 64-bit key, the same in every copro process ("copro" in ASCII, then "schema").
SCHEMA_LOCK_KEY = 0x636F70726F_5343
TAKE_SCHEMA_LOCK = f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK_KEY})"
