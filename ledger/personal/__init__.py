"""Personal data and its erasure: each person's sealing key, and the side stores kept
beside the log (person keys, sign-in accounts).

The log holds only sealed values (``ledger.log.sealed``); the keys that open them live
here, so erasing a person deletes their key and leaves every signature intact.
"""
