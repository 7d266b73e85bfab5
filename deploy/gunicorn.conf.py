"""gunicorn settings for 团友录: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be overridden by an environment variable (GUNICORN_BIND, GUNICORN_WORKERS,
...) or on the command line. Sizing figures are in docs/DEPLOY.md.
"""

from __future__ import annotations

import gc
import multiprocessing
import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GUNICORN_{name}", default)


# Loopback (or a unix socket, "unix:/run/tuanyoulu.sock"): nginx faces the internet.
bind = [b.strip() for b in _env("BIND", "127.0.0.1:8000").split(",")]
# Sync workers: requests are short and CPU-bound (templates, search); 2 x cores + 1.
workers = int(_env("WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# A request that runs longer than this is killed and logged (a hung query, a deadlock).
timeout = int(_env("TIMEOUT", "30"))
graceful_timeout = int(_env("GRACEFUL_TIMEOUT", "30"))
# Behind nginx with keep-alive upstream connections.
keepalive = int(_env("KEEPALIVE", "5"))
# Recycle workers now and then (slow leaks, fragmentation), jittered so they do not all
# restart at once.
max_requests = int(_env("MAX_REQUESTS", "5000"))
max_requests_jitter = int(_env("MAX_REQUESTS_JITTER", "500"))
# Load the app once in the master, then fork: workers share its memory (copy-on-write).
preload_app = _env("PRELOAD", "true").lower() in {"1", "true", "yes"}
# Worker heartbeat files in RAM, not on a disk that may be slow or full.
worker_tmp_dir = _env("WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp")

# Only the proxy in front may set X-Forwarded-Proto (the app's own ProxyFix handles
# X-Forwarded-For, see DIRECTORY_PROXY_COUNT).
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = _env("ACCESSLOG", "-")
errorlog = _env("ERRORLOG", "-")
loglevel = _env("LOGLEVEL", "info")
# Client, time, request line, status, bytes, duration in ms (%(M)s), worker pid, referer
# and agent: what a slow or failing request needs.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(B)s %(M)sms %(p)s "%(f)s" "%(a)s"'
proc_name = _env("PROC_NAME", "tuanyoulu")
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl),
# which two instances on one machine would share: off unless a path is given.
control_socket = _env("CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def when_ready(server):  # noqa: ANN001, ANN201  (gunicorn's hook signature)
    """In the master, after the app is loaded and before the first fork.

    Connections opened while loading (the start-up outbox drain) must not be shared by
    forked workers: drop them. Then freeze the objects that exist now, so the garbage
    collector never touches them in a worker and their pages stay shared (gc.freeze).
    """
    if preload_app:
        from directory.extensions import db

        app = server.app.wsgi()
        with app.app_context():
            db.engine.dispose()
    gc.collect()
    gc.freeze()


def post_fork(server, worker):  # noqa: ANN001, ANN201
    """Belt and braces: a worker never reuses a connection inherited from the master."""
    if preload_app:
        from directory.extensions import db

        with server.app.wsgi().app_context():
            db.engine.dispose(close=False)
