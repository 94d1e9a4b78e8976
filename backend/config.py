"""Settings: defaults in one class, overridden by environment variables.

Nothing else in the code base reads ``os.environ``. Unset variables mean the embedded
stack: SQLite and files in ``instance/``, fakeredis in-process, jobs run inline and
WeChat is the ``miniapp_mock`` fake server on localhost.
"""

from __future__ import annotations

import os
from datetime import timedelta

#: environment variables read directly (the design names them without a prefix)
DIRECT_ENV = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "STORAGE_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_SUBSCRIBE_TEMPLATE_RESIDENCY",
    "JOBS_INLINE",
    "CORS_ORIGINS",
    "RATELIMIT_LOGIN",
    "RATELIMIT_LOGIN_ADDRESS",
    "PROXY_COUNT",
)


class Config:
    """Defaults that need no set-up (the embedded stack)."""

    SECRET_KEY = DEV_SECRET_KEY = "linli-dev-secret-change-me"
    #: how many reverse proxies (nginx) stand in front of the app; their X-Forwarded-For
    #: then gives the client's address to rate limits and the audit log
    PROXY_COUNT = 0
    #: None → SQLite file ``instance/linli.sqlite3``
    DATABASE_URL: str | None = None
    #: None → fakeredis in this process
    REDIS_URL: str | None = None
    #: None → ``instance/storage``
    STORAGE_URL: str | None = None
    #: None → inline when there is no REDIS_URL, a real RQ worker otherwise
    JOBS_INLINE: bool | None = None
    JOBS_QUEUE = "linli"

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    TIMEZONE = "Asia/Shanghai"
    RESIDENT_TOKEN_TTL = timedelta(days=7)
    INVITE_TTL = timedelta(days=7)
    #: staff-generated QR invites expire sooner by default: they are printed and handed out
    STAFF_INVITE_TTL = timedelta(days=3)

    WECHAT_APPID = "wxlinlidemo0000001"
    WECHAT_SECRET = "linli-demo-secret"
    #: where wechatpy sends requests: the fake server by default
    WECHAT_API_BASE = "http://127.0.0.1:5100"
    WECHAT_TIMEOUT = 5
    WECHAT_SUBSCRIBE_TEMPLATE_RESIDENCY = "tmpl-residency-active"
    MINIAPP_STATE = "formal"

    #: seconds to wait before each retry of a failed WeChat send (its length = retries)
    NOTIFY_RETRY_DELAYS: tuple[int, ...] = (30, 120, 600)
    #: a notification still pending after this long has lost its job: send it again
    NOTIFY_STALE_AFTER = timedelta(minutes=30)

    #: failed panel logins per address and user name, and per address over all names
    RATELIMIT_LOGIN = "5 per 5 minutes"
    RATELIMIT_LOGIN_ADDRESS = "20 per 5 minutes"
    RATELIMIT_HEADERS_ENABLED = True
    #: a sliding window: "5 per 5 minutes" means any 5 minutes, not the clock's 5-minute slots
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_STORAGE_URI: str | None = None

    #: origins allowed to call /api/v1 from a browser (the H5 simulator)
    CORS_ORIGINS = "http://127.0.0.1:5100,http://localhost:5100"

    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    IMPORT_MAX_ROWS = 20000

    API_TITLE = "邻里 Linli 住户接口"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/static/swagger-ui/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "住户端小程序接口。时间为 ISO 8601（Asia/Shanghai），金额单位为分。"
        },
    }


def _coerce(value: str):
    """Environment values are text: "true"/"no" become booleans, "3" becomes 3."""
    low = value.strip().lower()
    if low in {"true", "yes", "on"}:
        return True
    if low in {"false", "no", "off"}:
        return False
    if low.isdigit():
        return int(low)
    return value


def environ_overrides(environ: os._Environ | dict | None = None) -> dict:
    """Return the settings given by environment variables.

    ``DATABASE_URL``, ``REDIS_URL``, ``STORAGE_URL``, ``SECRET_KEY`` and ``WECHAT_*`` are
    read as named; any other setting can be given as ``LINLI_<NAME>``.
    """
    environ = os.environ if environ is None else environ
    found = {}
    for key in DIRECT_ENV:
        if environ.get(key):
            found[key] = _coerce(environ[key])
    for key, value in environ.items():
        if key.startswith("LINLI_"):
            found[key.removeprefix("LINLI_")] = _coerce(value)
    return found


class ConfigError(RuntimeError):
    """The settings cannot run safely."""


def finalize(config: dict, instance_path: str) -> None:
    """Derive the settings that depend on others (database URI, storage, queue mode)."""
    if (
        config.get("DATABASE_URL")
        and config["SECRET_KEY"] == config["DEV_SECRET_KEY"]
        and not config.get("TESTING")
    ):
        # the key signs residents' bearer tokens: a known key lets anyone forge them
        raise ConfigError("SECRET_KEY must be set when DATABASE_URL is (see README)")
    config["PROXY_COUNT"] = int(config.get("PROXY_COUNT") or 0)
    url = config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(instance_path, "linli.sqlite3")
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    config["SQLALCHEMY_DATABASE_URI"] = url
    if url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"timeout": 30, "check_same_thread": False},
            **config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }
    else:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }
    if config.get("JOBS_INLINE") is None:
        config["JOBS_INLINE"] = not config.get("REDIS_URL")
    if not config.get("STORAGE_URL"):
        config["STORAGE_URL"] = "file://" + os.path.join(instance_path, "storage")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if isinstance(config.get("CORS_ORIGINS"), str):
        config["CORS_ORIGINS"] = [o for o in config["CORS_ORIGINS"].split(",") if o]
