"""Benchmark of the maintenance fund on PostgreSQL: the debits of one payment split by area
over a large 列支范围, and every balance of an estate derived from its entries.

It rebuilds its own database (``--database-url``, default ``linli_bench_fund``: created if
missing, its ``public`` schema dropped and migrated again) and seeds, with set-based SQL:

- one estate of ``--units`` units (default 20,000) in 40 buildings, areas with two decimals;
- every unit's account and its initial deposit (首期交存, area × rate, through the ledger);
- a use whose 列支范围 is ``--scope`` units (default 5,000), its payment order at the bank.

Then it times, through the app's services and in one transaction each:

- ``debit_ms``: the bank records an instalment of the use (``uses.record_payment``): the
  payment row and ``--scope`` debit entries split by area (``fund.money.split_by_area``),
  committed (the board refresh it defers runs after the timing); target under 2,000 ms;
- ``balances_ms``: every account's balance and 续筹 figures of the estate
  (``ledger.balances``), median of ``--repeats``; target under 1,000 ms;
- ``interest_ms``: the bank's interest allocated to every account of the estate by area
  (``ledger.allocate_interest``, the same split), committed; ``interest_exact``: the
  allocated entries add up to the bank's figure.

It checks that the debits sum to the instalment exactly and that the balances sum to the
entries. ``--smoke`` runs the same steps on a small estate (for the test suite). Run from
the repository root: ``.venv/bin/python bench/fund.py``. The last line printed is one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    common.add_arguments(p, "fund")
    p.add_argument("--units", type=int, default=20_000)
    p.add_argument("--scope", type=int, default=5_000, help="units in the use's 列支范围")
    p.add_argument("--repeats", type=int, default=5, help="timed runs of the balances (median)")
    args = p.parse_args(argv)
    if args.smoke:
        args.units, args.scope, args.repeats = 400, 100, 2
    return args


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def settings(url: str) -> dict:
    return {
        "DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "SECRET_KEY": "bench-fund-not-secret-0000000000000000000",
        "REDIS_URL": None,
    }


def migrate(url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": settings(url)["DATABASE_URL"],
        "SECRET_KEY": settings(url)["SECRET_KEY"],
    }
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "backend", "db", "upgrade"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip


def seed(units: int, scope: int) -> dict:
    """The estate, its units and accounts with initial deposits, and a use ready to be paid."""
    from datetime import date
    from decimal import Decimal

    import sqlalchemy as sa

    from backend.accounts.models import Staff, StaffRole
    from backend.core.db import commit
    from backend.extensions import db
    from backend.fund import ledger
    from backend.fund.models import FundUse, FundUseUnit, UseKind, UseState
    from backend.org.models import Building, Community, Estate, Street

    street = Street(name="基准街道", district="基准区", city="基准市")
    db.session.add(street)
    db.session.flush()
    community = Community(street_id=street.id, name="基准社区")
    db.session.add(community)
    db.session.flush()
    estate = Estate(community_id=community.id, street_id=street.id, name="基准小区")
    db.session.add(estate)
    db.session.flush()
    buildings = [Building(estate_id=estate.id, name=f"{n}幢", floors=30) for n in range(1, 41)]
    db.session.add_all(buildings)
    db.session.flush()
    first = buildings[0].id
    # areas 60.00 – 179.99 m², two decimals, spread over the buildings
    db.session.execute(
        sa.text(
            "INSERT INTO units (building_id, estate_id, number, floor, area, area_source,"
            " developer_held)"
            " SELECT :first + (n % 40), :estate, 'U' || n, 1 + (n / 40) % 30,"
            " 60 + ((n * 7919) % 12000) / 100.0, 'registry', false"
            " FROM generate_series(1, :units) AS n"
        ),
        {"first": first, "estate": estate.id, "units": units},
    )
    ledger.post_initial_deposits(estate.id, Decimal("120.00"), date(2020, 1, 1))
    bank = Staff(
        username="bench.bank", name="基准银行", phone="", role=StaffRole.fund_bank,
        district=street.district, password_hash="-",
    )  # fmt: skip
    db.session.add(bank)
    use = FundUse(
        estate_id=estate.id, kind=UseKind.ordinary, state=UseState.bank_notified,
        title="基准：外墙维修", budget_fen=10**12,
    )  # fmt: skip
    db.session.add(use)
    db.session.flush()
    db.session.execute(
        sa.insert(FundUseUnit).from_select(
            ["use_id", "unit_id"],
            sa.select(sa.literal(use.id), sa.text("id"))
            .select_from(sa.table("units"))
            .where(sa.text("estate_id = :estate"))
            .order_by(sa.text("id"))
            .limit(scope)
            .params(estate=estate.id),
        )
    )
    commit()
    return {"estate_id": estate.id, "use_id": use.id, "bank_id": bank.id}


def main(argv=None) -> int:
    args = parse_args(argv)
    args.database_url = f"{args.admin_url.rsplit('/', 1)[0]}/{args.database}"
    try:
        return run(args)
    finally:
        if not args.keep:
            drop_database(args.database_url)


def drop_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args) -> int:
    recreate_database(args.database_url)
    migrate(args.database_url)
    from datetime import date

    import sqlalchemy as sa

    from backend import create_app
    from backend.accounts.models import Staff
    from backend.core.db import commit
    from backend.extensions import db
    from backend.fund import ledger, uses
    from backend.fund.models import FundEntry, FundUse

    app = create_app(settings(args.database_url))
    with app.app_context():
        started = time.perf_counter()
        seeded = seed(args.units, args.scope)
        seed_s = time.perf_counter() - started
    amount = 123_456_789  # ¥1,234,567.89: does not divide evenly over the scope
    with app.app_context():
        bank = db.session.get(Staff, seeded["bank_id"])
        use = db.session.get(FundUse, seeded["use_id"])
        started = time.perf_counter()
        uses.record_payment(bank, use, instalment=1, amount_fen=amount, paid_on=date(2026, 3, 1))
        db.session.commit()
        debit_ms = (time.perf_counter() - started) * 1000
        # then what the payment defers (the board's refresh), outside the timing
        commit()
    with app.app_context():
        debits = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(FundEntry.amount_fen)).where(
                FundEntry.use_id == seeded["use_id"]
            )
        ).one()
        timings = []
        for _ in range(args.repeats):
            db.session.expire_all()
            started = time.perf_counter()
            figures = ledger.balances(seeded["estate_id"])
            timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        entries_total = db.session.scalar(
            sa.select(sa.func.sum(FundEntry.amount_fen)).where(
                FundEntry.estate_id == seeded["estate_id"]
            )
        )
    interest = 98_765_43  # ¥98,765.43 over every account: does not divide evenly either
    with app.app_context():
        started = time.perf_counter()
        ledger.allocate_interest(
            seeded["estate_id"], interest, date(2026, 6, 21), reference="BENCH-INT"
        )
        db.session.commit()
        interest_ms = (time.perf_counter() - started) * 1000
        allocated = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(FundEntry.amount_fen)).where(
                FundEntry.reference == "BENCH-INT"
            )
        ).one()
    interest_exact = int(allocated[1]) == interest
    balances_ms = statistics.median(timings)
    exact = -int(debits[1]) == amount and sum(b.balance_fen for b in figures.values()) == int(
        entries_total
    )
    print(f"estate of {args.units} units seeded in {seed_s:.1f} s")
    print(f"one instalment debited over {debits[0]} units in {debit_ms:.0f} ms (target < 2000)")
    print(f"{len(figures)} balances derived in {balances_ms:.0f} ms (median; target < 1000)")
    print(f"interest allocated to {allocated[0]} accounts in {interest_ms:.0f} ms")
    result = {
        "units": args.units,
        "scope_units": args.scope,
        "debit_entries": int(debits[0]),
        "debit_ms": round(debit_ms, 1),
        "balances": len(figures),
        "balances_ms": round(balances_ms, 1),
        "exact": exact,
        "interest_entries": int(allocated[0]),
        "interest_ms": round(interest_ms, 1),
        "interest_exact": interest_exact,
        "debit_target_met": debit_ms < 2000,
        "balances_target_met": balances_ms < 1000,
        "smoke": args.smoke,
        "load": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    return 0 if exact and interest_exact else 1


if __name__ == "__main__":
    sys.exit(main())
