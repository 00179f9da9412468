"""``copro serve`` over real HTTP: what its Server header and its access log give away.

The server runs as a separate process on a free loopback port, as an operator starts it;
the test speaks HTTP to it and reads the log it wrote.
"""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ledger.log.config import LedgerConfig
from web.serving import redact

TOKEN = "eyJtIjoiMTIzIiwibiI6InNlY3JldC1ub25jZSJ9.Zx9Q0w.s3cr3t-s1gnature"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def copro_serve(data: Path) -> Iterator[tuple[int, Callable[[], str]]]:
    """Start `copro serve`; yield its port and a function that stops it and returns what it logged."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "copro", "--data", str(data), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []

    def stop() -> str:
        if not log:
            process.terminate()
            out, err = process.communicate(timeout=30)
            log.append(out + err)
        return log[0]

    try:
        for _ in range(600):  # bounded: up to about a minute on a busy machine
            if process.poll() is not None:
                pytest.fail(f"copro serve stopped: {stop()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"copro serve did not start listening: {stop()}")
        yield port, stop
    finally:
        stop()


def get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("backend", ["sqlite"])
def test_copro_serve_names_no_versions_and_logs_no_invitation_token_or_session_id(config: LedgerConfig) -> None:
    with copro_serve(config.data_dir) as (port, stop):
        signin = get(port, "/signin")
        invite = get(port, f"/invite/{TOKEN}")
        log = stop()
    assert signin.status == 200
    assert signin.getheader("Server") == "copro"
    assert invite.getheader("Server") == "copro"
    cookie = signin.getheader("Set-Cookie") or ""
    session_id = cookie.split(";", 1)[0].split("=", 1)[1]
    assert len(session_id) >= 43
    assert "GET /invite/[redacted]" in log, log
    assert "GET /signin" in log
    assert TOKEN not in log and "s3cr3t" not in log
    assert session_id not in log
    assert "Werkzeug" not in (signin.getheader("Server") or "") and "Python" not in (signin.getheader("Server") or "")


def test_redaction_covers_every_form_of_the_invite_path() -> None:
    assert redact(f'"GET /invite/{TOKEN} HTTP/1.1" 400 -') == '"GET /invite/[redacted] HTTP/1.1" 400 -'
    assert redact(f'"POST /invite/{TOKEN}?x=1 HTTP/1.1" 422 -') == '"POST /invite/[redacted]?x=1 HTTP/1.1" 422 -'
    assert redact('"GET /signin?next=/c/1 HTTP/1.1" 200 -') == '"GET /signin?next=/c/1 HTTP/1.1" 200 -'
