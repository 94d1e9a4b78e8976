"""The plan guard's data: a city-sized database of its own, built once per session.

It lives in a database of its own (the test database's name + ``_plan``, e.g.
``linli_reads_plan``), created and dropped here, so the per-test emptying of the test
database never touches it and it never slows the other tests. Its size is a setting:
``LINLI_PLAN_UNITS`` (default 100,000), ``LINLI_PLAN_BILLS`` (default 1,000,000),
``LINLI_PLAN_ESTATES`` (default 1,000).
"""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy as sa

from backend import create_app
from backend.extensions import db as _db
from tests.conftest import APPID, REAL_DATABASE_URL, REAL_REDIS_URL, SECRET, STACK
from tests.perf.bigdata import build

PLAN_UNITS = int(os.environ.get("LINLI_PLAN_UNITS", 100_000))
PLAN_BILLS = int(os.environ.get("LINLI_PLAN_BILLS", 1_000_000))
PLAN_ESTATES = int(os.environ.get("LINLI_PLAN_ESTATES", 1000))


def plan_database_url() -> str:
    """The plan database's URL: the test database's, with ``_plan`` added to its name."""
    url = sa.engine.make_url(REAL_DATABASE_URL)
    return url.set(database=f"{url.database}_plan").render_as_string(hide_password=False)


def _admin_engine():
    url = sa.engine.make_url(REAL_DATABASE_URL).set(
        drivername="postgresql+psycopg", database="postgres"
    )
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def plan_app(fake_wechat, tmp_path_factory):
    """An app on the plan database, filled by :func:`tests.perf.bigdata.build`."""
    if STACK != "real":
        pytest.skip("plans are PostgreSQL's: the plan guard runs on the real stack")
    url = plan_database_url()
    name = sa.engine.make_url(url).database
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "WECHAT_APPID": APPID,
            "WECHAT_SECRET": SECRET,
            "WECHAT_API_BASE": fake_wechat.url,
            "WTF_CSRF_ENABLED": False,
            "STORAGE_URL": "file://" + str(tmp_path_factory.mktemp("plan-storage")),
            "DATABASE_URL": url,
            "REDIS_URL": REAL_REDIS_URL,
            "JOBS_INLINE": True,
        }
    )
    started = time.perf_counter()
    try:
        with app.app_context():
            _db.create_all()
            with _db.engine.begin() as conn:
                app.config["PLAN_DATA"] = build(
                    conn, units=PLAN_UNITS, bills=PLAN_BILLS, estates=PLAN_ESTATES
                )
        print(f"\nplan database {name} built in {time.perf_counter() - started:.1f} s")
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
