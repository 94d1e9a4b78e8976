"""Benchmark of the supervision dashboard on PostgreSQL: rollups against a naive aggregate
over the raw ticket events, for one street and for the whole city.

It builds its own database (``--database``, default ``linli_bench_dashboard``: dropped and
made anew by the migrations, dropped afterwards unless ``--keep``; see ``bench/common.py``)
and generates, with set-based SQL:

- a city of ``--estates`` estates (default 1,000) in ``--streets`` streets of one district,
  served by ``--companies`` companies (default 20);
- ``--tickets`` tickets (default 2,000,000) over the year 2025, each with its events
  (submitted by a resident, accepted and resolved by the company's staff, closed),
  response and resolution times drawn from exponential distributions; a third rated;
- their per-ticket facts and the day/week/month rollups, built from the facts with the
  same bucket rule as ``backend/supervision/rollups.py``.

Then it times, as a street officer and as the district's bureau officer, the dashboard of
the year (``dashboard.overview``: totals, by company, by month, through the app's
services) beside the naive equivalent: the same figures computed from
``tickets`` and ``ticket_events`` with ``percentile_cont`` (first staff event, last
resolution per ticket). Counts must agree; medians must be within one bucket width.

Run from the repository root: ``.venv/bin/python bench/dashboard.py`` (``--tickets 200000``
for a shorter run, ``--smoke`` for seconds). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.me_load import drop_database, recreate_database  # noqa: E402

YEAR_START = "2025-01-01 00:00:00+08"
#: the year in Asia/Shanghai as the naive UTC times ``tickets.created_at`` holds
START_UTC, END_UTC = "2024-12-31 16:00:00", "2025-12-31 16:00:00"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    common.add_arguments(p, "dashboard")
    p.add_argument("--tickets", type=int, default=2_000_000)
    p.add_argument("--estates", type=int, default=1000)
    p.add_argument("--streets", type=int, default=50)
    p.add_argument("--companies", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5, help="timed runs of each query (median)")
    args = p.parse_args(argv)
    return common.smoke(args, tickets=2000, estates=40, streets=4, companies=4, repeats=1)


def make_app(url: str):
    from backend import create_app

    return create_app(
        {
            "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
            "SECRET_KEY": "bench-supervision-not-secret-000000000000",
            "REDIS_URL": None,
        }
    )


def migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(ROOT / "backend" / "migrations"))


def generate(app, args) -> dict:
    """The city, its tickets, events, facts and rollups (set-based SQL); timings."""
    from backend.extensions import db
    from backend.supervision.models import (
        BUCKETS,
        COUNTERS,
        RESOLUTION_COLUMNS,
        RESPONSE_COLUMNS,
    )

    t = {}
    sql = db.text
    with app.app_context():
        s = db.session
        start = time.perf_counter()
        s.execute(
            sql(
                "INSERT INTO streets (id, name, district, city) SELECT g, '街道' || g, '西湖区', "
                "'杭州市' FROM generate_series(1, :n) g"
            ),
            {"n": args.streets},
        )
        s.execute(
            sql(
                "INSERT INTO communities (id, street_id, name) SELECT g, g, '社区' || g "
                "FROM generate_series(1, :n) g"
            ),
            {"n": args.streets},
        )
        s.execute(
            sql(
                "INSERT INTO companies (id, name, credit_code, phone) SELECT g, '物业公司' || g, "
                "lpad(g::text, 18, '9'), '' FROM generate_series(1, :n) g"
            ),
            {"n": args.companies},
        )
        s.execute(
            sql(
                "INSERT INTO estates (id, community_id, street_id, name, address, "
                "management_mode, company_id) SELECT g, 1 + g % :s, 1 + g % :s, '小区' || g, '', "
                "'company', 1 + g % :c FROM generate_series(1, :n) g"
            ),
            {"n": args.estates, "s": args.streets, "c": args.companies},
        )
        s.execute(
            sql(
                "INSERT INTO staff (id, username, name, phone, password_hash, role, company_id, "
                "active, created_at, session_version) SELECT g, 'desk' || g, '客服' || g, '', "
                "'x', 'service_desk', g, true, now(), 0 FROM generate_series(1, :c) g"
            ),
            {"c": args.companies},
        )
        s.execute(
            sql(
                "INSERT INTO staff (id, username, name, phone, password_hash, role, street_id, "
                "district, active, created_at, session_version) VALUES "
                "(:a, 'street1', '街道', '', 'x', 'street_officer', 1, NULL, true, now(), 0), "
                "(:b, 'bureau', '区住建', '', 'x', 'bureau_officer', NULL, '西湖区', true, "
                "now(), 0)"
            ),
            {"a": args.companies + 1, "b": args.companies + 2},
        )
        s.execute(
            sql(
                "INSERT INTO residents (id, openid, nickname, name, phone, token_version, "
                "created_at) VALUES (1, 'bench-openid', '', '', '', 1, now())"
            )
        )
        # the generated tickets: estate, kind, creation, response and resolution minutes
        # (g::bigint: g * 7919 passes int4 at 271,183 tickets)
        s.execute(
            sql(
                "CREATE UNLOGGED TABLE gen AS SELECT g AS id, "
                "1 + (g::bigint * 7919) % :e AS estate_id, "
                "(ARRAY['home_repair','shared_repair','complaint','report'])[1 + g % 4] AS kind, "
                f"timestamptz '{YEAR_START}' + random() * interval '364 days' AS created_at, "
                "floor(-ln(1 - random()) * 90)::int AS resp, "
                "floor(-ln(1 - random()) * 2880)::int AS extra, "
                "CASE WHEN g % 3 = 0 THEN 1 + g % 5 END AS rating "
                "FROM generate_series(1, :n) g"
            ),
            {"e": args.estates, "n": args.tickets},
        )
        s.execute(
            sql(
                "INSERT INTO tickets (id, estate_id, location, kind, category, urgency, "
                "description, state, resident_id, created_at, rating, rating_comment) "
                "SELECT id, estate_id, '公共区域', kind, '', 'normal', '楼道灯不亮', 'closed', 1, "
                "created_at, rating, '' FROM gen"
            )
        )
        t["tickets_s"] = time.perf_counter() - start
        start = time.perf_counter()
        s.execute(
            sql(
                "INSERT INTO ticket_events (ticket_id, at, action, from_state, to_state, "
                "resident_id, staff_id, note) "
                "SELECT id, created_at, 'created', NULL, 'submitted', 1, NULL, '' FROM gen "
                "UNION ALL SELECT gen.id, created_at + resp * interval '1 minute', 'accept', "
                "'submitted', 'accepted', NULL, e.company_id, '' FROM gen "
                "JOIN estates e ON e.id = gen.estate_id "
                "UNION ALL SELECT gen.id, created_at + (resp + extra) * interval '1 minute', "
                "'resolve', 'accepted', 'resolved', NULL, e.company_id, '' FROM gen "
                "JOIN estates e ON e.id = gen.estate_id "
                "UNION ALL SELECT id, created_at + (resp + extra + 1440) * interval '1 minute', "
                "'close', 'resolved', 'closed', 1, NULL, '' FROM gen"
            )
        )
        s.execute(sql("SELECT setval('ticket_events_id_seq', (SELECT max(id) FROM ticket_events))"))
        t["events_s"] = time.perf_counter() - start
        start = time.perf_counter()
        # facts: the rules of rollups.facts_of for these simple lives (normal repair limits
        # for every kind: respond 120 min, resolve 72 h)
        s.execute(
            sql(
                "INSERT INTO supervision_ticket_facts (ticket_id, day, estate_id, company_id, "
                "kind, responded, response_minutes, resolved, resolution_minutes, overdue, "
                "reopened, escalated, rated, rating, response_in_sla, resolution_in_sla, "
                "supervised) SELECT gen.id, (created_at AT TIME ZONE 'Asia/Shanghai')::date, "
                "gen.estate_id, e.company_id, kind, true, resp, true, resp + extra, "
                "resp > 120 OR resp + extra > 4320, false, false, rating IS NOT NULL, rating, "
                "resp <= 120, resp + extra <= 4320, false FROM gen "
                "JOIN estates e ON e.id = gen.estate_id"
            )
        )
        flags = [c for c in COUNTERS if c not in ("submitted", "satisfaction_sum")]
        bounds = "ARRAY[" + ",".join(str(b) for b in BUCKETS) + "]"
        columns = [
            "grain",
            "period",
            "estate_id",
            "company_id",
            "kind",
            *COUNTERS,
            "response_minutes_sum",
            "resolution_minutes_sum",
            *RESPONSE_COLUMNS,
            *RESOLUTION_COLUMNS,
        ]
        values = [
            "count(*)" if c == "submitted" else
            "coalesce(sum(rating), 0)" if c == "satisfaction_sum" else
            f"sum({c}::int)"
            for c in COUNTERS
        ]  # fmt: skip
        values += ["coalesce(sum(response_minutes), 0)", "coalesce(sum(resolution_minutes), 0)"]
        values += [
            f"count(*) FILTER (WHERE width_bucket(response_minutes, {bounds}) = {i + 1})"
            for i in range(len(BUCKETS))
        ]
        values += [
            f"count(*) FILTER (WHERE width_bucket(resolution_minutes, {bounds}) = {i + 1})"
            for i in range(len(BUCKETS))
        ]
        assert flags  # the same counters as the app's
        s.execute(
            sql(
                f"INSERT INTO supervision_rollups ({', '.join(columns)}) "
                "SELECT g.grain, CASE g.grain WHEN 'day' THEN f.day "
                "WHEN 'week' THEN date_trunc('week', f.day)::date "
                "ELSE date_trunc('month', f.day)::date END, "
                f"estate_id, company_id, kind, {', '.join(values)} "
                "FROM supervision_ticket_facts f "
                "CROSS JOIN (VALUES ('day'), ('week'), ('month')) AS g(grain) "
                "GROUP BY 1, 2, 3, 4, 5"
            )
        )
        s.execute(sql("DROP TABLE gen"))
        s.commit()
        t["rollups_s"] = time.perf_counter() - start
        for table in (
            "tickets",
            "ticket_events",
            "supervision_ticket_facts",
            "supervision_rollups",
        ):
            s.execute(sql(f"ANALYZE {table}"))
        s.commit()
        t["events"] = s.execute(sql("SELECT count(*) FROM ticket_events")).scalar()
        t["rollup_rows"] = s.execute(sql("SELECT count(*) FROM supervision_rollups")).scalar()
    return t


NAIVE = """
WITH per_ticket AS (
  SELECT t.id, t.estate_id, e.company_id, t.rating,
         min(ev.at) FILTER (WHERE ev.staff_id IS NOT NULL) AS responded_at,
         max(ev.at) FILTER (WHERE ev.action = 'resolve') AS resolved_at,
         t.created_at
  FROM tickets t
  JOIN estates e ON e.id = t.estate_id
  JOIN ticket_events ev ON ev.ticket_id = t.id
  WHERE t.created_at >= CAST(:start AS timestamp) AND t.created_at < CAST(:end AS timestamp) {scope}
  GROUP BY t.id, t.estate_id, e.company_id, t.rating, t.created_at
)
SELECT company_id, count(*) AS submitted,
       count(responded_at) AS responded,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM responded_at - created_at) / 60)) AS response_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY floor(extract(epoch FROM responded_at - created_at) / 60)) AS response_p90,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY floor(extract(epoch FROM resolved_at - created_at) / 60)) AS resolution_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY floor(extract(epoch FROM resolved_at - created_at) / 60)) AS resolution_p90,
       avg(rating) AS satisfaction
