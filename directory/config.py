"""Configuration classes; every setting can be overridden by a DIRECTORY_* variable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'directory.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SEARCH_BACKEND = "whoosh"
    SEARCH_INDEX_DIR = str(INSTANCE / "index")
    # PostgreSQL backend: `gin_pending_list_limit` and `work_mem` of a rebuild's transaction
    # while it loads the new table (pg_staged.StagedTable; "" keeps the server's settings).
    SEARCH_REBUILD_MEMORY = "32MB"
    # ... and how long (seconds) its commit waits for readers to let go of the live table
    # before it copies the new rows into it instead of swapping the table in.
    SEARCH_SWAP_WAIT = 2.0
    REDIS_URL: str | None = None
    # A folder of reviewed GeoJSON maps for the statistics page (docs/DEPLOY.md): a file
    # <region code>.geojson draws the areas below that region; "" = tiles only.
    STATS_GEOJSON_DIR = ""
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    # The zone every page shows times in (times are stored in UTC); "" = BABEL_DEFAULT_TIMEZONE.
    DISPLAY_TIMEZONE = ""
    LANGUAGES = ("zh", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    # A request never pushes the end of a session back: lifetimes count from sign-in.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: count in each worker's memory until it is back (checked with back-off),
    # rather than failing requests; a limiter error never turns a request into a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # A dead Redis must cost milliseconds, not the default (no) socket timeout.
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    # Prefix of the rate-limit counters: instances sharing one Redis each need their own.
    RATELIMIT_KEY_PREFIX = ""
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    INVITATION_MAX_AGE = 60 * 60 * 24 * 14
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    PAGE_SIZE = 20
    # How often an open page asks for the unread count of the bell (seconds).
    NOTIFICATIONS_POLL_SECONDS = 20
    # The canonical address used in every link that leaves the site (e-mails, invitations),
    # e.g. https://tuanyoulu.example.org; its host is also trusted (see TRUSTED_HOSTS).
    BASE_URL: str | None = None
    # Host names the app answers (comma-separated in DIRECTORY_TRUSTED_HOSTS); others get
    # 400. Empty with no BASE_URL means any host (a warning is logged in production).
    TRUSTED_HOSTS: tuple[str, ...] = ()
    DEBUG_DEFAULT_SECRET = False
    # Reverse proxies in front of the app that append to X-Forwarded-For / set
    # X-Forwarded-Proto (nginx alone: 1; a load balancer then nginx: 2). 0 = none: the
    # headers are ignored, so a client cannot forge its address to dodge the per-address
    # rate limits. See docs/DEPLOY.md.
    PROXY_COUNT = 0
    # Strict-Transport-Security on HTTPS responses (seconds; 0 = not sent).
    HSTS_MAX_AGE = 60 * 60 * 24 * 365
    # Groups: uploads live outside the web root; mail is off unless configured.
    UPLOAD_DIR = str(INSTANCE / "uploads")
    ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    POST_MAX_LENGTH = 20_000
    GROUP_POST_RATE_LIMIT = "20 per minute;200 per day"
    GROUP_JOIN_RATE_LIMIT = "10 per minute;50 per day"
    # Position additions and edits (each may be a claim), per account.
    POSITION_CLAIM_RATE_LIMIT = "20 per hour;60 per day"
    # Open (pending) position claims one person may have at a time.
    POSITION_PENDING_CAP = 3
    GROUP_CREATE_RATE_LIMIT = "5 per hour;20 per day"
    GROUP_INVITE_RATE_LIMIT = "30 per hour;200 per day"
    # Every request of one API token (or one signed-in person on the API) counts here.
    API_RATE_LIMIT = "600 per minute"
    PASSWORD_CHANGE_RATE_LIMIT = "5 per minute;20 per hour"
    # Background jobs (directory/jobs): "" picks "redis" when REDIS_URL is set, else
    # "sqlite" (its own file, consumed by a thread of the serving process when
    # JOBS_IN_PROCESS; otherwise by `flask jobs run`); "immediate" runs them at once.
    JOBS_BACKEND = ""
    JOBS_NAME = "directory"
    JOBS_SQLITE_PATH = str(INSTANCE / "jobs.sqlite")
    JOBS_IN_PROCESS = True
    # A running job whose heartbeat stopped this many seconds ago is shown as failed.
    JOBS_STALE_AFTER = 300
    MAIL_ENABLED = False
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "团友录 <noreply@localhost>"

    @classmethod
    def load(cls) -> dict[str, Any]:
        """Class attributes, overridden by DIRECTORY_<NAME> environment variables."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        for key, default in list(values.items()):
            raw = os.environ.get(f"DIRECTORY_{key}")
            if raw is None:
                continue
            values[key] = _coerce(raw, default)
        url = os.environ.get("DIRECTORY_DATABASE_URL")
        if url:
            values["SQLALCHEMY_DATABASE_URI"] = url
        return values


def _coerce(raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, tuple):
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    return raw


class DevConfig(Config):
    """Local demo: plain HTTP on loopback, so cookies cannot be Secure-only."""

    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    DEBUG_DEFAULT_SECRET = True
    TRUSTED_HOSTS = ("localhost", "127.0.0.1")


class TestConfig(DevConfig):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PASSWORD_HASH_FAST = True
    JOBS_BACKEND = "immediate"
    # A test's own session often still holds the search table when it reindexes.
    SEARCH_SWAP_WAIT = 0.5
    # Tests post forms directly; tests of CSRF itself turn it back on.
    WTF_CSRF_ENABLED = False
