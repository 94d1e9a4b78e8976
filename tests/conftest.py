"""Fixtures: ``app``, ``client``, ``db``, the fake WeChat server and the stack under test.

The suite runs on the embedded stack (SQLite + fakeredis) by default and on the real one
(PostgreSQL + Redis) with ``LINLI_TEST_STACK=real``. Each test starts from empty tables
and an empty Redis; factories commit, and the tables are emptied after each test.
"""

from __future__ import annotations

import os
import socket
import threading

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from backend import create_app
from backend.extensions import db as _db
from backend.extensions import limiter, redis_store
from miniapp_mock.wechat_server import create_app as create_fake_wechat

STACK = os.environ.get("LINLI_TEST_STACK", "embedded")
REAL_DATABASE_URL = os.environ.get(
    "LINLI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1/test"
)
REAL_REDIS_URL = os.environ.get("LINLI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
APPID, SECRET = "wxlinlitest0000001", "linli-test-secret"
MCH_ID = "1900000109"


def pytest_report_header(config):
    return f"linli stack: {STACK}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """A WSGI app served on a free localhost port in a thread, for the length of the tests."""

    def __init__(self, wsgi_app, ssl_context=None):
        self.port = free_port()
        self.server = make_server(
            "127.0.0.1", self.port, wsgi_app, threaded=True, ssl_context=ssl_context
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


class FakeWeChat:
    """The running fake WeChat server, with the levers tests pull."""

    def __init__(self, url: str, app, pay_url: str, certificates):
        self.url = url
        #: WeChat Pay's address: the same fake server over TLS, as api.mch.weixin.qq.com
        self.pay_url = pay_url
        #: the CA, server and merchant certificates the tests made (miniapp_mock.tls)
        self.certificates = certificates
        #: the fake server's app: it also hosts the H5 simulator
        self.app = app
        self.state = app.extensions["fake_wechat"]
        #: the fake WeChat Pay's orders and refunds
        self.pay = app.extensions["fake_wechat_pay"]

    def login_code(self, openid: str) -> str:
        """What ``wx.login`` returns on the phone of WeChat user ``openid``."""
        return requests.post(f"{self.url}/_mock/login", json={"openid": openid}, timeout=5).json()[
            "code"
        ]

    def messages(self, openid: str | None = None) -> list[dict]:
        params = {"openid": openid} if openid else {}
        return requests.get(f"{self.url}/_mock/messages", params=params, timeout=5).json()

    def complete_payment(self, out_trade_no: str, repeat: int = 1, deliver: bool = False) -> dict:
        """The resident confirms the payment sheet; returns the signed notification XML."""
        return requests.post(
            f"{self.url}/_mock/pay/complete",
            json={"out_trade_no": out_trade_no, "repeat": repeat, "deliver": deliver},
            timeout=30,
        ).json()

    def fail_next(self, api: str = "subscribe", count: int = 1, errcode: int = -1) -> None:
        """Make the next ``count`` calls of ``api`` answer ``errcode`` (-1: system busy)."""
        requests.post(
            f"{self.url}/_mock/failures",
            json={"api": api, "count": count, "errcode": errcode},
            timeout=5,
        )

    def subscribe(self, openid: str, choices: dict[str, str]) -> dict:
        """The user answers ``wx.requestSubscribeMessage`` on their phone: ``choices`` maps
        template ids to accept/reject/ban/filter. Returns WeChat's answer."""
        return requests.post(
            f"{self.url}/_mock/subscribe", json={"openid": openid, "choices": choices}, timeout=5
        ).json()

    def consents(self, openid: str) -> dict:
        """One-time consents the fake server still holds for ``openid``, per template id."""
        return requests.get(
            f"{self.url}/_mock/consents", params={"openid": openid}, timeout=5
        ).json()


@pytest.fixture(scope="session")
def fake_wechat(tmp_path_factory):
    from miniapp_mock import tls

    app = create_fake_wechat(APPID, SECRET)
    certificates = tls.generate(tmp_path_factory.mktemp("pay-tls"), MCH_ID)
    with (
        ServerThread(app) as server,
        ServerThread(app, ssl_context=certificates.server_context()) as pay_server,
    ):
        yield FakeWeChat(server.url, app, pay_server.url, certificates)


def pay_settings(fake_wechat) -> dict:
    """WeChat Pay pointed at the fake server over TLS, with the tests' merchant certificate."""
    return {
        "WECHAT_PAY_API_BASE": fake_wechat.pay_url,
        "WECHAT_PAY_MCH_CERT": str(fake_wechat.certificates.mch_cert),
        "WECHAT_PAY_MCH_KEY": str(fake_wechat.certificates.mch_key),
        "WECHAT_PAY_CA_BUNDLE": str(fake_wechat.certificates.ca),
    }


def _stack_config(tmp_path_factory) -> dict:
    if STACK == "real":
        return {"DATABASE_URL": REAL_DATABASE_URL, "REDIS_URL": REAL_REDIS_URL, "JOBS_INLINE": True}
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": None}


@pytest.fixture(scope="session")
def app(tmp_path_factory, fake_wechat):
    if STACK == "real":
        _require_real_services()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_API_BASE": fake_wechat.url,
        **pay_settings(fake_wechat),
        "NOTIFY_RETRY_DELAYS": (0, 0),
        "WTF_CSRF_ENABLED": False,
        # the test client's host: absolute links read http://localhost/…
        "PUBLIC_URL": "http://localhost",
        "STORAGE_URL": "file://" + str(tmp_path_factory.mktemp("storage")),
        # the H5 simulator is served by the fake WeChat server and calls the API from there
        "CORS_ORIGINS": [fake_wechat.url],
        **_stack_config(tmp_path_factory),
    }
    app = create_app(config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


def _require_real_services():
    try:
        engine = sa.create_engine(
            REAL_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://")
        )
        with engine.connect():
            pass
        engine.dispose()
        import redis

        redis.Redis.from_url(REAL_REDIS_URL).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.exit(f"real stack requested but PostgreSQL/Redis unreachable: {exc}", returncode=3)


_RESTART_SEQUENCES = """
SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false)
FROM pg_sequences WHERE schemaname = current_schema()
"""


def _empty_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: TRUNCATE gives each table new files and syncs them to
            # disk at commit, about 15x slower on these small tables (0.8 s against 0.05 s
            # per test on a busy machine). Foreign-key triggers are off while every table
            # is emptied (needs a superuser, as the test database's ``postgres`` is), and
            # the sequences start again at 1, as TRUNCATE … RESTART IDENTITY did.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in tables:
                conn.execute(table.delete())
            conn.exec_driver_sql(_RESTART_SEQUENCES)
        else:
            # invites and residencies refer to each other: check keys at commit, when empty
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app, fake_wechat):
    """An app context with empty tables, Redis, rate limits and fake WeChat state."""
    with app.app_context():
        redis_store.client.flushdb()
        limiter.reset()
        fake_wechat.state.reset()
        fake_wechat.pay.reset()
        app.extensions.pop("linli_wechat", None)
        app.extensions.pop("linli_wechat_pay", None)
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _empty_tables()


@pytest.fixture
def client(app, db):
    return app.test_client()
