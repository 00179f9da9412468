"""docker-compose.yml, run natively: each service's own command against a real PostgreSQL server.

This machine has no Docker, so the test takes every service's command and environment
from the file and runs them here (tests/compose_support.py maps the container paths):
the init step creates keys and ledger, the worker applies events, gunicorn serves
/healthz, /readyz, /metrics and a member's page, the checkpoint loop writes a
checkpoint. If the file drifts from what works, this fails. The rest checks the file's
shape: pinned images, a named volume, health checks, secrets only as files, non-root.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.personal.side_store import SideStore
from tests.compose_support import ROOT, Host, command_of, environment_of, load_compose
from tests.governance_world import build_world
from tests.services import _free_port, _pg_bin, create_database, missing
from web.accounts import AccountStore

PASSPHRASE = "a passphrase for the compose test"
SESSION_SECRET = "a session secret of more than thirty-two characters"
OURS = ("init", "web", "worker", "checkpoint")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


# -- the file's shape ---------------------------------------------------------------


def test_postgres_is_pinned_with_a_named_volume_and_a_health_check(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?(-\w+)?", db["image"]), "pin PostgreSQL's major version"
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "the database lives in a named volume"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_production_runs_the_postgresql_major_the_suite_tests_and_the_image_can_back_it_up(
    compose: dict[str, Any],
) -> None:
    """The db image is the PostgreSQL major this suite runs against, and the app image carries that
    major's client: `copro backup` runs pg_dump, which refuses a server newer than itself."""
    server = _pg_bin("postgres")
    assert server is not None, "PostgreSQL's server programs are not installed (apt-get install postgresql)"
    tested = re.search(r"(\d+)\.", subprocess.run([server, "--version"], capture_output=True, text=True).stdout)
    assert tested is not None
    major = tested.group(1)
    assert compose["services"]["db"]["image"].split(":")[1].split(".")[0].split("-")[0] == major
    assert re.search(rf"\bpostgresql-client-{major}\b", (ROOT / "Dockerfile").read_text()), (
        f"the image must install postgresql-client-{major} for pg_dump"
    )


