"""The web app as gunicorn serves it in bench/load.py, plus one trivial route to measure the server against.

``/bench/ping`` answers a fixed 200 through the same Flask app, the same gunicorn
workers and threads, the same middleware: the load benchmark reports votes per
second as a ratio to it, measured in the same run. It lives here, not in ``web``,
so production never serves it.

    gunicorn -k gthread --threads 8 -w 2 'bench.load_app:create_app()'
"""

from __future__ import annotations

from flask import Flask

from web import create_app as create_web_app


def create_app() -> Flask:
    app = create_web_app()
    app.add_url_rule("/bench/ping", "bench_ping", lambda: ("ok\n", 200, {"Content-Type": "text/plain"}))
    return app