FROM per_ticket GROUP BY company_id
"""  # noqa: E501


def naive(app, street_id: int | None) -> tuple[float, dict]:
    from backend.extensions import db

    with app.app_context():
        scope = "AND e.street_id = :street" if street_id else ""
        started = time.perf_counter()
        rows = db.session.execute(
            db.text(NAIVE.format(scope=scope)),
            {"start": START_UTC, "end": END_UTC, "street": street_id},
        ).mappings()
        found = {r["company_id"]: dict(r) for r in rows}
        # and the trend by month, as the dashboard shows it
        db.session.execute(
            db.text(
                "SELECT date_trunc('month', (t.created_at AT TIME ZONE 'UTC') AT TIME ZONE "
                "'Asia/Shanghai'), count(*) "
                "FROM tickets t JOIN estates e ON e.id = t.estate_id "
                "WHERE t.created_at >= CAST(:start AS timestamp) AND t.created_at < "
                f"CAST(:end AS timestamp) {scope} GROUP BY 1"
            ),
            {"start": START_UTC, "end": END_UTC, "street": street_id},
        ).all()
        elapsed = time.perf_counter() - started
        db.session.rollback()
    return elapsed * 1000, found


def with_rollups(app, username: str) -> tuple[float, dict]:
    from datetime import date

    import sqlalchemy as sa

    from backend.accounts.models import Staff
    from backend.extensions import db
    from backend.supervision import dashboard
    from backend.supervision.dashboard import Filter

    with app.app_context():
        staff = db.session.scalars(sa.select(Staff).where(Staff.username == username)).one()
        f = Filter(date(2025, 1, 1), date(2025, 12, 31))
        started = time.perf_counter()
        seen = dashboard.overview(staff, f, "company")
        elapsed = time.perf_counter() - started
        found = {r.key: r for r in seen.rows}
        db.session.rollback()
    return elapsed * 1000, found


def check(rolled: dict, raw: dict) -> None:
    """Counts equal; medians and P90s within one bucket width."""
    from backend.supervision.dashboard import bucket_width

    assert set(rolled) == set(raw), (set(rolled), set(raw))
    for company_id, r in raw.items():
        fig = rolled[company_id]
        assert (fig.submitted, fig.responded) == (r["submitted"], r["responded"]), (
            company_id,
            fig.counts,
            r,
        )
        for name in ("response_median", "response_p90", "resolution_median", "resolution_p90"):
            exact = float(r[name])
            width = bucket_width(exact) or 0
            assert abs(getattr(fig, name) - exact) <= width, (company_id, name, exact)


def timed(fn, repeats: int, warm: bool = True):
    """The median time of ``repeats`` runs (after one untimed run: statement caches)."""
    runs = []
    found = None
    if warm:
        fn()
    for _ in range(repeats):
        ms, found = fn()
        runs.append(ms)
    return statistics.median(runs), found


def main(argv=None) -> int:
    args = parse_args(argv)
    url = recreate_database(args.admin_url, args.database)
    try:
        return run(args, url)
    finally:
        if not args.keep:
            drop_database(args.admin_url, args.database)


def run(args, url: str) -> int:
    """Generate the city in database ``url``, time both sides, print the figures."""
    app = make_app(url)
    started = time.perf_counter()
    migrate(app)
    gen = generate(app, args)
    print(f"generated {args.tickets} tickets, {gen['events']} events, {gen['rollup_rows']} "
          f"rollup rows in {time.perf_counter() - started:.0f} s")  # fmt: skip
    street_ms, street = timed(lambda: with_rollups(app, "street1"), args.repeats)
    city_ms, city = timed(lambda: with_rollups(app, "bureau"), args.repeats)
    naive_street_ms, raw_street = timed(lambda: naive(app, 1), max(1, args.repeats // 2))
    naive_city_ms, raw_city = timed(lambda: naive(app, None), 1, warm=False)
    check(street, raw_street)
    check(city, raw_city)
    print(f"street: rollups {street_ms:.1f} ms, naive {naive_street_ms:.1f} ms")
    print(f"city:   rollups {city_ms:.1f} ms, naive {naive_city_ms:.1f} ms")
    result = {
        "tickets": args.tickets,
        "events": gen["events"],
        "estates": args.estates,
        "rollup_rows": gen["rollup_rows"],
        "generate_s": round(gen["tickets_s"] + gen["events_s"] + gen["rollups_s"], 1),
        "street_ms": round(street_ms, 1),
        "city_ms": round(city_ms, 1),
        "naive_street_ms": round(naive_street_ms, 1),
        "naive_city_ms": round(naive_city_ms, 1),
        "street_ratio": round(naive_street_ms / street_ms, 1),
        "city_ratio": round(naive_city_ms / city_ms, 1),
    }
    with app.app_context():
        from backend.extensions import db

        db.engine.dispose()  # before the database is dropped
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
