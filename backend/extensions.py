"""Flask extensions, created here and bound to the app in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable

import redis
import sqlalchemy as sa
from flask import Flask, current_app
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """The app's session: while a request only reads (``backend.core.db.READ_ONLY``) its
    queries run on the autocommit engine, with no transaction to commit."""

    def get_bind(self, *args, **kwargs):
        from backend.core.db import read_only_bind

        return read_only_bind(self, super().get_bind(*args, **kwargs))


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
cors = CORS()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def configured_limit(name: str) -> Callable[[], str]:
    """The rate limit in setting ``name`` (``RATELIMIT_*``), read when a request is checked."""
    return lambda: current_app.config[name]


class RedisConnection:
    """The app's Redis client: a real server with ``REDIS_URL``, else fakeredis in-process."""

    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            from backend.config import redis_timeouts

            client = redis.Redis.from_url(url, **redis_timeouts(app.config))
        else:
            try:
                import fakeredis
            except ImportError:  # pragma: no cover - an install without the extra
                raise RuntimeError(
                    "REDIS_URL is not set and fakeredis is not installed: set REDIS_URL, or "
                    "pip install 'linli[embedded]' for the embedded stack"
                ) from None
            # one in-process server per app, so every client of this app sees the same data
            client = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        app.extensions["linli_redis"] = client

    @property
    def client(self) -> redis.Redis:
        return current_app.extensions["linli_redis"]


redis_store = RedisConnection()
