"""The plan guard: every resident-facing read costs what it returns, however large the city.

On the plan database (:mod:`tests.perf.conftest`: 100,000 units, a million bills, tickets,
messages, motions and boards of 1,000 estates), a resident of the LAST unit calls every GET
operation of the resident API (taken from the OpenAPI document, so a new route is guarded
the day it is added), and a company admin of one estate among a thousand opens the panel's
hot lists. Every SQL statement a request sends is captured through SQLAlchemy's events and
run again under ``EXPLAIN (ANALYZE, BUFFERS)``: a statement that touches more than
:data:`MAX_BUFFERS` buffers (8 kB pages) fails the test — the cost of walking an index
from the first unit, which the first units never show.
"""

from __future__ import annotations

import contextlib
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from backend.accounts.models import Resident, Staff
from backend.authz.roles import StaffRole
from backend.extensions import db
from tests.admin.conftest import login
from tests.factories import StaffFactory
from tests.helpers import bearer

#: "a few hundred buffers": a page of one resident's rows and the index pages above them
MAX_BUFFERS = 300

#: statements of one resident request: a page of rows is read in a few, never one per row
MAX_STATEMENTS = 15

#: ids of a known row for a path parameter the resolver below has no query for
SECTION = "committee_notices"

#: the query string of an operation that needs one to answer 200
QUERIES = {"/api/v1/me/motions/{motion_id}/receipt-check": "receipt={receipt}"}


@contextlib.contextmanager
def captured_statements(engine):
    """Collect the (statement, parameters) of every statement ``engine`` sends meanwhile."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def buffers_of(engine, statement: str, parameters) -> int:
    """Shared buffers (hit + read) that ``statement`` touches, measured by running it under
    ``EXPLAIN (ANALYZE, BUFFERS)`` in a transaction that is rolled back."""
    with engine.connect() as conn:
        try:
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
            ).scalar_one()
        finally:
            conn.rollback()
    top = plan[0]["Plan"]
    return top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)


def measure(app, call) -> list[tuple[int, str]]:
    """(buffers, statement) of each statement ``call()`` sends, worst first."""
    with app.app_context():
        engine = db.engine
    with captured_statements(engine) as seen:
        response = call()
    with app.app_context():
        costs = [(buffers_of(db.engine, s, p), s) for s, p in seen]
    return response, sorted(costs, key=lambda c: -c[0])


def _one_line(statement: str) -> str:
    return re.sub(r"\s+", " ", statement)[:160]


def report(label: str, status: int, costs) -> str:
    worst = costs[0][0] if costs else 0
    lines = [f"{label}  → {status}, {len(costs)} statements, worst {worst} buffers"]
    # the costliest statements; the rest are cheaper still
    lines += [f"    {b:>7}  {_one_line(s)}" for b, s in costs[:5]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def last_resident(plan_app):
    """Ids of the last unit's resident and of a row of each kind they may see."""
    with plan_app.app_context():
        resident = db.session.scalars(sa.select(Resident).order_by(Resident.id.desc())).first()
        r = resident.id

        def one(sql: str) -> int:
            return db.session.execute(sa.text(sql), {"r": r}).scalar_one()

        ids = {
            "unit_id": one("SELECT max(unit_id) FROM residencies WHERE resident_id = :r"),
            "residency_id": one("SELECT max(id) FROM residencies WHERE resident_id = :r"),
            "building_id": one(
                "SELECT max(u.building_id) FROM units u JOIN residencies s ON s.unit_id = u.id "
                "WHERE s.resident_id = :r"
            ),
            "estate_id": one("SELECT max(estate_id) FROM residencies WHERE resident_id = :r"),
            "bill_id": one(
                "SELECT max(b.id) FROM bills b JOIN residencies s ON s.unit_id = b.unit_id "
                "WHERE s.resident_id = :r"
            ),
            "payment_id": one("SELECT max(id) FROM payments WHERE resident_id = :r"),
            "ticket_id": one("SELECT max(id) FROM tickets WHERE resident_id = :r"),
            "message_id": one("SELECT max(id) FROM notifications WHERE resident_id = :r"),
            "motion_id": one(
                "SELECT max(m.id) FROM motions m JOIN residencies s ON s.estate_id = m.estate_id "
                "WHERE s.resident_id = :r"
            ),
            "post_id": one(
                "SELECT max(p.id) FROM board_posts p "
                "JOIN residencies s ON s.estate_id = p.estate_id WHERE s.resident_id = :r"
            ),
            "code": SECTION,
            # the disclosed use over the resident's building (with its payment and quote)
            "use_id": one(
                "SELECT min(f.use_id) FROM fund_use_units f "
                "JOIN residencies s ON s.unit_id = f.unit_id WHERE s.resident_id = :r"
            ),
            # mediation: planned against its tables (the plan data has no cases yet)
            "case_id": one(
                "SELECT coalesce(max(case_id), 1) FROM mediation_parties WHERE resident_id = :r"
            ),
            # the plan data has no survey rows: planned against empty tables (a 404)
            "survey_id": one("SELECT coalesce(max(id), 1) FROM surveys"),
        }
        ids["receipt"] = db.session.execute(
            sa.text("SELECT receipt FROM ballots WHERE motion_id = :m ORDER BY seq DESC"),
            {"m": ids["motion_id"]},
        ).scalar()
        return resident, bearer(resident), ids


