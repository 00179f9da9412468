"""The composition root: the ``copro`` command line, the demo collective and ``serve``.

The only package that imports both the ledger and the web front end; neither of them
imports it (the import contracts in pyproject.toml, run by ``make test``, say so).
"""
