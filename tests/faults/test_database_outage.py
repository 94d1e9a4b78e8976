"""PostgreSQL refusing connections or hanging: every route answers 503 (Chinese body,
Retry-After) within the configured bound, never a 500 or a stall; when it is back, work
goes on, and nothing was half-written (a payment order, a ticket, a ballot: the ballots'
hash chain stays whole)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend import create_app
from backend.accounts.models import StaffRole
from backend.core.outage import OUTAGE_MESSAGE
from backend.fees.models import PaymentOrder
from backend.tickets.models import Ticket
from backend.votes.chain import chain_valid
from backend.votes.models import Motion
from backend.votes.publication import ballot_list
from tests.conftest import REAL_DATABASE_URL, REAL_REDIS_URL
from tests.factories import BuildingFactory, EstateFactory, StaffFactory
from tests.faults.conftest import proxied_url
from tests.fees.conftest import pay
from tests.helpers import bearer
from tests.votes.conftest import VoteWorld

#: short bounds for the test: 1 s to connect, 2 s per statement (the call limit is 3 s)
TIMEOUTS = {"DATABASE_CONNECT_TIMEOUT": 1, "DATABASE_STATEMENT_TIMEOUT": 2}
SHARED = (
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_PAY_API_BASE",
    "WECHAT_PAY_MCH_CERT",
    "WECHAT_PAY_MCH_KEY",
    "WECHAT_PAY_CA_BUNDLE",
    "STORAGE_URL",
    "NOTIFY_RETRY_DELAYS",
)


@pytest.fixture
def proxied_app(app, db, pg_proxy):
    """The app with its database behind the proxy (the test database, same tables)."""
    config = {key: app.config[key] for key in SHARED}
    proxied = create_app(
        {
            **config,
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": proxied_url(REAL_DATABASE_URL, pg_proxy.port),
            "REDIS_URL": REAL_REDIS_URL,
            "JOBS_INLINE": True,
            **TIMEOUTS,
        }
    )
    yield proxied
    from backend.extensions import db as _db

    with proxied.app_context():
        _db.engine.dispose()


def _ticket(client, home):
    return client.post(
        "/api/v1/tickets",
        json={
            "kind": "home_repair",
            "urgency": "urgent",
            "unit_id": home.unit.id,
            "description": "卫生间漏水到楼下",
        },
        headers=home.headers,
    )


def _assert_503(answer, started: float, bound: float) -> None:
    assert answer.status_code == 503, answer.data[:300]
    assert answer.json["message"] == OUTAGE_MESSAGE
    assert int(answer.headers["Retry-After"]) > 0
    assert time.monotonic() - started < bound


def _rows(db, model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_postgresql_refusing_is_503_at_once_then_work_resumes(db, home, proxied_app, pg_proxy):
    client = proxied_app.test_client()
    assert client.get("/api/v1/me/bills", headers=home.headers).status_code == 200

    pg_proxy.set("refuse")
    for call in (
        lambda: client.get("/api/v1/me/bills", headers=home.headers),
        lambda: pay(client, home.headers, [b.id for b in home.bills]),
        lambda: _ticket(client, home),
    ):
        started = time.monotonic()
        _assert_503(call(), started, bound=3)
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json["checks"]["database"]) == (503, "unavailable")

    pg_proxy.set("pass")
    assert client.get("/readyz").status_code == 200
    assert pay(client, home.headers, [b.id for b in home.bills]).status_code == 201
    assert _ticket(client, home).status_code == 201
    assert (_rows(db, PaymentOrder), _rows(db, Ticket)) == (1, 1)


def test_postgresql_hanging_costs_a_bounded_wait_and_a_503_then_work_resumes(
    db, home, proxied_app, pg_proxy
):
    client = proxied_app.test_client()
    assert client.get("/api/v1/me/bills", headers=home.headers).status_code == 200

    pg_proxy.set("hang")
    # the pooled connection's ping is cut at the call limit (3 s), a new connection gives
    # up after the connect timeout (1 s): a bounded wait, far below gunicorn's 30 s
    for call in (
        lambda: pay(client, home.headers, [b.id for b in home.bills]),
        lambda: _ticket(client, home),
    ):
        started = time.monotonic()
        _assert_503(call(), started, bound=8)

    pg_proxy.set("pass")
    assert pay(client, home.headers, [b.id for b in home.bills]).status_code == 201
    assert _ticket(client, home).status_code == 201
    assert (_rows(db, PaymentOrder), _rows(db, Ticket)) == (1, 1)


@pytest.fixture
def vote(db):
    """An open motion with two owners of two units; the first has voted."""
    estate = EstateFactory()
    world = VoteWorld(
        estate=estate,
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        building=BuildingFactory(estate=estate, name="1幢"),
    )
    first = world.owner(world.unit("90.00", ["甲"]))
    second = world.owner(world.unit("80.00", ["乙"]))
    world.live = world.live_motion()
    world.url = f"/api/v1/me/motions/{world.live.id}/ballot"
    world.first, world.second = bearer(first), bearer(second)
    return world


def _chain(db, motion_id: int) -> tuple[int, int, bool | None]:
    """Ballots stored, the motion's count, and whether the chain is whole up to its head."""
    db.session.rollback()
    motion = db.session.get(Motion, motion_id)
    ballots = [{**b, "area": Decimal(b["area"])} for b in ballot_list(motion)]
    return len(ballots), motion.ballot_count, chain_valid(ballots, motion.chain_head)


@pytest.mark.parametrize(
    ("fault", "when"),
    [("refuse", "commit"), ("hang", "insert"), ("hang", "commit")],
    ids=["refusing-at-commit", "hanging-after-the-insert", "hanging-at-commit"],
)
def test_postgresql_failing_while_a_ballot_is_cast_is_503_and_leaves_no_half_ballot(
    db, vote, proxied_app, pg_proxy, fault, when
):
    client = proxied_app.test_client()
    assert client.post(vote.url, json={"choice": "agree"}, headers=vote.first).status_code == 201
    assert _chain(db, vote.live.id) == (1, 1, True)

    # the database fails in the middle of the second ballot: after its row was sent, or
    # when its transaction commits (the row and the motion's new chain head are in flight)
    from backend.extensions import db as proxied_db

    with proxied_app.app_context():
        engine = proxied_db.engine
    seen = {"ballot": False}

    def after_statement(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO BALLOTS"):
            seen["ballot"] = True
            if when == "insert":
                pg_proxy.set(fault)

    def at_commit(conn):
        if seen["ballot"] and when == "commit":
            pg_proxy.set(fault)

    sa.event.listen(engine, "after_cursor_execute", after_statement)
    sa.event.listen(engine, "commit", at_commit)
    started = time.monotonic()
    answer = client.post(vote.url, json={"choice": "oppose"}, headers=vote.second)
    _assert_503(answer, started, bound=8)
    assert seen["ballot"]
    sa.event.remove(engine, "after_cursor_execute", after_statement)
    sa.event.remove(engine, "commit", at_commit)

    pg_proxy.set("pass")  # what the hang held is lost, as after a network partition
    assert _chain(db, vote.live.id) == (1, 1, True)  # nothing of the second ballot
    again = client.post(vote.url, json={"choice": "oppose"}, headers=vote.second)
    assert again.status_code == 201, again.json
    assert _chain(db, vote.live.id) == (2, 2, True)
