"""Settings that keep production safe."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask
import pytest

from backend import create_app
from backend.config import Config, ConfigError, finalize, parse_values
from backend.extensions import db as _db
from backend.wechat.templates import DEFAULT_FILE
from tests.conftest import APPID, REAL_DATABASE_URL, REAL_REDIS_URL, SECRET, STACK


def test_a_real_database_with_the_development_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def _documented_variables() -> set[str]:
    """The variables in README's configuration table."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Configuration", 1)[1].split("\n\n", 2)[1]
    names = set()
    for row in table.splitlines()[2:]:
        names.update(re.findall(r"`([A-Z_]+)`", row.split("|")[1]))
    return names


def test_each_documented_variable_is_read_from_the_environment_and_sign_in_works(
    db, fake_wechat, monkeypatch, tmp_path
):
    templates_file = tmp_path / "templates.toml"
    templates_file.write_text(DEFAULT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    environment = {
        "SECRET_KEY": "a-key-from-the-environment",
        "DATABASE_URL": REAL_DATABASE_URL if STACK == "real" else f"sqlite:///{tmp_path}/e.db",
        "JOBS_INLINE": "yes",
        "STORAGE_URL": f"file://{tmp_path}/storage",
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": SECRET,
        "WECHAT_API_BASE": fake_wechat.url,
        "WECHAT_TEMPLATES_FILE": str(templates_file),
        "WECHAT_PAY_MCH_ID": "1900000109",
        "WECHAT_PAY_API_KEY": "linlidemopaykey00000000000000000",
        "WECHAT_PAY_API_BASE": fake_wechat.url,
        "WECHAT_PAY_NOTIFY_URL": "https://linli.example/api/v1/payments/wechat/notify",
        "LINLI_WECHAT_PAY_ORDER_TTL": "20m",
        "CORS_ORIGINS": "http://a.example,http://b.example",
        "RATELIMIT_LOGIN": "6 per 5 minutes",
        "RATELIMIT_LOGIN_ADDRESS": "21 per 5 minutes",
        "RATELIMIT_SIGN_IN": "31 per minute",
        "RATELIMIT_BINDING": "11 per minute",
        "RATELIMIT_OWNER_INVITE": "12 per hour",
        "PROXY_COUNT": "1",
        # README's own example: whole seconds
        "LINLI_RESIDENT_TOKEN_TTL": "3600",
        "LINLI_INVITE_TTL": "2d",
        "LINLI_STAFF_INVITE_TTL": "36h",
        "LINLI_NOTIFY_RETRY_DELAYS": "10,1m",
        "LINLI_NOTIFY_STALE_AFTER": "45m",
        "LINLI_JOBS_QUEUE": "linli-env",
        "PREFERRED_URL_SCHEME": "https",
        "LINLI_SESSION_COOKIE_SECURE": "false",
        "LINLI_HSTS_MAX_AGE": "600",
        "LINLI_BOARD_PUBLIC_URL": "https://linli.example.gov.cn",
        "LINLI_PUBLIC_URL": "https://www.linli.example.gov.cn/",
        "LINLI_TRUSTED_HOSTS": ".linli.example.gov.cn,localhost",
        "LINLI_BOARD_POSTER_FONT": "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "LINLI_VOTE_NOTICE_DAYS": "20",
        "LINLI_VOTE_NOTICE_DAYS_EXTRAORDINARY": "10",
        "LINLI_VOTE_NOTICE_DAYS_BY_CITY": '{"深圳市": {"ordinary": 21}}',
        "LINLI_VOTE_CLOSING_REMINDER": "12h",
        "LINLI_RATELIMIT_BALLOT": "5 per minute",
        "LINLI_NOTIFY_BATCH_SIZE": "50",
        "LINLI_NOTIFY_BATCH_SECONDS": "30",
        "LINLI_FAULT_PAUSE": "no-such-point",
        "LINLI_FAULT_PAUSE_MARKER": str(tmp_path / "paused.pid"),
        "LINLI_FAULT_PAUSE_SECONDS": "5",
        "LINLI_OUTBOX_MAX_ATTEMPTS": "5",
        "LINLI_OUTBOX_BACKOFF": "20",
        "LINLI_OUTBOX_BACKOFF_MAX": "600",
        "LINLI_OUTBOX_REDISPATCH_AFTER": "2m",
        "LINLI_OUTBOX_STALE_AFTER": "1h",
        "WECHAT_PAY_MCH_CERT": str(tmp_path / "apiclient_cert.pem"),
        "WECHAT_PAY_MCH_KEY": str(tmp_path / "apiclient_key.pem"),
        "LINLI_WECHAT_PAY_CA_BUNDLE": str(tmp_path / "ca.pem"),
        "LINLI_REFUND_RETRY_DELAYS": "5,1m",
        "LINLI_DATABASE_CONNECT_TIMEOUT": "2",
        "LINLI_DATABASE_STATEMENT_TIMEOUT": "20",
        "LINLI_REDIS_CONNECT_TIMEOUT": "1",
        "LINLI_REDIS_SOCKET_TIMEOUT": "3",
        "LINLI_OUTAGE_RETRY_AFTER": "7",
        "LINLI_VOICE_MAX_BYTES": "1048576",
        "LINLI_VOICE_MAX_SECONDS": "30",
        "LINLI_VOICE_DECODE_SECONDS": "5",
        "LINLI_RATELIMIT_VOICE_UPLOAD": "5 per minute",
        "LINLI_SURVEY_MIN_ANSWERS": "12",
        "LINLI_SURVEY_REMINDER": "24h",
        "LINLI_RATELIMIT_SURVEY_ANSWER": "7 per minute",
        "LINLI_TICKET_URGE_HOURS": "12",
        "LINLI_RATELIMIT_TICKET_URGE": "4 per hour",
        "LINLI_SURVEY_EVALUATION_WEIGHT": "15",
        "LINLI_SURVEY_EVALUATION_WEIGHT_BY_CITY": '{"杭州市": 10}',
        "LINLI_SURVEY_STAR_BANDS": "[5, 20, 80, 95]",
    }
    if STACK == "real":
        environment["REDIS_URL"] = REAL_REDIS_URL
    # the embedded stack has no Redis server to name: unset REDIS_URL means fakeredis
    assert _documented_variables() - {"REDIS_URL"} <= environment.keys()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    app = create_app()

    assert app.config["RESIDENT_TOKEN_TTL"] == timedelta(hours=1)
    assert app.config["INVITE_TTL"] == timedelta(days=2)
    assert app.config["STAFF_INVITE_TTL"] == timedelta(hours=36)
    assert app.config["NOTIFY_RETRY_DELAYS"] == (10, 60)
    assert app.config["NOTIFY_STALE_AFTER"] == timedelta(minutes=45)
    assert app.config["JOBS_INLINE"] is True
    assert app.config["PROXY_COUNT"] == 1
    assert app.config["CORS_ORIGINS"] == ["http://a.example", "http://b.example"]
    assert app.config["JOBS_QUEUE"] == "linli-env"
    assert app.config["RATELIMIT_BINDING"] == "11 per minute"
    assert app.config["WECHAT_TEMPLATES_FILE"] == str(templates_file)
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["HSTS_MAX_AGE"] == 600
    assert app.config["RATELIMIT_OWNER_INVITE"] == "12 per hour"
    assert (app.config["VOTE_NOTICE_DAYS"], app.config["VOTE_NOTICE_DAYS_EXTRAORDINARY"]) == (
        20,
        10,
    )
    assert app.config["VOTE_NOTICE_DAYS_BY_CITY"] == {"深圳市": {"ordinary": 21}}
    assert app.config["VOTE_CLOSING_REMINDER"] == timedelta(hours=12)
    assert app.config["RATELIMIT_BALLOT"] == "5 per minute"
    assert (app.config["VOICE_MAX_BYTES"], app.config["VOICE_MAX_SECONDS"]) == (1048576, 30)
    assert app.config["VOICE_DECODE_SECONDS"] == 5
    assert app.config["RATELIMIT_VOICE_UPLOAD"] == "5 per minute"
    assert app.config["SURVEY_MIN_ANSWERS"] == 12
    assert app.config["SURVEY_REMINDER"] == timedelta(hours=24)
    assert app.config["RATELIMIT_SURVEY_ANSWER"] == "7 per minute"
    assert app.config["TICKET_URGE_HOURS"] == 12
    assert app.config["RATELIMIT_TICKET_URGE"] == "4 per hour"
    assert app.config["SURVEY_EVALUATION_WEIGHT"] == 15
    assert app.config["SURVEY_EVALUATION_WEIGHT_BY_CITY"] == {"杭州市": 10}
    assert app.config["SURVEY_STAR_BANDS"] == [5, 20, 80, 95]
    assert (app.config["OUTBOX_MAX_ATTEMPTS"], app.config["OUTBOX_BACKOFF"]) == (5, 20)
    assert app.config["OUTBOX_BACKOFF_MAX"] == 600
    assert (app.config["NOTIFY_BATCH_SIZE"], app.config["NOTIFY_BATCH_SECONDS"]) == (50, 30)
    assert app.config["FAULT_PAUSE"] == "no-such-point"
    assert app.config["FAULT_PAUSE_MARKER"].endswith("paused.pid")
    assert float(app.config["FAULT_PAUSE_SECONDS"]) == 5
    assert app.config["OUTBOX_REDISPATCH_AFTER"] == timedelta(minutes=2)
    assert app.config["OUTBOX_STALE_AFTER"] == timedelta(hours=1)
    assert app.config["WECHAT_PAY_MCH_CERT"].endswith("apiclient_cert.pem")
    assert app.config["WECHAT_PAY_MCH_KEY"].endswith("apiclient_key.pem")
    assert app.config["WECHAT_PAY_CA_BUNDLE"].endswith("ca.pem")
    assert app.config["REFUND_RETRY_DELAYS"] == (5, 60)
    assert (app.config["DATABASE_CONNECT_TIMEOUT"], app.config["DATABASE_STATEMENT_TIMEOUT"]) == (
        2,
        20,
    )
    assert (app.config["REDIS_CONNECT_TIMEOUT"], app.config["REDIS_SOCKET_TIMEOUT"]) == (1, 3)
    assert app.config["OUTAGE_RETRY_AFTER"] == 7
    assert app.config["WECHAT_PAY_ORDER_TTL"] == timedelta(minutes=20)
    assert app.config["WECHAT_PAY_NOTIFY_URL"].startswith("https://linli.example/")
    assert app.config["BOARD_PUBLIC_URL"] == "https://linli.example.gov.cn"
    assert app.config["PUBLIC_URL"] == "https://www.linli.example.gov.cn"
    assert app.config["TRUSTED_HOSTS"] == [".linli.example.gov.cn", "localhost"]
    assert app.config["BOARD_POSTER_FONT"].endswith("wqy-microhei.ttc")
    with app.app_context():
        _db.create_all()
        resp = app.test_client().post(
            "/api/v1/auth/wechat", json={"code": fake_wechat.login_code("o-from-env")}
        )
        _db.engine.dispose()

    assert resp.status_code == 200, resp.json
    lasts = datetime.fromisoformat(resp.json["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < lasts <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LINLI_RESIDENT_TOKEN_TTL", "soon"),
        ("LINLI_INVITE_TTL", "-5"),
        ("LINLI_NOTIFY_RETRY_DELAYS", "30,later"),
        ("JOBS_INLINE", "perhaps"),
        ("PROXY_COUNT", "one"),
    ],
)
def test_a_value_that_cannot_be_read_stops_the_app_naming_the_variable(
    monkeypatch, variable, value
):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=variable):
        create_app({"TESTING": True})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (3600, timedelta(hours=1)),
        ("3600", timedelta(hours=1)),
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        (timedelta(days=1), timedelta(days=1)),
    ],
)
def test_durations_are_read_in_seconds_or_with_a_unit(given, expected):
    config = {**{k: v for k, v in vars(Config).items() if k.isupper()}, "INVITE_TTL": given}

    parse_values(config)

    assert config["INVITE_TTL"] == expected


