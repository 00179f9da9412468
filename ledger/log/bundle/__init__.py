"""An auditor's bundle: the whole log as static files (C2SP tlog-tiles), written and read.

``layout`` names the paths, ``export`` writes a bundle from a live ledger, and
``reader`` opens one (a folder or an archive) with nothing but the standard
library and ``cryptography``. docs/FORMAT.md ("Bundles") specifies every byte.
"""
