"""The WSGI entry for gunicorn: ``gunicorn --config gunicorn.conf.py 'copro.wsgi:application()'``.

Here, not in ``web``, because it checks the whole environment first (``copro.settings``,
which knows every variable, the CLI's too) and turns a configuration mistake into one
sentence: gunicorn prints an ``AppImportError``'s message alone and stops, where any
other exception would be a traceback per worker and a respawn loop.
"""

from __future__ import annotations

from flask import Flask

from copro.opening import load_keys
from copro.settings import check_environment
from ledger.log.config import LedgerConfig
from ledger.log.errors import CoproError
from ledger.log.operational import operational_sentence
from web import create_app
from web.request_log import use_json_logs


def preflight() -> None:
    """What gunicorn's master checks before it starts a worker: every setting, and that the keys open.

    A mistake found here is one sentence and exit 2; found in the workers, each of them
    would fail at once and gunicorn, halting on the first, may print a traceback of its own.
    """
    check_environment()
    load_keys(LedgerConfig.from_env())


def application() -> Flask:
    """The app, with JSON logs; a configuration problem becomes gunicorn's one-line "App failed to load"."""
    try:
        check_environment()
        use_json_logs()
        return create_app()
    except Exception as e:
        from gunicorn.errors import AppImportError

        sentence = e.diagnostics() if isinstance(e, CoproError) else operational_sentence(e)
        if sentence is None:
            raise  # a bug in copro: its traceback is what a maintainer needs
        raise AppImportError(f"copro: {sentence}") from None