def resident_get_paths(client) -> list[str]:
    """Every GET operation of the resident API that needs a resident's token."""
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if get and any("bearer" in s for s in get.get("security", [])):
            paths.append(path)
    return sorted(paths)


def test_every_resident_read_is_planned_from_the_resident(plan_app, last_resident):
    """A resident of the last of 100,000 units: no statement of any GET route reads more
    than a few hundred buffers (the first page of each list, and its count), and no route
    sends more than a few statements."""
    _, headers, ids = last_resident
    client = plan_app.test_client()
    paths = resident_get_paths(client)
    assert "/api/v1/me/bills" in paths and "/api/v1/me/motions" in paths
    failures, reports = [], []
    for path in paths:
        unknown = set(re.findall(r"\{(\w+)\}", path)) - set(ids)
        assert not unknown, f"{path}: give last_resident an id for {unknown}"
        url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        if path in QUERIES:
            url += "?" + QUERIES[path].format(**ids)
        response, costs = measure(plan_app, lambda url=url: client.get(url, headers=headers))
        reports.append(report(url, response.status_code, costs))
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        if costs and costs[0][0] > MAX_BUFFERS:
            failures.append(f"{url}: {costs[0][0]} buffers")
        if len(costs) > MAX_STATEMENTS:
            failures.append(f"{url}: {len(costs)} statements")
    print("\n" + "\n".join(reports))
    assert not failures, failures


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tickets",
        "/admin/bills?q={number}",
        "/admin/bills?unit_id={unit_id}",
        "/admin/units/{unit_id}",
    ],
)
def test_the_panels_hot_lists_cost_one_estates_rows(plan_app, last_resident, path):
    """A company admin of the last estate among 1,000: the ticket queue, the cashier's
    search for a unit and the bills of a unit read a few hundred buffers at most."""
    _, _, ids = last_resident
    with plan_app.app_context():
        estate_id = ids["estate_id"]
        company_id = db.session.execute(
            sa.text("SELECT company_id FROM estates WHERE id = :e"), {"e": estate_id}
        ).scalar_one()
        number = db.session.execute(
            sa.text("SELECT number FROM units WHERE id = :u"), {"u": ids["unit_id"]}
        ).scalar_one()
        if db.session.scalar(sa.select(Staff.id).where(Staff.username == "plan-admin")) is None:
            StaffFactory(username="plan-admin", role=StaffRole.company_admin, company_id=company_id)
    client = plan_app.test_client()
    assert login(client, SimpleNamespace(username="plan-admin")).status_code in (302, 303)
    url = path.format(number=number, **ids)
    response, costs = measure(plan_app, lambda: client.get(url))
    print("\n" + report(url, response.status_code, costs))
    assert response.status_code == 200
    assert costs[0][0] <= MAX_BUFFERS, report(url, response.status_code, costs)
