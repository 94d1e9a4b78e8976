"""GET and HEAD requests mostly read: on PostgreSQL their session starts without a
transaction (no BEGIN, no COMMIT round trip for plain SELECTs); the first statement that
needs one (a write, a locking or streamed SELECT, a savepoint) begins it, and the request's
end commits or rolls it back as usual."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import Response

from backend.core.db import READ_ONLY, needs_transaction
from backend.extensions import db
from tests.conftest import STACK
from tests.factories import StreetFactory

real = pytest.mark.skipif(STACK != "real", reason="the read-only path is PostgreSQL's")

XACT_START = sa.text("SELECT xact_start FROM pg_stat_activity WHERE pid = pg_backend_pid()")


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


def test_what_needs_a_transaction():
    assert not needs_transaction("SELECT id FROM bills WHERE unit_id = 1")
    assert needs_transaction("SELECT id FROM bills FOR UPDATE")
    assert needs_transaction("select id from bills for no key update skip locked")
    assert needs_transaction("SELECT id FROM bills", streamed=True)
    for statement in ("INSERT INTO x VALUES (1)", "UPDATE x SET a = 1", "SAVEPOINT sa_1"):
        assert needs_transaction(statement)


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
