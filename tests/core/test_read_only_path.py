"""GET and HEAD requests mostly read: on PostgreSQL their session runs in read-only mode,
without a transaction (no BEGIN, no COMMIT round trip for plain SELECTs); the first
statement that needs one (a write, a locking or streamed SELECT, a savepoint, text SQL)
begins it, decided by the construct and never by the SQL's wording, and the request's end
commits or rolls it back as usual."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Response

from backend.core.db import READ_ONLY, TRANSACTION
from backend.extensions import db
from backend.org.models import Street
from tests.conftest import STACK
from tests.factories import StreetFactory

real = pytest.mark.skipif(STACK != "real", reason="the read-only path is PostgreSQL's")

# a compiled SELECT (a text() statement would begin a transaction: its intent is unknown)
XACT_START = (
    sa.select(sa.column("xact_start"))
    .select_from(sa.table("pg_stat_activity"))
    .where(sa.column("pid") == sa.func.pg_backend_pid())
)


def _request(app, method: str, work, status: int = 200):
    """Run ``work()`` inside a request as the app runs one (before, after, teardown)."""
    db.session.close()
    with app.test_request_context("/api/v1/me", method=method):
        app.preprocess_request()
        try:
            return work()
        finally:
            app.process_response(Response(status=status))
            app.do_teardown_request()


def _two_transaction_starts():
    first = db.session.scalar(XACT_START)
    time.sleep(0.02)
    return first, db.session.scalar(XACT_START)


def _in_transaction(app, statement) -> bool:
    """Run ``statement`` in a GET; whether the connection is in a transaction after it."""
    from psycopg.pq import TransactionStatus

    def work():
        statement()
        dbapi = db.session.connection().connection.dbapi_connection
        return dbapi.info.transaction_status != TransactionStatus.IDLE

    return _request(app, "GET", work)


@real
def test_what_needs_a_transaction_is_told_by_the_construct_not_the_wording(app, db):
    street_id = StreetFactory().id
    db.session.commit()
    run = db.session.execute
    # plain reads, whatever their text says: a label reading "FOR UPDATE" locks nothing
    # (the old regular expression on the SQL text began a transaction for it)
    assert not _in_transaction(app, lambda: run(sa.select(Street.id)))
    assert not _in_transaction(app, lambda: run(sa.select(sa.literal(1).label("x FOR UPDATE"))))
    assert not _in_transaction(
        app, lambda: run(sa.union(sa.select(Street.id), sa.select(Street.id)))
    )
    # what needs one
    assert _in_transaction(app, lambda: run(sa.select(Street.id).with_for_update()))
    assert _in_transaction(app, lambda: db.session.get(Street, street_id, with_for_update=True))
    assert _in_transaction(app, lambda: db.session.begin_nested())
    assert _in_transaction(
        app, lambda: run(sa.update(Street).where(Street.id == -1).values(name="x"))
    )
    assert _in_transaction(app, lambda: run(sa.text("SELECT 1")))  # text: intent unknown
    # a SELECT whose effect lasts to the transaction's end says so explicitly: the lock
    # (which the regular expression took for a plain read, so it lasted one statement)
    # is held until the request ends
    lock = sa.select(sa.func.pg_advisory_xact_lock(18180)).execution_options(**{TRANSACTION: True})
    assert _in_transaction(app, lambda: run(lock))
    assert not _in_transaction(app, lambda: run(sa.select(sa.func.pg_advisory_xact_lock(18181))))


@real
def test_a_get_runs_plain_selects_outside_a_transaction(app, db):
    first, second = _request(app, "GET", _two_transaction_starts)
    assert second > first  # each statement was a transaction of its own: nothing to commit


@real
def test_a_post_runs_in_one_transaction(app, db):
    first, second = _request(app, "POST", _two_transaction_starts)
    assert second == first


@real
def test_a_write_in_a_get_begins_a_transaction_that_the_request_ends(app, db):
    def write_twice(tag=""):
        db.session.add(StreetFactory.build(name=f"甲街道{tag}"))
        db.session.flush()
        started = db.session.scalar(XACT_START)
        time.sleep(0.02)
        db.session.add(StreetFactory.build(name=f"乙街道{tag}"))
        db.session.flush()
        return started, db.session.scalar(XACT_START)

    first, second = _request(app, "GET", write_twice)
    assert first == second  # one transaction from the first write on
    names = sa.text("SELECT count(*) FROM streets WHERE name IN ('甲街道', '乙街道')")
    assert db.session.scalar(names) == 2  # committed at the end
    _request(app, "GET", lambda: write_twice("二"), status=500)  # an error rolls it back
    assert db.session.scalar(sa.text("SELECT count(*) FROM streets WHERE name LIKE '%二'")) == 0
    assert READ_ONLY not in db.session.info


@real
def test_a_streamed_select_in_a_get_works(app, db):
    def stream():
        rows = db.session.execute(
            sa.select(sa.literal(1)).execution_options(stream_results=True, yield_per=10)
        )
        return list(rows)

    assert _request(app, "GET", stream) == [(1,)]
