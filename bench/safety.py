"""Safety schedules on PostgreSQL at city size: generating the next month's maintenance tasks
of every lift, and a street officer's overdue list, over a year of task history.

The script builds its own database (``--database``, default ``linli_bench_safety``: dropped
and made anew, dropped afterwards unless ``--keep``; see ``bench/common.py``). It:

1. runs the migrations and seeds a city of ``--estates`` estates (default 1,000) on
   ``--streets`` streets (default 20) with ``--lifts`` lifts each (default 20: 20,000 lifts),
   their schedule starts spread over a fortnight;
2. makes a year of tasks (``generate_tasks`` over the past 365 days: every lift's
   half-monthly, quarterly, half-yearly and yearly items) and marks all done but one in
   ``--overdue-every`` (default 100) — those stay overdue;
3. times ``generate_s``: ``generate_tasks`` of the next month (today to 31 days ahead, the
   daily job's window), committed; target under 10 s. A second run must make 0 tasks
   (``rerun_created``: idempotent);
4. times ``overdue_ms``: a street officer's overdue list past the grace period
   (``overdue_query(officer, grace=True)``: its count and first page of 20 with the
   equipment), median of ``--repeats``; target under 300 ms.

Run from the repository root: ``.venv/bin/python bench/safety.py`` (``--smoke``: 10 estates
of 4 lifts). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import me_load

from bench import common


def seed(app, estates: int, streets: int, lifts: int) -> int:
    """The city; returns the id of the first street (whose officer's list is timed)."""
    import sqlalchemy as sa

    from backend.core.time import local_today
    from backend.extensions import db
    from backend.org.models import Community, Company, Estate, Street
    from backend.safety.models import Equipment

    today = local_today()
    with app.app_context():
        street_ids = [
            db.session.scalar(
                sa.insert(Street).values(name=f"街道{s}", district="西湖区", city="杭州市")
                .returning(Street.id)
            )
            for s in range(streets)
        ]  # fmt: skip
        community_ids = [
            db.session.scalar(
                sa.insert(Community).values(street_id=sid, name=f"社区{i}").returning(Community.id)
            )
            for i, sid in enumerate(street_ids)
        ]
        company_ids = [
            db.session.scalar(
                sa.insert(Company)
                .values(name=f"物业{c}", credit_code=f"9133{c:014d}", phone="0571")
                .returning(Company.id)
            )
            for c in range(max(1, estates // 20))
        ]
        rows = [
            {
                "community_id": community_ids[e % streets],
                "street_id": street_ids[e % streets],
                "name": f"小区{e}",
                "address": "",
                "management_mode": "company",
                "company_id": company_ids[e % len(company_ids)],
            }
            for e in range(estates)
        ]
        estate_ids = list(db.session.scalars(sa.insert(Estate).returning(Estate.id), rows))
        db.session.execute(
            sa.insert(Equipment),
            [
                {
                    "estate_id": estate_id,
                    "kind": "lift",
                    "name": f"{n + 1}号梯",
                    "location": "",
                    "registration_code": "",
                    "maintenance_company": "杭州某电梯维保有限公司",
                    "maintenance_phone": "057188880000",
                    "maintenance_contract": "",
                    "certificate_no": "",
                    "certificate_expires_on": today + timedelta(days=30 + (estate_id + n) % 300),
                    "schedule_start": today - timedelta(days=400 + (estate_id + n) % 15),
                    "created_at": datetime.now().astimezone(),
                }
                for estate_id in estate_ids
                for n in range(lifts)
            ],
        )
        db.session.commit()
        return street_ids[0]


def history(app, overdue_every: int) -> int:
    """A year of tasks, all done but one in ``overdue_every``; returns how many tasks."""
    import sqlalchemy as sa

    from backend.core.time import local_today
    from backend.extensions import db
    from backend.safety.services import generate_tasks

    today = local_today()
    with app.app_context():
        created = generate_tasks(today - timedelta(days=365), today - timedelta(days=1))
        db.session.execute(
            sa.text(
                "UPDATE safety_tasks SET state = 'done', checked_in = true,"
                " done_at = due_on + interval '10 hours' WHERE id % :every <> 0"
            ),
            {"every": overdue_every},
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        return created


def time_generation(app) -> tuple[float, int, int]:
    from backend.core.time import local_today
    from backend.extensions import db
    from backend.safety.jobs import AHEAD
    from backend.safety.services import generate_tasks

    today = local_today()
    with app.app_context():
        started = time.perf_counter()
        created = generate_tasks(today, today + AHEAD)
        db.session.commit()
        seconds = time.perf_counter() - started
        rerun = generate_tasks(today, today + AHEAD)
        db.session.commit()
    return seconds, created, rerun


def time_overdue(app, street_id: int, repeats: int) -> tuple[float, int]:
    import sqlalchemy as sa

    from backend.accounts.models import Staff, StaffRole
    from backend.extensions import db
    from backend.safety.services import overdue_query

    with app.app_context():
        officer = Staff(
            username="bench.officer",
            name="街道干部",
            role=StaffRole.street_officer,
            street_id=street_id,
            password_hash="x",
        )
        db.session.add(officer)
        db.session.commit()
        timings, count = [], 0
        for _ in range(repeats):
            db.session.expire_all()
            started = time.perf_counter()
            stmt = overdue_query(officer, grace=True)
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
            )
            page = db.session.scalars(stmt.limit(20)).all()
            [str(task.equipment) for task in page]
            timings.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    return statistics.median(timings), count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common.add_arguments(parser, "safety")
    parser.add_argument("--estates", type=int, default=1000)
    parser.add_argument("--streets", type=int, default=20)
    parser.add_argument("--lifts", type=int, default=20, help="lifts per estate")
    parser.add_argument("--overdue-every", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = common.smoke(parser.parse_args(), estates=10, streets=2, lifts=4, repeats=2)

    url = me_load.recreate_database(args.admin_url, args.database)
    settings = {"DATABASE_URL": url, "REDIS_URL": "", "SECRET_KEY": secrets.token_hex(32)}
    try:
        me_load.run_migrations(settings)
        from backend import create_app

        # seeding a year of a city's tasks runs longer than a request may
        app = create_app({**settings, "REDIS_URL": None, "DATABASE_STATEMENT_TIMEOUT": 900})
        started = time.perf_counter()
        street_id = seed(app, args.estates, args.streets, args.lifts)
        tasks = history(app, args.overdue_every)
        seed_s = time.perf_counter() - started
        print(
            f"safety bench: {args.estates} estates × {args.lifts} lifts, "
            f"{tasks} tasks of the past year seeded in {seed_s:.1f} s"
        )
        generate_s, created, rerun = time_generation(app)
        overdue_ms, overdue = time_overdue(app, street_id, args.repeats)
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    print(
        f"next month: {created} tasks in {generate_s:.2f} s (rerun made {rerun}); street "
        f"overdue list: {overdue} tasks, count + first page {overdue_ms:.1f} ms"
    )
    print(
        json.dumps(
            {
                "generate_s": round(generate_s, 2),
                "created": created,
                "rerun_created": rerun,
                "overdue_ms": round(overdue_ms, 1),
                "overdue": overdue,
                "lifts": args.estates * args.lifts,
                "history_tasks": tasks,
            }
        )
    )
    return 0 if rerun == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
