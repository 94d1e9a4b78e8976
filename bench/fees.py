"""Benchmark of fees on PostgreSQL: bill generation, reading bills under load, and payment
notifications under concurrent load with repeats.

It builds its own database (``linli_bench_fees``; dropped afterwards unless ``--keep``):

1. one estate of ``--units`` units (default 100,000) with owners and two fee items, billed
   for a month by ``generate_bills`` (the app's set-based generation), then a plain
   ``INSERT … SELECT`` of the same rows for the next month in the same table; a rerun of
   the generation must create nothing;
2. more months until the table holds ``--bills`` bills (default 1,000,000; up to
   10,000,000, a city's year), ``--residents`` owners with bearer tokens living in units
   spread evenly over the whole estate (the first and the last unit included), then
   ``GET /api/v1/me/bills`` and ``GET /api/v1/me`` on gunicorn, each measured (throughput
   and p99 latency) beside a bare floor (``bench/fees_floor.py``: plain Flask + SQLAlchemy
   Core, the best plan PostgreSQL offers for the same rows — the resident's residencies
   joined first, written by hand — no auth, no schema) on the same machine in the same run;
3. ``--orders`` pending orders, each notified ``--repeats`` times by ``--concurrency``
   threads at once: notifications per second, and whether credits equal orders.

Scale it with ``--units``, ``--bills``, ``--residents``, ``--orders``, ``--seconds``; a quick
run: ``--smoke``; a city's year: ``--bills 10000000``. Run from the repository root:
``.venv/bin/python bench/fees.py --help``. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.me_load import (  # noqa: E402
    drop_database,
    gunicorn,
    percentiles_ms,
    recreate_database,
    run_migrations,
)

DB_NAME = common.database_name("fees")
SECRET = "bench-fees-" + secrets.token_hex(8)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--admin-url",
        default=common.admin_url(),
        help="a PostgreSQL URL allowed to create databases",
    )
    p.add_argument(
        "--database",
        default=DB_NAME,
        help="the database to build (dropped and made anew; a helper's own, e.g. h7)",
    )
    p.add_argument("--units", type=int, default=100_000, help="units of the estate (×2 fee items)")
    p.add_argument(
        "--bills",
        type=int,
        default=1_000_000,
        help="bills in the table before reads (up to 10,000,000: a city's year)",
    )
    p.add_argument(
        "--residents",
        type=int,
        default=2000,
        help="signed-in residents for reads, spread evenly over all units (the last included)",
    )
    p.add_argument("--orders", type=int, default=500, help="orders notified concurrently")
    p.add_argument("--repeats", type=int, default=3, help="notifications sent per order")
    p.add_argument("--concurrency", type=int, default=32, help="client connections")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    p.add_argument("--seconds", type=float, default=8.0, help="length of each read measurement")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--smoke", action="store_true", help="sizes that run in seconds (make test)")
    args = common.smoke(
        p.parse_args(argv),
        units=200,
        bills=800,
        residents=20,
        orders=10,
        repeats=2,
        concurrency=4,
        seconds=1.0,
    )
    if args.bills > 10_000_000:
        p.error("--bills goes up to 10,000,000")
    return args


# --- data ---------------------------------------------------------------------------------------


def seed_estate(app, units: int) -> tuple[int, list[int]]:
    """One estate of ``units`` units with an owner each and two fee items; returns its id."""
    from datetime import date
    from decimal import Decimal

    import sqlalchemy as sa

    from backend.core.db import commit
    from backend.extensions import db
    from backend.fees.models import FeeBasis, FeeItem, FeePrice, PricingForm
    from backend.org.models import Building, Community, Company, Estate, Street

    with app.app_context():
        street = Street(name="压测街道", district="压测区", city="压测市")
        community = Community(street=street, name="压测社区")
        company = Company(name="压测物业", credit_code="91330100BENCH00001")
        db.session.add_all([street, community, company])
        db.session.flush()
        estate = Estate(community=community, street_id=street.id, name="压测小区", company=company)
        db.session.add(estate)
        db.session.flush()
        buildings = max(1, units // 1000)
        db.session.add_all(
            [Building(estate_id=estate.id, name=f"{b + 1}幢", floors=33) for b in range(buildings)]
        )
        db.session.flush()
        # areas from 60.00 to 149.99 m²: many distinct values, as in a real estate
        db.session.execute(
            sa.text(
                """
                INSERT INTO units (building_id, estate_id, number, floor, area, area_source,
                                   developer_held)
                SELECT (SELECT min(id) FROM buildings WHERE estate_id = :e) + (g % :nb), :e,
                       'U' || g, 1 + g % 33, (6000 + (g * 7919) % 9000) / 100.0, 'registry',
                       g % 97 = 0
                FROM generate_series(1, :n) AS g
                """
            ),
            {"e": estate.id, "nb": buildings, "n": units},
        )
        db.session.execute(
            sa.text(
                "INSERT INTO owner_records (unit_id, name, phone) "
                "SELECT id, '业主' || id, '138' || lpad(id::text, 8, '0') FROM units "
                "WHERE estate_id = :e"
            ),
            {"e": estate.id},
        )
        items = []
        for name, basis, price in (
            ("物业服务费", FeeBasis.per_area, "2.3500"),
            ("生活垃圾清运费", FeeBasis.fixed, "10.0000"),
        ):
            item = FeeItem(
                estate_id=estate.id, name=name, basis=basis, pricing_form=PricingForm.market
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(
                FeePrice(
                    fee_item_id=item.id, price_yuan=Decimal(price), effective_from=date(2020, 1, 1)
                )
            )
            items.append(item.id)
        commit()
        db.session.execute(sa.text("ANALYZE"))
        commit()
        return estate.id, items


PLAIN_INSERT = """
INSERT INTO bills (estate_id, building_id, unit_id, fee_item_id, period, quantity, price_yuan,
                   amount_fen, waived_fen, status, created_at)
