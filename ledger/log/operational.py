"""Errors of the machine, the database or the network, as one sentence for an operator.

Kept out of ``ledger.log.errors`` because it must know the drivers (sqlite3, psycopg,
eventsourcing's persistence errors), and the verifier core, which raises the errors
there, must not import them.
"""

from __future__ import annotations


def operational_sentence(error: BaseException) -> str | None:
    """One sentence for an error of the machine or the network rather than of copro, else None.

    The CLI's boundary (``copro.cli.main``) shows these with exit 2: they are for an
    operator to fix (a folder, a port, a server), never a sign the history is wrong.
    """
    import sqlite3

    from eventsourcing.persistence import IntegrityError as ConcurrentWrite
    from eventsourcing.persistence import PersistenceError

    cause: BaseException = error
    if isinstance(error, PersistenceError) and error.__cause__ is not None:
        cause = error.__cause__  # eventsourcing wraps the driver's error; the driver's says more
    if isinstance(error, ConcurrentWrite):
        return "Another copro process changed the same record at the same moment; run the command again."
    if isinstance(cause, sqlite3.OperationalError) and ("locked" in str(cause) or "busy" in str(cause)):
        return "The SQLite database is busy: another copro process is writing it; try again in a moment."
    if isinstance(cause, sqlite3.DatabaseError):
        return (
            f"An SQLite database in the data folder cannot be used ({cause}); check the folder's free space "
            "and permissions, and if a file is damaged, restore it from your backup."
        )
    if _is_postgres_error(cause):
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        return f"The PostgreSQL database failed ({first}); check that the server is running and reachable."
    if isinstance(cause, OSError):
        where = f" ({cause.filename})" if cause.filename else ""
        return f"{cause.strerror or cause}{where}; check the path, its permissions and the free space."
    if isinstance(cause, PersistenceError):
        return f"The database failed ({cause}); check that it is reachable and has free space."
    return None


def _is_postgres_error(error: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a runtime dependency
        return False
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)
