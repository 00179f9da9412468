"""The signed log: records, signing, canonical JSON, the Merkle tree and its tiles,
checkpoints, keys, storage per engine, and verification.

It knows nothing of governance: what the events mean, and how an outcome is recomputed,
plug in from ``ledger.governance``. An auditor's checks of the log itself live here.
"""