def test_every_image_is_pinned_and_each_service_is_checked_or_waits(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image", "")
        assert (image and ":" in image and not image.endswith(":latest")) or service.get("build"), name
        if name in OURS:
            assert service["depends_on"]["db"]["condition"] == "service_healthy", name
    assert "/healthz" in " ".join(compose["services"]["web"]["healthcheck"]["test"])
    assert compose["services"]["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_secrets_come_as_files_never_as_plain_environment(compose: dict[str, Any]) -> None:
    secret_words = re.compile(r"PASSWORD|PASSPHRASE|SECRET|TOKEN", re.IGNORECASE)
    for name, service in compose["services"].items():
        for variable, value in environment_of(service).items():
            if secret_words.search(variable):
                assert variable.endswith("_FILE") and value.startswith("/run/secrets/"), (name, variable)
        url = environment_of(service).get("COPRO_DATABASE_URL", "")
        assert "@" not in url or ":" not in url.split("@")[0].split("//")[-1], f"{name}: a password in the URL"
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "secrets/" in (ROOT / ".gitignore").read_text() and "secrets" in (ROOT / ".dockerignore").read_text()


def test_the_keys_are_read_only_except_for_the_init_step(compose: dict[str, Any]) -> None:
    for name in ("web", "worker", "checkpoint"):
        mounts = compose["services"][name]["volumes"]
        assert any(m.endswith(":/data/keys:ro") for m in mounts), name
    assert any(m.endswith(":/data/keys") for m in compose["services"]["init"]["volumes"])


def test_the_image_runs_as_a_user_who_is_not_root() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all(re.search(r"python:3\.\d+\.\d+-slim", line) for line in froms), "pin python:3.x.y-slim"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0"), "the last USER must not be root"
    assert "pip install --no-cache-dir ." in (ROOT / "Dockerfile").read_text()
    assert not any(re.search(r"ENV .*(PASSPHRASE|SECRET|PASSWORD)", line) for line in lines)
    assert any("COPY gunicorn.conf.py" in line for line in lines), "the web command reads it from WORKDIR"


def test_caddy_proxies_to_web_and_keeps_metrics_internal(compose: dict[str, Any]) -> None:
    caddyfile = (ROOT / "Caddyfile").read_text()
    assert "{$COPRO_DOMAIN}" in caddyfile and "reverse_proxy web:8000" in caddyfile
    assert re.search(r"@\w+ path /metrics", caddyfile) and "respond @internal 404" in caddyfile
    web = environment_of(compose["services"]["web"])
    assert web["COPRO_TRUSTED_PROXIES"] == "1" and web["COPRO_HTTPS"] == "1"
    assert "ports" not in compose["services"]["web"], "web is reached only through the proxy"


# -- the services, run ----------------------------------------------------------------


class Running:
    """One service's command, started in its own process group so that its children stop with it."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class BehindTheProxy(http.cookiejar.DefaultCookiePolicy):
    """Send the Secure session cookie (COPRO_HTTPS=1) over plain HTTP, as Caddy would receive it over TLS."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: urllib.request.Request) -> bool:
        return True


def wait_for(condition: Any, what: str, running: Running | None = None, tries: int = 600) -> Any:
    """Poll until ``condition()`` is truthy (a count of tries, never an assertion on time)."""
    for _ in range(tries):
        value = condition()
        if value:
            return value
        if running is not None and running.process.poll() is not None:
            pytest.fail(f"{what}: the service stopped:\n{running.output()}")
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen" + (f":\n{running.output()}" if running else ""))


def get(url: str, opener: urllib.request.OpenerDirector | None = None) -> tuple[int, str, dict[str, str]]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)
    except OSError:
        return 0, "", {}


@pytest.fixture(scope="module")
def deployment(
    compose: dict[str, Any], postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Host, dict[str, str]]]:
    url = create_database(postgres, "copro_compose").replace("copro:copro@", "copro@")  # no password in the URL
    host = Host(tmp_path_factory.mktemp("compose"), url, {"COPRO_DOMAIN": "copro.test"})
    (host.secrets / "db_password").write_text("copro\n")
    (host.secrets / "key_passphrase").write_text(PASSPHRASE + "\n")
    (host.secrets / "session_secret").write_text(SESSION_SECRET + "\n")
    host.data.mkdir(mode=0o700)
    base = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
    base["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    yield host, base


def test_the_services_run_as_the_file_says(deployment: tuple[Host, dict[str, str]], compose: dict[str, Any]) -> None:
    host, base = deployment
    services = compose["services"]
    running: list[Running] = []
    try:
        # The one-off init step: keys and the ledger, on PostgreSQL.
        init = subprocess.run(
            host.command(services["init"]),
            env=host.env(services["init"], base),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert init.returncode == 0, init.stderr
        assert "ready" in init.stdout and (host.data / "keys").is_dir()

        # Events written by another process (as the web tier would): the worker must apply them.
        config = LedgerConfig(host.data, host.database_url.replace("copro@", "copro:copro@"))
        gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
        world = build_world(gov)
        accounts = AccountStore(SideStore(config, "accounts"), SESSION_SECRET)
        token = accounts.invite(world.member("amara"), world.collective)
        accounts.accept(token, "amara", "a long enough passphrase for amara")
        accounts.close()
        size = gov.merkle_log.log_size()
        views = GovernanceViews(gov, open_view(config))
        assert (views.view.max_tracking_id(Ledger.name) or 0) < size

        worker = Running(host.command(services["worker"]), host.env(services["worker"], base), host.tmp / "worker.log")
        running.append(worker)
        wait_for(lambda: (views.view.max_tracking_id(Ledger.name) or 0) == size, "the worker applies events", worker)

        port = _free_port()
        web_env = host.env(services["web"], base, COPRO_BIND=f"127.0.0.1:{port}", COPRO_WEB_WORKERS="2")
        web = Running(host.command(services["web"]), web_env, host.tmp / "web.log")
        running.append(web)
        site = f"http://127.0.0.1:{port}"
        wait_for(lambda: get(site + "/healthz")[0] == 200, "gunicorn serves /healthz", web)
        status, body, _ = get(site + "/readyz")
        assert status == 200, body

        healthcheck = [c.replace(":8000", f":{port}") for c in services["web"]["healthcheck"]["test"][1:]]
        assert subprocess.run([sys.executable, *healthcheck[1:]], env=base).returncode == 0

        # A member signs in over real HTTP and reads their collective's page.
        jar = http.cookiejar.CookieJar(policy=BehindTheProxy())
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _, page, _ = get(site + "/signin", browser)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf, page[:500]
        form = urllib.parse.urlencode(
            {"csrf_token": csrf.group(1), "username": "amara", "passphrase": "a long enough passphrase for amara"}
        ).encode()
        with browser.open(urllib.request.Request(site + "/signin", data=form), timeout=10) as r:
            assert r.status == 200  # the 303 was followed to the member's home
        status, page, headers = get(f"{site}/c/{world.collective}/", browser)
        assert status == 200 and "Hearing Voices Research Partnership" in page
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-Id"])

        # The checkpoint loop signs a checkpoint of the whole log at once.
        assert not gov.merkle_log.checkpoints()
        checkpointer = Running(
            host.command(services["checkpoint"]), host.env(services["checkpoint"], base), host.tmp / "cp.log"
        )
        running.append(checkpointer)
        stored = wait_for(gov.merkle_log.checkpoints, "the checkpoint job writes a checkpoint", checkpointer)
        assert stored[-1][0] == gov.merkle_log.log_size()

        # /metrics adds up both workers' counts and reads the lags from the database.
        for _ in range(6):
            assert get(site + "/healthz")[0] == 200
        status, text, _ = get(site + "/metrics")
        assert status == 200
        served = sum(
            float(m.group(1))
            for m in re.finditer(
                r'copro_http_request_duration_seconds_count\{endpoint="operations.healthz",method="GET"\} (\S+)', text
            )
        )
        assert served >= 7, text
        assert re.search(r"^copro_projection_lag_seconds 0\.0$", text, re.M), text
        assert re.search(r"^copro_checkpoint_age_seconds 0\.0$", text, re.M), text

        # Caddy, from the Caddyfile, in front of gunicorn: ids pass through, /metrics does not.
        caddy_id = through_caddy(host, base, port, running)

        # One JSON line per request, from gunicorn's workers; the access log itself is off.
        web.stop()
        lines = [line for line in web.output().splitlines() if line.startswith("{")]
        assert any('"endpoint": "home.collective"' in line or '"endpoint": "home.' in line for line in lines), lines
        assert SESSION_SECRET not in web.output() and PASSPHRASE not in web.output()
        assert any(json.loads(line)["request_id"] == caddy_id for line in lines), "Caddy's X-Request-Id is the log's"
        gov.close()
    finally:
        for service in reversed(running):
            service.stop()


def through_caddy(host: Host, base: dict[str, str], web_port: int, running: list[Running]) -> str:
    """Run the Caddyfile with web:8000 pointed at this gunicorn and plain HTTP; return the id of one request."""
    caddy = shutil.which("caddy")
    if caddy is None:
        missing("Caddy is not installed (apt-get install caddy)")
    assert caddy
    port = _free_port()
    text = (ROOT / "Caddyfile").read_text().replace("web:8000", f"127.0.0.1:{web_port}")
    config = host.tmp / "Caddyfile"
    config.write_text("{\n\tadmin off\n}\n" + text)  # no admin port: other tests may run a Caddy too
    env = {**base, "COPRO_DOMAIN": f"http://127.0.0.1:{port}", "HOME": str(host.tmp), "XDG_DATA_HOME": str(host.tmp)}
    proxy = Running([caddy, "run", "--config", str(config), "--adapter", "caddyfile"], env, host.tmp / "caddy.log")
    running.append(proxy)
    site = f"http://127.0.0.1:{port}"
    wait_for(lambda: get(site + "/healthz")[0] == 200, "Caddy passes requests on", proxy)
    status, _, headers = get(site + "/healthz")
    assert status == 200 and re.fullmatch(r"[0-9a-f-]{36}", headers["X-Request-Id"]), headers
    assert get(site + "/metrics")[0] == 404, "the metrics must not reach the internet"
    assert get(f"http://127.0.0.1:{web_port}/metrics")[0] == 200  # while Prometheus, inside, reads them
    proxy.stop()
    return headers["X-Request-Id"]


def test_gunicorn_stops_with_one_sentence_on_a_bad_setting(
    deployment: tuple[Host, dict[str, str]], compose: dict[str, Any]
) -> None:
    host, base = deployment
    web = compose["services"]["web"]
    env = host.env(web, base, COPRO_BIND=f"127.0.0.1:{_free_port()}", COPRO_SESSION_IDLE="soon")
    done = subprocess.run(host.command(web), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "COPRO_SESSION_IDLE is 'soon'" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert command_of(web)[0] == "gunicorn"


def test_gunicorn_stops_with_one_sentence_when_the_ledger_cannot_be_opened(
    deployment: tuple[Host, dict[str, str]], compose: dict[str, Any], tmp_path: Path
) -> None:
    host, base = deployment
    web = compose["services"]["web"]
    env = host.env(web, base, COPRO_BIND=f"127.0.0.1:{_free_port()}")
    env["COPRO_DATA"] = str(tmp_path / "no-ledger-here")  # no keys: each worker fails to open the ledger
    done = subprocess.run(host.command(web), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2  # found before any worker starts, so no worker respawns and fails again
    assert "copro: No keys in" in done.stderr and "Traceback" not in done.stderr, done.stderr


# -- processes starting together on an empty database -----------------------------------

STARTER = """
import sys, time
from copro.wsgi import application
from ledger.log.config import LedgerConfig
from ledger.governance.views import open_view
start = float(sys.argv[1])
time.sleep(max(0.0, start - time.time()))  # all imports done: every process makes its tables at once
application()
open_view(LedgerConfig.from_env())  # the projection worker's tables too
print("up")
"""


def test_processes_starting_together_on_an_empty_database_all_come_up(
    postgres: str, tmp_path: Path, key_template: Path
) -> None:
    """gunicorn's workers, the projection worker and a CLI command can all start at once on a fresh
    PostgreSQL: each makes the tables it needs, and none fails on another's CREATE TABLE."""
    for round_ in range(3):
        data = tmp_path / f"data{round_}"
        data.mkdir(mode=0o700)
        shutil.copytree(key_template, data / "keys")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPRO_")}
        env |= {
            "COPRO_DATA": str(data),
            "COPRO_DATABASE_URL": create_database(postgres, f"copro_together_{round_}"),
            "COPRO_KEY_PASSPHRASE": "correct horse battery staple",
            "COPRO_SECRET_KEY": SESSION_SECRET,
        }
        start = time.time() + 4.0
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", STARTER, str(start)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for _ in range(4)
        ]
        results = [p.communicate(timeout=120) for p in procs]
        for p, (out, err) in zip(procs, results, strict=True):
            assert p.returncode == 0 and out.strip().endswith("up"), err[-2000:]
