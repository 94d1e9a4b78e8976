"""Settings: defaults in one class, overridden by environment variables.

Nothing else in the code base reads ``os.environ``. Unset variables mean the embedded
stack: SQLite and files in ``instance/``, fakeredis in-process, jobs run inline and
WeChat is the ``miniapp_mock`` fake server on localhost.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, MutableMapping
from datetime import timedelta

import flask

#: environment variables read directly (the design names them without a prefix)
DIRECT_ENV = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "STORAGE_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_TEMPLATES_FILE",
    "WECHAT_PAY_MCH_ID",
    "WECHAT_PAY_API_KEY",
    "WECHAT_PAY_API_BASE",
    "WECHAT_PAY_NOTIFY_URL",
    "WECHAT_PAY_MCH_CERT",
    "WECHAT_PAY_MCH_KEY",
    "JOBS_INLINE",
    "CORS_ORIGINS",
    "RATELIMIT_LOGIN",
    "RATELIMIT_LOGIN_ADDRESS",
    "RATELIMIT_SIGN_IN",
    "RATELIMIT_BINDING",
    "RATELIMIT_OWNER_INVITE",
    "PROXY_COUNT",
    "PREFERRED_URL_SCHEME",
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
    #: outbox (backend/core/outbox.py): tries of one command before it is ``failed``
    OUTBOX_MAX_ATTEMPTS = 8
    #: seconds before the first retry of a failed command; doubled each try, up to the cap
    OUTBOX_BACKOFF = 10
    OUTBOX_BACKOFF_MAX = 3600
    #: a pending command handed to the queue this long ago and not run: hand it over again
    OUTBOX_REDISPATCH_AFTER = timedelta(minutes=5)
    #: a command running this long has lost its worker (killed): it is tried again
    OUTBOX_STALE_AFTER = timedelta(minutes=15)
    #: fault tests only (``LINLI_FAULT_PAUSE``): the name of a pause point
    #: (:mod:`backend.core.faults`) where the first process to reach it stops for a while,
    #: so a test can kill it there; ``LINLI_FAULT_PAUSE_MARKER`` is the file it writes its
    #: pid to. Unset in every real deployment.
    FAULT_PAUSE: str | None = None
    FAULT_PAUSE_MARKER: str | None = None
    FAULT_PAUSE_SECONDS = 60

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: PostgreSQL: seconds to wait for a connection (a new one, or a free one of the pool)
    DATABASE_CONNECT_TIMEOUT = 3
    #: PostgreSQL: seconds a statement may run before the server cancels it (0: no limit,
    #: e.g. for a long migration); a call on a connection that stopped answering is cut a
    #: moment after (see backend/core/outage.py), so a hung database costs a bounded wait
    DATABASE_STATEMENT_TIMEOUT = 15
    #: Redis: seconds to connect, and to wait for any answer
    REDIS_CONNECT_TIMEOUT = 2
    REDIS_SOCKET_TIMEOUT = 5
    #: a 503 during an outage tells clients to come back after this many seconds
    OUTAGE_RETRY_AFTER = 5
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
    #: subscribe-message templates (ids, titles, typed keywords); None → the file shipped
    #: with the code, which the fake WeChat server reads too (backend/wechat/)
    WECHAT_TEMPLATES_FILE: str | None = None

    #: WeChat Pay (API v2): merchant id and API key (商户号, API 密钥), as the fake server's
    WECHAT_PAY_MCH_ID = "1900000109"
    WECHAT_PAY_API_KEY = "linlidemopaykey00000000000000000"
    #: None → the same base as WECHAT_API_BASE (the fake server); real: https://api.mch.weixin.qq.com
    WECHAT_PAY_API_BASE: str | None = None
    #: the merchant's API certificate and its key (PEM files: apiclient_cert.pem,
    #: apiclient_key.pem): refunds (``secapi``) are refused without them, and a production
    #: configuration with a real 商户号 does not start without them
    WECHAT_PAY_MCH_CERT: str | None = None
    WECHAT_PAY_MCH_KEY: str | None = None
    #: CA file that WeChat Pay's server certificate is checked against; None → the system's
    #: (tests point it at the CA they made for the fake server)
    WECHAT_PAY_CA_BUNDLE: str | None = None
    #: seconds between tries of a refund WeChat Pay has not finished (accepted, processing,
    #: or not reached); the last one repeats until WeChat Pay gives a final answer
    REFUND_RETRY_DELAYS: tuple[int, ...] = (10, 60, 300, 1800)
    #: where WeChat Pay posts notifications; None → this server's own URL of the endpoint
    WECHAT_PAY_NOTIFY_URL: str | None = None
    #: an unpaid order is closed after this long and its bills can be paid again
    WECHAT_PAY_ORDER_TTL = timedelta(minutes=15)
    #: one online payment covers at most this many bills
    PAY_MAX_BILLS = 60

    #: seconds to wait before each retry of a failed WeChat send (its length = retries)
    NOTIFY_RETRY_DELAYS: tuple[int, ...] = (30, 120, 600)
    #: a notification still pending after this long has lost its job: send it again
    NOTIFY_STALE_AFTER = timedelta(minutes=30)
    #: messages sent by one job when many go out at once (a bill run's notices)
    NOTIFY_BATCH_SIZE = 20
    #: a batch still sending after this many seconds hands the rest to a new job
    NOTIFY_BATCH_SECONDS = 60

    #: failed panel logins per address and user name, and per address over all names
    RATELIMIT_LOGIN = "5 per 5 minutes"
    RATELIMIT_LOGIN_ADDRESS = "20 per 5 minutes"
    #: WeChat sign-ins per address, and binding attempts per resident
    RATELIMIT_SIGN_IN = "30 per minute"
    RATELIMIT_BINDING = "10 per minute"
    #: invites an owner may create (each is a code someone can bind with)
    RATELIMIT_OWNER_INVITE = "10 per hour"
    #: 请家人帮忙 requests per resident (each sends a message to the household)
    RATELIMIT_HELP_REQUEST = "20 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    #: a sliding window: "5 per 5 minutes" means any 5 minutes, not the clock's 5-minute slots
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_STORAGE_URI: str | None = None

    #: origins allowed to call /api/v1 from a browser (the H5 simulator)
    CORS_ORIGINS = "http://127.0.0.1:5100,http://localhost:5100"

    WTF_CSRF_TIME_LIMIT = None
    #: "https" when the public URLs are https; the session cookie is then Secure
    PREFERRED_URL_SCHEME = "http"
    #: the site's public origin (``https://linli.example.gov.cn``): every absolute link the
    #: product makes (signed media links, board links, receipts' and posters' QR codes) starts
    #: with it, never with the request's Host; None → BOARD_PUBLIC_URL, else the demo's
    #: ``http://127.0.0.1:5000`` (backend/core/origin.py)
    PUBLIC_URL: str | None = None
    #: the older name of PUBLIC_URL (posters only), still read when PUBLIC_URL is unset
    BOARD_PUBLIC_URL: str | None = None
    #: host names requests may be addressed to (``.example.gov.cn`` takes subdomains too);
    #: any other Host is answered 400 before anything runs. None → PUBLIC_URL's host,
    #: localhost and 127.0.0.1
    TRUSTED_HOSTS: list[str] | None = None
    #: a font file with Chinese glyphs for the board posters; None → the first one found
    BOARD_POSTER_FONT: str | None = None
    #: None → Secure when PREFERRED_URL_SCHEME is https or a proxy (nginx with TLS) is in front
    SESSION_COOKIE_SECURE: bool | None = None
    #: Strict-Transport-Security on https responses once the cookie is Secure (0: none)
    HSTS_MAX_AGE = 365 * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    IMPORT_MAX_ROWS = 20000

    #: photos: largest upload, most pixels decoded (bombs and 200-MP frames are refused
    #: before decoding), longest edge and thumbnail edge of what is stored, JPEG quality
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    PHOTO_MAX_PIXELS = 50_000_000
    #: formats decoded in full (PNG, WebP, HEIC: no cheap reduction as JPEG's draft mode)
    #: are bounded lower, so that one hostile upload costs well under a second of CPU
    PHOTO_MAX_PIXELS_FULL_DECODE = 16_000_000
    #: photos decoded at once per worker process; more are answered 503 at once
    PHOTO_DECODE_CONCURRENCY = 2
    PHOTO_MAX_EDGE = 1920
    PHOTO_THUMB_EDGE = 360
    PHOTO_JPEG_QUALITY = 85
    #: photos nobody attached to anything within this time are deleted
    PHOTO_UNATTACHED_TTL = timedelta(hours=24)
    #: a stored object no row references is removed once this old (uploads under way are
    #: younger): what a process killed between the file and its row left behind
    STORAGE_ORPHAN_GRACE = timedelta(hours=24)
    RATELIMIT_PHOTO_UPLOAD = "30 per minute;300 per day"
    #: voice notes on reports: largest upload, longest note (measured by decoding), the
    #: most wall-clock seconds one upload may spend decoding (a hostile file is refused);
    #: they share the photos' decoding slots and their 24-hour unattached lifetime
    VOICE_MAX_BYTES = 2 * 1024 * 1024
    VOICE_MAX_SECONDS = 60
    VOICE_DECODE_SECONDS = 10
    RATELIMIT_VOICE_UPLOAD = "30 per minute;300 per day"
    #: documents (PDF, xlsx) staff attach to board posts: largest upload
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    #: disclosure board: a city's own sections file (None: backend/board/sections.toml),
    #: and how long the public board stays cached (it is also dropped on every publication;
    #: keep it well below SIGNED_URL_TTL, as it holds signed links to attachments)
    BOARD_SECTIONS_FILE: str | None = None
    #: maintenance fund: a city's own rules file (None: backend/fund/rules.toml)
    FUND_RULES_FILE: str | None = None
    BOARD_CACHE_TTL = timedelta(minutes=5)
    #: tickets: the city's SLA limits over the design's defaults, e.g.
    #: ``{"complaint.normal": {"respond": 720, "resolve": 14400}}`` (minutes)
    TICKET_SLA: dict = {}
    #: supervision: the red/black list rules over ``evaluation.DEFAULT_LIST_RULES``, e.g.
    #: ``{"black_min_missed_orders": 2}``
    SUPERVISION_LIST_RULES: dict = {}
    #: safety: a city's own schedules file (None: backend/safety/schedules.toml); a lift's
    #: certificate warns this many calendar months before it expires (特种设备安全法 Art. 40:
    #: the inspection is requested one month before); an overdue task reaches the street
    #: officer's list this many days after its due date
    SAFETY_SCHEDULES_FILE: str | None = None
    SAFETY_CERTIFICATE_WARNING_MONTHS = 1
    SAFETY_OVERDUE_GRACE_DAYS = 7
    #: the monthly evaluation's safety component, in points (0: left out; issue 23)
    SUPERVISION_SAFETY_POINTS = 10
    #: mediation: the term to finish a case, in calendar months from acceptance (practice:
    #: one month); the day after an agreement's effect on which its parties are reminded of
    #: the 30 days for judicial confirmation (《人民调解法》 Art. 33)
    MEDIATION_TERM_MONTHS = 1
    MEDIATION_CONFIRMATION_REMINDER_DAYS = 25
    #: Open311 (GeoReport v2): calls per partner key; seconds to wait for a callback
    RATELIMIT_OPEN311 = "120 per minute;5000 per day"
    RATELIMIT_OPEN311_PUBLIC = "600 per minute"
    OPEN311_CALLBACK_TIMEOUT = 5
    #: a resident may reopen a resolved ticket within this time
    TICKET_REOPEN_WINDOW = timedelta(days=7)
    RATELIMIT_TICKET_CREATE = "10 per minute;50 per day"
    #: 催办: a ticket may be urged (by its resident or a family member helping) at most once
    #: in this many hours
    TICKET_URGE_HOURS = 24
    RATELIMIT_TICKET_URGE = "20 per hour"
    #: ready-made notes the panel offers for each action (canned replies)
    TICKET_CANNED_REPLIES: dict = {
        "accept": ["已受理，我们会尽快安排处理", "已受理，将于今日内联系您"],
        "reject": ["不属于物业服务范围，请联系相关部门", "重复提交，请查看已有工单"],
        "resolve": ["已维修完毕，请验收", "已处理完毕，感谢您的反馈"],
        "note": ["师傅正在路上，请保持电话畅通", "需要购买配件，预计明日处理"],
    }
    #: owners' votes: days between a motion's announcement and the opening of voting
    #: (default 15, 7 for an extraordinary meeting), and per city over those, e.g.
    #: ``{"深圳市": {"ordinary": 15, "extraordinary": 7}}`` (the city of the estate's street)
    VOTE_NOTICE_DAYS = 15
    VOTE_NOTICE_DAYS_EXTRAORDINARY = 7
    VOTE_NOTICE_DAYS_BY_CITY: dict = {}
    #: owners who have not voted are reminded this long before voting closes
    VOTE_CLOSING_REMINDER = timedelta(hours=24)
    #: surveys: an estate's result is shown from this many answers; households that have
    #: not answered are reminded (once) this long before the close; answers per resident;
    #: the weight (points of 100) of the satisfaction survey in the monthly evaluation, and
    #: per city over it, e.g. ``{"杭州市": 20}`` (0: no survey component)
    SURVEY_MIN_ANSWERS = 10
    SURVEY_REMINDER = timedelta(hours=48)
    RATELIMIT_SURVEY_ANSWER = "30 per minute"
    SURVEY_EVALUATION_WEIGHT = 20
    SURVEY_EVALUATION_WEIGHT_BY_CITY: dict = {}
    #: yearly star bands by percentile of the city's companies (五星 below the first bound)
    SURVEY_STAR_BANDS = [10, 25, 85, 97]
    #: WeChat Pay notifications per source address (its servers are few; junk is cheap)
    RATELIMIT_WECHAT_NOTIFY = "300 per minute"
    #: ballot submissions per resident (a second ballot is refused anyway; this bounds abuse)
    RATELIMIT_BALLOT = "30 per minute"
    #: how long a signed URL of a private file stays valid
    SIGNED_URL_TTL = timedelta(minutes=15)

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


class ConfigError(RuntimeError):
    """The settings cannot run safely, or a value cannot be read."""


def load_environment(config: flask.Config, environ: Mapping[str, str] | None = None) -> None:
    """Override the defaults with the environment.

    The names in ``DIRECT_ENV`` are read as they are named, as text; any setting can be
    given as ``LINLI_<NAME>`` through Flask's ``from_prefixed_env`` (values that read as
    JSON become numbers, booleans or lists). ``finalize`` then gives each its type.
    """
    environ = os.environ if environ is None else environ
    for key in DIRECT_ENV:
        if environ.get(key):
            config[key] = environ[key]
    config.from_prefixed_env("LINLI")


#: durations: a ``timedelta``, whole seconds (``3600``) or a number and a unit (``30m``)
DURATIONS = (
    "RESIDENT_TOKEN_TTL",
    "INVITE_TTL",
    "STAFF_INVITE_TTL",
    "NOTIFY_STALE_AFTER",
    "OUTBOX_REDISPATCH_AFTER",
    "OUTBOX_STALE_AFTER",
    "PERMANENT_SESSION_LIFETIME",
    "WECHAT_PAY_ORDER_TTL",
    "PHOTO_UNATTACHED_TTL",
    "STORAGE_ORPHAN_GRACE",
    "SIGNED_URL_TTL",
    "TICKET_REOPEN_WINDOW",
    "BOARD_CACHE_TTL",
    "VOTE_CLOSING_REMINDER",
    "SURVEY_REMINDER",
)
#: lists of durations kept in whole seconds: ``30,120,600``, ``30s,2m,10m`` or ``[30, 120]``
SECOND_LISTS = ("NOTIFY_RETRY_DELAYS", "REFUND_RETRY_DELAYS")
#: lists of text: ``a,b`` or a JSON list
TEXT_LISTS = ("CORS_ORIGINS", "TRUSTED_HOSTS")
#: true/false, yes/no, on/off, 1/0; ``None`` keeps its meaning ("decide from the rest")
BOOLEANS = ("JOBS_INLINE", "SESSION_COOKIE_SECURE")
INTEGERS = (
    "PROXY_COUNT",
    "WECHAT_TIMEOUT",
    "IMPORT_MAX_ROWS",
    "MAX_CONTENT_LENGTH",
    "HSTS_MAX_AGE",
    "PAY_MAX_BILLS",
    "OUTBOX_MAX_ATTEMPTS",
    "OUTBOX_BACKOFF",
    "OUTBOX_BACKOFF_MAX",
    "NOTIFY_BATCH_SIZE",
    "NOTIFY_BATCH_SECONDS",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_PIXELS",
    "PHOTO_MAX_PIXELS_FULL_DECODE",
    "PHOTO_DECODE_CONCURRENCY",
    "PHOTO_MAX_EDGE",
    "PHOTO_THUMB_EDGE",
    "PHOTO_JPEG_QUALITY",
    "DOCUMENT_MAX_BYTES",
    "VOICE_MAX_BYTES",
    "VOICE_MAX_SECONDS",
    "VOICE_DECODE_SECONDS",
    "VOTE_NOTICE_DAYS",
    "TICKET_URGE_HOURS",
    "VOTE_NOTICE_DAYS_EXTRAORDINARY",
    "DATABASE_CONNECT_TIMEOUT",
    "DATABASE_STATEMENT_TIMEOUT",
    "REDIS_CONNECT_TIMEOUT",
    "REDIS_SOCKET_TIMEOUT",
    "OUTAGE_RETRY_AFTER",
    "SAFETY_CERTIFICATE_WARNING_MONTHS",
    "SAFETY_OVERDUE_GRACE_DAYS",
    "SUPERVISION_SAFETY_POINTS",
    "MEDIATION_TERM_MONTHS",
    "MEDIATION_CONFIRMATION_REMINDER_DAYS",
    "OPEN311_CALLBACK_TIMEOUT",
    "SURVEY_MIN_ANSWERS",
    "SURVEY_EVALUATION_WEIGHT",
)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)\s*([smhd]?)")


def _env_name(key: str) -> str:
    return key if key in DIRECT_ENV else f"LINLI_{key}"


def _seconds(key: str, value) -> int:
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _DURATION.fullmatch(value.strip().lower()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f"{_env_name(key)}={value!r} is not a duration: give whole seconds (3600) "
            "or a number with s, m, h or d (30m, 7d)"
        )
    return int(match[1]) * _UNITS[match[2] or "s"]


def _duration(key: str, value) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=_seconds(key, value))


def _items(value) -> list:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _boolean(key: str, value) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"true", "yes", "on", "1"}:
        return True
    if word in {"false", "no", "off", "0"}:
        return False
    raise ConfigError(f"{_env_name(key)}={value!r} is not true or false")


def _integer(key: str, value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ConfigError(f"{_env_name(key)}={value!r} is not a whole number")


def parse_values(config: MutableMapping) -> None:
    """Give every typed setting its type, whatever form it came in; one place for all.

    Raises ``ConfigError`` naming the variable when a value cannot be read.
    """
    for key in DURATIONS:
        config[key] = _duration(key, config[key])
    for key in SECOND_LISTS:
        config[key] = tuple(_seconds(key, item) for item in _items(config[key]))
    for key in TEXT_LISTS:
        if config.get(key) is not None:
            config[key] = [str(item) for item in _items(config[key])]
    for key in BOOLEANS:
        config[key] = _boolean(key, config.get(key))
    for key in INTEGERS:
        config[key] = _integer(key, config[key])


#: settings that mean a production deployment: then SECRET_KEY must be given
PRODUCTION_SERVICES = ("DATABASE_URL", "REDIS_URL", "STORAGE_URL")
SECRET_KEY_FILE = "secret_key"


def _secret_key(config: MutableMapping, instance_path: str) -> None:
    """Make sure the key that signs sessions and residents' tokens is not a published one.

    With any production service configured, ``SECRET_KEY`` must be given. The embedded
    stack (a demo may still be reachable on a network) generates a random key into
    ``instance/secret_key`` on its first run and keeps using it.
    """
    if config["SECRET_KEY"] != config["DEV_SECRET_KEY"] or config.get("TESTING"):
        return
    configured = [name for name in PRODUCTION_SERVICES if config.get(name)]
    if configured:
        # the key signs residents' bearer tokens: a known key lets anyone forge them
        raise ConfigError(f"SECRET_KEY must be set when {configured[0]} is (see README)")
    config["SECRET_KEY"] = instance_secret_key(instance_path)


def instance_secret_key(instance_path: str) -> str:
    """The embedded stack's key in ``instance/secret_key``, created (random) on first use."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        staged = f"{path}.{os.getpid()}"
        with open(os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(staged, path)  # atomic: of two processes starting at once, one key wins
        except FileExistsError:
            pass
        finally:
            os.unlink(staged)
    with open(path) as file:
        key = file.read().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key: delete it to make a new one")
    return key


def _merchant_certificate(config: MutableMapping) -> None:
    """A production deployment with a real 商户号 must have the merchant's API certificate:
    without it every refund is refused by WeChat Pay (``secapi``), so it does not start."""
    if config.get("TESTING") or not any(config.get(name) for name in PRODUCTION_SERVICES):
        return
    if config.get("WECHAT_PAY_MCH_ID") == Config.WECHAT_PAY_MCH_ID:
        return  # the fake server's demo merchant: WeChat Pay is not configured
    for key in ("WECHAT_PAY_MCH_CERT", "WECHAT_PAY_MCH_KEY"):
        path = config.get(key)
        if not path:
            raise ConfigError(f"{key} must be set when WECHAT_PAY_MCH_ID is (see README)")
        if not os.access(path, os.R_OK):
            raise ConfigError(f"{key}={path!r} cannot be read")


def redis_timeouts(config: Mapping) -> dict:
    """Keyword arguments of a Redis client that bound its waits (REDIS_* settings)."""
    return {
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
    }


def _postgresql_options(config: MutableMapping) -> dict:
    """Engine options that bound every wait on PostgreSQL (see the DATABASE_* settings)."""
    given = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    connect_args = {"connect_timeout": max(config["DATABASE_CONNECT_TIMEOUT"], 1)}
    statement_ms = config["DATABASE_STATEMENT_TIMEOUT"] * 1000
    if statement_ms:
        connect_args["options"] = f"-c statement_timeout={statement_ms}"
    # a call on a connection that stopped answering is cut this long after it began
    config["DATABASE_CALL_LIMIT"] = (
        config["DATABASE_STATEMENT_TIMEOUT"] + config["DATABASE_CONNECT_TIMEOUT"]
        if statement_ms
        else 0
    )
    return {
        "pool_pre_ping": True,
        "pool_timeout": config["DATABASE_CONNECT_TIMEOUT"],
        **given,
        "connect_args": {**connect_args, **given.get("connect_args", {})},
    }


DEMO_PUBLIC_URL = "http://127.0.0.1:5000"


def _public_origin(config: MutableMapping) -> None:
    """PUBLIC_URL (an http(s) origin, no query) and the trusted hosts derived from it."""
    from urllib.parse import urlsplit

    from backend.core.origin import default_trusted_hosts

    url = (config.get("PUBLIC_URL") or config.get("BOARD_PUBLIC_URL") or DEMO_PUBLIC_URL).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(
            f"PUBLIC_URL={url!r} is not an http(s) address like https://linli.example"
        )
    config["PUBLIC_URL"] = url.rstrip("/")
    if not config.get("TRUSTED_HOSTS"):
        config["TRUSTED_HOSTS"] = default_trusted_hosts(url)


def finalize(config: MutableMapping, instance_path: str) -> None:
    """Type the values, then derive the settings that depend on others (database, queue)."""
    parse_values(config)
    _secret_key(config, instance_path)
    _merchant_certificate(config)
    _public_origin(config)
    if config.get("SESSION_COOKIE_SECURE") is None:
        # served over TLS (directly or by the proxy): the session never travels in clear
        config["SESSION_COOKIE_SECURE"] = (
            config.get("PREFERRED_URL_SCHEME") == "https" or config["PROXY_COUNT"] > 0
        )
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
        config["SQLALCHEMY_ENGINE_OPTIONS"] = _postgresql_options(config)
    if config.get("JOBS_INLINE") is None:
        config["JOBS_INLINE"] = not config.get("REDIS_URL")
    if not config.get("WECHAT_PAY_API_BASE"):
        config["WECHAT_PAY_API_BASE"] = config.get("WECHAT_API_BASE")
    if not config.get("STORAGE_URL"):
        config["STORAGE_URL"] = "file://" + os.path.join(instance_path, "storage")
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_timeouts(config))
