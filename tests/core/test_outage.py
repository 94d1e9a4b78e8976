"""A dependency that is down is a 503 with Retry-After and a Chinese body, never a 500;
``/healthz`` and ``/readyz`` for load balancers. (The real outages, through a proxy and a
stopped redis-server, are in tests/faults.)"""

from __future__ import annotations

import redis

from backend.config import Config
from tests.conftest import free_port


def _redis_away(app, monkeypatch):
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    monkeypatch.setitem(app.extensions, "linli_redis", dead)


def test_healthz_and_readyz_answer_when_all_is_well(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_does_not_answer(app, client, monkeypatch):
    _redis_away(app, monkeypatch)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["redis"] == "unavailable"
    assert ready.headers["Retry-After"] == str(Config.OUTAGE_RETRY_AFTER)
    assert client.get("/healthz").status_code == 200


def test_a_route_that_needs_redis_answers_503_in_chinese_when_redis_is_down(
    app, client, monkeypatch
):
    _redis_away(app, monkeypatch)
    # a WeChat sign-in is rate limited in Redis: no limit can be checked, so no sign-in
    answer = client.post("/api/v1/auth/wechat", json={"code": "x"})
    assert answer.status_code == 503
    assert answer.json["message"] == "服务暂时不可用，请稍后重试"
    assert answer.headers["Retry-After"]


def test_the_timeouts_are_settings_with_bounded_defaults(app):
    assert 0 < Config.DATABASE_CONNECT_TIMEOUT <= 5
    assert 0 < Config.DATABASE_STATEMENT_TIMEOUT <= 30
    assert 0 < Config.REDIS_SOCKET_TIMEOUT <= 10
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        args = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
        assert args["connect_timeout"] == app.config["DATABASE_CONNECT_TIMEOUT"]
        assert "statement_timeout=" in args["options"]