def test_behind_a_proxy_the_clients_address_is_used(tmp_path, fake_wechat):
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/p.sqlite3", "TESTING": True, "PROXY_COUNT": 1}
    )

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return {"address": request.remote_addr}

    resp = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )

    assert resp.json == {"address": "203.0.113.7"}


@pytest.mark.parametrize(
    "service",
    [
        {"REDIS_URL": "redis://127.0.0.1:6379/3"},
        {"STORAGE_URL": "s3://bucket/linli"},
        {"DATABASE_URL": "postgresql://db/linli"},
    ],
    ids=lambda s: next(iter(s)),
)
def test_any_production_service_with_the_development_key_is_refused(service):
    with pytest.raises(ConfigError, match=f"SECRET_KEY must be set when {next(iter(service))}"):
        create_app(service)


def _embedded_config() -> flask.Config:
    config = flask.Config(".")
    config.from_object(Config)
    return config


def test_the_embedded_stack_makes_its_own_random_key_once(tmp_path):
    first, second, elsewhere = _embedded_config(), _embedded_config(), _embedded_config()

    finalize(first, str(tmp_path / "instance"))
    finalize(second, str(tmp_path / "instance"))
    finalize(elsewhere, str(tmp_path / "other"))

    key_file = tmp_path / "instance" / "secret_key"
    assert first["SECRET_KEY"] != Config.DEV_SECRET_KEY and len(first["SECRET_KEY"]) >= 48
    assert second["SECRET_KEY"] == first["SECRET_KEY"] == key_file.read_text()
    assert elsewhere["SECRET_KEY"] != first["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_a_given_key_is_used_as_given(tmp_path):
    config = _embedded_config()
    config["SECRET_KEY"] = "a-key-from-the-environment"

    finalize(config, str(tmp_path))

    assert config["SECRET_KEY"] == "a-key-from-the-environment"
    assert not (tmp_path / "secret_key").exists()