SELECT u.estate_id, u.building_id, u.id, f.id, :period,
       CASE WHEN f.basis = 'fixed' THEN 1 ELSE u.area END, p.price_yuan,
       round(CASE WHEN f.basis = 'fixed' THEN 1 ELSE u.area END * p.price_yuan * 100)::bigint,
       0, 'unpaid', now() AT TIME ZONE 'UTC'
FROM units u
JOIN fee_items f ON f.estate_id = u.estate_id
JOIN fee_prices p ON p.fee_item_id = f.id
WHERE u.estate_id = :e AND (f.developer_held_included OR NOT u.developer_held)
  AND EXISTS (SELECT 1 FROM owner_records o WHERE o.unit_id = u.id)
"""


def measure_generation(app, estate_id: int, bills_target: int) -> dict:
    """generate_bills beside a plain INSERT … SELECT of the same rows, then fill the table."""
    from datetime import date

    import sqlalchemy as sa

    from backend.core.db import commit
    from backend.core.time import month_start
    from backend.extensions import db
    from backend.fees.services import generate_bills

    first = date(2026, 1, 1)
    with app.app_context():
        began = time.perf_counter()
        report = generate_bills(estate_id, first)
        commit()
        generate_s = time.perf_counter() - began

        began = time.perf_counter()
        rerun = generate_bills(estate_id, first)
        commit()
        rerun_s = time.perf_counter() - began

        began = time.perf_counter()
        plain = db.session.execute(
            sa.text(PLAIN_INSERT).execution_options(preserve_rowcount=True),
            {"period": month_start(first, 1), "e": estate_id},
        ).rowcount
        commit()
        insert_select_s = time.perf_counter() - began

        # the rest of the table: the same rows for earlier months, one INSERT … SELECT each
        # (counted as they go: a count(*) per month would cost more than the month at 10M)
        total, month = report.created + plain, 1
        while total < bills_target:
            total += db.session.execute(
                sa.text(PLAIN_INSERT).execution_options(preserve_rowcount=True),
                {"period": month_start(first, -month), "e": estate_id},
            ).rowcount
            commit()
            month += 1
        total = db.session.scalar(sa.text("SELECT count(*) FROM bills"))
        db.session.execute(sa.text("ANALYZE"))
        commit()
    print(
        f"generation: {report.created} bills in {generate_s:.2f} s; plain INSERT … SELECT "
        f"{plain} rows in {insert_select_s:.2f} s; rerun made {rerun.created} in {rerun_s:.2f} s; "
        f"table now {total} bills",
        flush=True,
    )
    assert rerun.created == 0, "a rerun of the generation created bills"
    return {
        "bills_generated": report.created,
        "plain_rows": plain,
        "generate_s": round(generate_s, 3),
        "insert_select_s": round(insert_select_s, 3),
        "generate_ratio": round(generate_s / insert_select_s, 2),
        "rerun_created": rerun.created,
        "rerun_s": round(rerun_s, 3),
        "bills_in_table": total,
    }


def seed_residents(app, count: int) -> list[tuple[int, str]]:
    """``count`` owners living in units spread evenly over all units, the first and the last
    included (a plan that walks an index from the first unit shows at the last); returns
    (resident id, bearer token)."""
    import sqlalchemy as sa

    from backend.accounts.models import Resident
    from backend.authz.tokens import issue_token
    from backend.core.db import commit
    from backend.extensions import db

    with app.app_context():
        db.session.execute(
            sa.text(
                """
                INSERT INTO residents (openid, nickname, name, phone, token_version, created_at)
                SELECT 'bench-' || g, '住户' || g, '住户' || g, '139' || lpad(g::text, 8, '0'), 1,
                       now() AT TIME ZONE 'UTC'
                FROM generate_series(1, :n) AS g
                """
            ),
            {"n": count},
        )
        db.session.execute(
            sa.text(
                """
                INSERT INTO residencies (resident_id, unit_id, estate_id, role, status, source,
                    applicant_name, applicant_phone, applicant_note, reject_reason, created_at,
                    activated_at)
                SELECT r.id, u.id, u.estate_id, 'owner', 'active', 'registry', '', '', '', '',
                       now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM residents) r
                JOIN (SELECT id, estate_id, row_number() OVER (ORDER BY id) AS n FROM units) u
                  ON u.n = 1 + ((r.n - 1) * ((SELECT count(*) FROM units) - 1))
                                / greatest(:n - 1, 1)
                """
            ),
            {"n": count},
        )
        commit()
        db.session.execute(sa.text("ANALYZE"))
        commit()
        people = db.session.scalars(sa.select(Resident).order_by(Resident.id)).all()
        return [(p.id, issue_token(p)[0]) for p in people]


# --- servers and load -----------------------------------------------------------------------------


@contextlib.contextmanager
def serve(app: tuple[str, ...], settings: dict, workers: int, log_path: Path) -> Iterator[str]:
    """gunicorn serving ``app`` (see ``bench.me_load.gunicorn``); yields its base URL."""
    with gunicorn(settings, workers, log_path, app) as (base, _pid):
        yield base


def load(requests_list: list[tuple[str, dict]], concurrency: int, seconds: float) -> dict:
    """GET the (url, headers) pairs in turn from ``concurrency`` threads for ``seconds``."""
    counter = itertools.count()
    barrier = threading.Barrier(concurrency + 1)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()
    deadline = {"at": 0.0}

    latencies: list[float] = []

    def worker():
        done = errors = 0
        mine: list[float] = []
        with requests.Session() as session:
            barrier.wait()
            while time.perf_counter() < deadline["at"]:
                url, headers = requests_list[next(counter) % len(requests_list)]
                sent = time.perf_counter()
                try:
                    ok = session.get(url, headers=headers, timeout=10).status_code == 200
                except requests.RequestException:
                    ok = False
                mine.append(time.perf_counter() - sent)
                done += 1
                errors += not ok
        with lock:
            results.append((done, errors))
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    deadline["at"] = time.perf_counter() + seconds
    began = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    total = sum(d for d, _ in results)
    p50, _, p99 = percentiles_ms(latencies)
    return {
        "requests": total,
        "errors": sum(e for _, e in results),
        "rps": round(total / elapsed, 1),
        "p50_ms": p50,
        "p99_ms": p99,
    }


def measure_reads(settings: dict, people, args, workdir: Path) -> dict:
    floor = ("--chdir", "bench", "fees_floor:create_app()")
    out = {}
    with (
        serve((), settings, args.workers, workdir / "app.log") as app_base,
        serve(floor, settings, args.workers, workdir / "floor.log") as floor_base,
    ):
        bearer = [{"Authorization": f"Bearer {token}"} for _, token in people]
        targets = {
            "bills": [(f"{app_base}/api/v1/me/bills", h) for h in bearer],
            "bills_floor": [(f"{floor_base}/floor/bills?r={rid}", {}) for rid, _ in people],
            "me": [(f"{app_base}/api/v1/me", h) for h in bearer],
            "me_floor": [(f"{floor_base}/floor/me?r={rid}", {}) for rid, _ in people],
        }
        # a short warm-up of each, then the measurements side by side
        for reqs in targets.values():
            load(reqs, args.concurrency, 1.0)
        for name, reqs in targets.items():
            out[name] = load(reqs, args.concurrency, args.seconds)
            print(f"{name}: {out[name]}", flush=True)
    return out


def measure_notify(app, settings, args, workdir: Path) -> dict:
    """Pending orders notified ``repeats`` times each, all at once; count the credits."""
    import sqlalchemy as sa
    from wechatpy.pay.utils import calculate_signature, dict_to_xml

    from backend.core.db import commit
    from backend.extensions import db

    with app.app_context():
        cfg = app.config
        rows = db.session.execute(
            sa.text(
                """
                SELECT DISTINCT ON (r.resident_id) r.resident_id, b.id, b.amount_fen, b.estate_id
                FROM residencies r JOIN bills b ON b.unit_id = r.unit_id AND b.status = 'unpaid'
                ORDER BY r.resident_id, b.id LIMIT :n
                """
            ),
            {"n": args.orders},
        ).all()
        orders = []
        for resident_id, bill_id, amount, estate_id in rows:
            out_trade_no = f"BENCH{bill_id:012d}"
            order_id = db.session.execute(
                sa.text(
                    """
                    INSERT INTO payment_orders (out_trade_no, resident_id, estate_id, total_fen,
                        status, prepay_id, created_at, expires_at)
                    VALUES (:o, :r, :e, :t, 'pending', '', now() AT TIME ZONE 'UTC',
                            now() AT TIME ZONE 'UTC' + interval '15 minutes')
                    RETURNING id
                    """
                ),
                {"o": out_trade_no, "r": resident_id, "e": estate_id, "t": amount},
            ).scalar()
            db.session.execute(
                sa.text("INSERT INTO order_bills (order_id, bill_id) VALUES (:o, :b)"),
                {"o": order_id, "b": bill_id},
            )
            db.session.execute(
                sa.text("UPDATE bills SET order_id = :o WHERE id = :b"),
                {"o": order_id, "b": bill_id},
            )
            data = {
                "return_code": "SUCCESS",
                "result_code": "SUCCESS",
                "appid": cfg["WECHAT_APPID"],
                "mch_id": cfg["WECHAT_PAY_MCH_ID"],
                "nonce_str": secrets.token_hex(8),
                "openid": f"bench-{resident_id}",
                "total_fee": amount,
                "transaction_id": f"42{bill_id:020d}",
                "out_trade_no": out_trade_no,
                "time_end": "20260101120000",
            }
            orders.append(dict_to_xml(data, calculate_signature(data, cfg["WECHAT_PAY_API_KEY"])))
        commit()
    bodies = [xml.encode() for xml in orders for _ in range(args.repeats)]
    bodies.sort(key=lambda b: hash(b) % 7)  # repeats of one order arrive close together
    with serve((), settings, args.workers, workdir / "notify.log") as base:
        url = f"{base}/api/v1/payments/wechat/notify"
        queue = iter(bodies)
        lock = threading.Lock()
        answers: list[bool] = []

        def worker():
            with requests.Session() as session:
                while True:
                    with lock:
                        body = next(queue, None)
                    if body is None:
                        return
                    resp = session.post(
                        url, data=body, headers={"Content-Type": "text/xml"}, timeout=30
                    )
                    with lock:
                        answers.append(resp.status_code == 200 and "SUCCESS" in resp.text)

        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    with app.app_context():
        credits = db.session.scalar(
            sa.text(
                "SELECT count(*) FROM payments p JOIN payment_orders o ON o.id = p.order_id "
                "WHERE o.out_trade_no LIKE 'BENCH%'"
            )
        )
        credited_notes = db.session.scalar(
            sa.text("SELECT count(*) FROM payment_notifications WHERE outcome = 'credited'")
        )
    result = {
        "orders": len(orders),
        "notifications": len(bodies),
        "answered_success": sum(answers),
        "notify_seconds": round(elapsed, 2),
        "notify_per_s": round(len(bodies) / elapsed, 1),
        "credits": credits,
        "credits_equal_orders": credits == len(orders) == credited_notes,
    }
    print(f"notify: {result}", flush=True)
    return result


def main(argv=None) -> int:
    args = parse_args(argv)
    from backend import create_app

    url = recreate_database(args.admin_url, args.database)
    settings = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "LINLI_JOBS_INLINE": "true"}
    workdir = ROOT / "bench" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        run_migrations(settings)
        os.environ.update(settings)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": None})
        estate_id, _ = seed_estate(app, args.units)
        generation = measure_generation(app, estate_id, args.bills)
        people = seed_residents(app, args.residents)
        reads = measure_reads(settings, people, args, workdir)
        notify = measure_notify(app, settings, args, workdir)
        with app.app_context():
            from backend.extensions import db

            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(args.admin_url, args.database)
    figures = {
        **generation,
        "bills_rps": reads["bills"]["rps"],
        "floor_rps": reads["bills_floor"]["rps"],
        "read_ratio": round(reads["bills"]["rps"] / reads["bills_floor"]["rps"], 2),
        "bills_p99_ms": reads["bills"]["p99_ms"],
        "floor_p99_ms": reads["bills_floor"]["p99_ms"],
        "me_p99_ms": reads["me"]["p99_ms"],
        "me_rps": reads["me"]["rps"],
        "me_floor_rps": reads["me_floor"]["rps"],
        "me_ratio": round(reads["me"]["rps"] / reads["me_floor"]["rps"], 2),
        "read_errors": sum(r["errors"] for r in reads.values()),
        **notify,
        "units": args.units,
        "residents": args.residents,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
