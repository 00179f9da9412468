"""gunicorn's settings for copro: ``gunicorn --config gunicorn.conf.py 'copro.wsgi:application()'``.

gthread workers: a request mostly waits on PostgreSQL, so threads in a few processes
serve many members at once without a process each. The access log is off: copro
writes its own JSON line per request (web/request_log.py), without paths, which can
hold invitation tokens. Every value comes from the environment (docs/OPERATIONS.md,
"Configuration"), checked before the first worker starts.
"""

import os
import shutil
import sys
import tempfile

# Before anything imports prometheus_client: each worker then writes its metrics to files
# here, emptied first (counts from a previous run are not this run's).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="copro-metrics-")
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], mode=0o700, exist_ok=True)

bind = os.environ.get("COPRO_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("COPRO_WEB_WORKERS", "2")) if os.environ.get("COPRO_WEB_WORKERS", "").isdigit() else 2
threads = int(os.environ.get("COPRO_WEB_THREADS", "8")) if os.environ.get("COPRO_WEB_THREADS", "").isdigit() else 8
graceful_timeout = (
    int(os.environ["COPRO_GRACEFUL_TIMEOUT"]) if os.environ.get("COPRO_GRACEFUL_TIMEOUT", "").isdigit() else 20
)
timeout = 60
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = "warning"
# forwarded_allow_ips stays gunicorn's default (loopback only): whom to believe is
# COPRO_TRUSTED_PROXIES's decision (web/proxies.py), not a second list here.
proc_name = "copro-web"


def on_starting(server):  # type: ignore[no-untyped-def]
    """Check the environment and the keys before any worker starts: one sentence and exit 2, never a respawn loop."""
    from copro.wsgi import preflight
    from ledger.log.errors import CoproError

    try:
        preflight()
    except CoproError as e:
        print(f"copro: {e.diagnostics()}", file=sys.stderr, flush=True)
        sys.exit(2)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """A worker that stopped leaves its counters (they still add up) but no live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
