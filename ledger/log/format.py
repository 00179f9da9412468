"""The ledger format this copro writes and reads, in a module of its own.

Both the data-folder configuration (which refuses a database of another format before
opening it) and the storage (which records the format in a new ledger) need it; kept
here, neither has to import the other for it.
"""

LEDGER_FORMAT = "copro-ledger/3"  # 3: sealed values carry their place (FORMAT.md §6)
