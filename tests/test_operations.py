"""/healthz, /readyz, /metrics and the JSON request log, over real HTTP against the app.

The app is served by werkzeug on a loopback port (tests/web_support.live_server) and
asked with urllib, as a probe or Prometheus would; members sign in and vote through
the same forms a browser posts. tests/test_compose.py asks the same of gunicorn.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from tests.conftest import PASSPHRASE
from tests.services import create_database, postgres_server
from tests.web_support import PASSPHRASES, MovableClock, Site, live_server, make_site, open_proposal
from web.request_log import LOGGER, JSONFormatter

UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def fetch(
    url: str, *, data: dict[str, str] | None = None, opener: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, str, Any]:
    """(status, body, headers) of one real HTTP request; errors are answers too."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=20) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


class Member:
    """A member's browser over real HTTP: a cookie jar, the form token of the last page."""

    def __init__(self, base: str, site: Site, name: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        username, passphrase = site.account_for(name)
        page = self.get("/signin")
        status, _, _ = fetch(
            self.base + "/signin",
            data={"csrf_token": self.token(page), "username": username, "passphrase": passphrase},
            opener=self.opener,
        )
        assert status == 200  # the 303 to the member's home, followed

    def get(self, path: str) -> str:
        status, body, _ = fetch(self.base + path, opener=self.opener)
        assert status == 200, body[:300]
        return body

    @staticmethod
    def token(page: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert found, page[:300]
        return found.group(1)

    def vote(self, site: Site, proposal: Any, position: str) -> int:
        path = site.url("/proposals/{p}", p=proposal)
        page = self.get(path)
        version = re.search(r'name="version" value="([^"]*)"', page)
        assert version
        status, _, _ = fetch(
            self.base + path + "/position",
            data={"csrf_token": self.token(page), "position": position, "version": version.group(1)},
            opener=self.opener,
        )
        return int(status)


def metric(text: str, name: str, labels: str = "") -> float:
    """The sum of one metric's samples whose labels contain ``labels`` (0 if none)."""
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.M)
    return sum(float(m.group(2)) for m in pattern.finditer(text) if labels in (m.group(1) or ""))


@contextmanager
def captured_log() -> Iterator[io.StringIO]:
    """The request log's JSON lines, as copro writes them under gunicorn (web/request_log.use_json_logs)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JSONFormatter())
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


def test_healthz_and_readyz_answer_200_on_a_sound_ledger(site: Site) -> None:
    with live_server(site.app) as base:
        status, body, _ = fetch(base + "/healthz")
        assert (status, body) == (200, "ok\n")
        status, body, _ = fetch(base + "/readyz")
        assert status == 200, body
        assert json.loads(body) == {"ready": True, "checks": {"database": "ok", "keys": "ok", "projections": "ok"}}


def test_readyz_is_503_when_the_views_lag_more_than_allowed(site: Site) -> None:
    clock = MovableClock(time.time())
    site.app.config.update(COPRO_CLOCK=clock, COPRO_READY_MAX_LAG=30)
    w = site.world
    w.gov.admit_member(w.collective, by=w.steward, name="Gita", contact="g@example.org", groups=["funders"])
    with live_server(site.app) as base:
        clock.advance(120)  # the new event has waited two minutes, and no worker applied it
        status, body, _ = fetch(base + "/readyz")
        assert status == 503
        answer = json.loads(body)
        assert answer["ready"] is False and "behind the log (more than 30 s)" in answer["problem"]
        assert "copro project --follow" in answer["checks"]["projections"]
        site.copro.views.catch_up()
        assert fetch(base + "/readyz")[0] == 200
        assert fetch(base + "/healthz")[0] == 200


@pytest.mark.postgres
def test_readyz_says_the_database_is_gone_and_healthz_does_not_care(tmp_path: Any, key_template: Any) -> None:
    import shutil

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copytree(key_template, data / "keys")
    with postgres_server() as dsn:
        config = LedgerConfig(data, create_database(dsn, "copro_gone"))
        gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
        site = make_site(gov, config)
        server = live_server(site.app)
        base = server.__enter__()
        assert fetch(base + "/readyz")[0] == 200
    try:  # the server is stopped now
        status, body, _ = fetch(base + "/readyz")
        assert status == 503
        answer = json.loads(body)
        assert answer["checks"]["database"].startswith("The PostgreSQL database copro_gone on 127.0.0.1")
        assert "does not answer" in answer["problem"] and "copro:copro" not in body
        assert fetch(base + "/healthz")[:2] == (200, "ok\n")
    finally:
        server.__exit__(None, None, None)


def test_metrics_count_requests_by_endpoint_votes_and_appends(site: Site) -> None:
    pid = open_proposal(site)
    with live_server(site.app) as base:
        before = fetch(base + "/metrics")[1]
        amara = Member(base, site, "amara")
        assert amara.vote(site, pid, "agree") == 200
        assert amara.vote(site, pid, "not-a-position") == 422  # refused: the page again, with the reason
        status, text, headers = fetch(base + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert metric(text, "copro_votes_accepted_total") - metric(before, "copro_votes_accepted_total") == 1
    assert metric(text, "copro_append_duration_seconds_count") > metric(before, "copro_append_duration_seconds_count")
    position = 'endpoint="proposals.position",method="POST"'
    counted = metric(text, "copro_http_request_duration_seconds_count", position)
    assert counted - metric(before, "copro_http_request_duration_seconds_count", position) == 2
    labels = re.findall(r"\{([^}]*)\}", text)
    assert not any(UUID_TEXT.search(label) for label in labels), "a label names a raw URL"
    assert metric(text, "copro_projection_lag_seconds") == 0.0
    assert re.search(r"^copro_checkpoint_age_seconds \d", text, re.M)  # no checkpoint yet: its events wait
    site.world.gov.checkpoint()
    with live_server(site.app) as base:
        assert metric(fetch(base + "/metrics")[1], "copro_checkpoint_age_seconds") == 0.0


def test_one_json_line_per_request_with_an_id_and_no_secret(site: Site) -> None:
    invitation = site.invitation("ben")
    token = invitation.rsplit("/", 1)[1]
    with captured_log() as log, live_server(site.app) as base:
        amara = Member(base, site, "amara")
        amara.get(site.url("/"))
        fetch(base + invitation)
        _, _, headers = fetch(base + "/healthz", headers={"X-Request-Id": "chosen-by-a-stranger"})
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert len(lines) >= 5
    for line in lines:
        assert {"time", "level", "request_id", "method", "endpoint", "status", "duration_ms"} <= set(line)
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert {"auth.signin", "operations.healthz"} <= {line["endpoint"] for line in lines}
    assert any(line["method"] == "POST" and line["status"] == 303 for line in lines)
    assert headers["X-Request-Id"] == lines[-1]["request_id"] != "chosen-by-a-stranger"  # no proxy is trusted
    text = log.getvalue()
    for secret in (token, PASSPHRASES.format(name="amara"), "copro_session", "/invite/", "csrf"):
        assert secret not in text


def test_a_trusted_proxy_passes_its_request_id_on(gov: Governance, config: LedgerConfig) -> None:
    site = make_site(gov, config, COPRO_TRUSTED_PROXIES=1)  # one proxy in front, as in docker-compose.yml
    with captured_log() as log, live_server(site.app) as base:
        _, _, headers = fetch(base + "/healthz", headers={"X-Request-Id": "caddy-1234"})
        _, _, odd = fetch(base + "/healthz", headers={"X-Request-Id": "bad id\twith tabs"})
    assert headers["X-Request-Id"] == "caddy-1234"
    assert re.fullmatch(r"[0-9a-f]{32}", odd["X-Request-Id"])
    assert next(json.loads(line)["request_id"] for line in log.getvalue().splitlines()) == "caddy-1234"
