"""Load test of a busy estate's mixed traffic on gunicorn, with locust (127.0.0.1 only).

Residents read their bills, the public board and their tickets, pay (through the fake
WeChat Pay, whose notification the backend serves), submit a ticket with a photo and vote
on an open motion; the service desk works the ticket queue in the panel (see
``bench/load_locustfile.py``). The bench builds its own database (``linli_bench_load``,
dropped afterwards unless ``--keep``), runs gunicorn as the Procfile does (the app's worker
class, ``--workers``) and the fake WeChat server, and loads them for ``--seconds``.

``--smoke``: 10 users for 8 seconds (the test suite runs it). The target at 200 users on
a 2-core machine: no 5xx, p95 under 500 ms.

Run from the repository root: ``.venv/bin/python bench/load.py --help``. The last line
printed is one JSON object: ``users``, ``requests``, ``errors_5xx``, ``p95_ms``, ``rps``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common, me_load, votes  # noqa: E402

HOST = "127.0.0.1"
DB_NAME = common.database_name("load")
STAFF_PASSWORD = "bench-" + secrets.token_hex(6)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--admin-url", default=common.admin_url())
    p.add_argument("--database", default=DB_NAME)
    p.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/2"))
    p.add_argument("--users", type=int, default=200)
    p.add_argument("--spawn-rate", type=float, default=20)
    p.add_argument("--seconds", type=int, default=60, help="measured time after the ramp-up")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers (Procfile: 4)")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--smoke", action="store_true", help="10 users, 8 seconds")
    args = p.parse_args(argv)
    if args.smoke:
        args.users, args.seconds, args.spawn_rate, args.workers = 10, 8, 10, 2
    return args


def seed(app, residents: int, staff: int) -> dict:
    """An estate with ``residents`` owners (tokens), this month's bills, an open motion,
    a company serving it and ``staff`` service-desk accounts."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from backend.accounts.models import Staff, StaffRole
    from backend.core.db import commit
    from backend.extensions import db
    from backend.fees.models import Bill, FeeBasis, FeeItem, FeePrice, PricingForm
    from backend.fees.services import current_period, generate_bills
    from backend.org.models import Company, Estate

    seeded = votes.seed(app, residents + votes.DEVELOPER_UNITS, residents, random.Random(7))
    motion_id, _ = votes.open_motion(app, seeded)
    with app.app_context():
        estate = db.session.get(Estate, seeded["estate_id"])
        company = Company(name="压测物业", credit_code="91330100LOAD000001")
        db.session.add(company)
        db.session.flush()
        estate.company_id = company.id
        item = FeeItem(
            estate_id=estate.id,
            name="物业服务费",
            basis=FeeBasis.per_area,
            pricing_form=PricingForm.market,
        )
        db.session.add(item)
        db.session.flush()
        from datetime import date
        from decimal import Decimal

        db.session.add(
            FeePrice(
                fee_item_id=item.id, price_yuan=Decimal("2.35"), effective_from=date(2020, 1, 1)
            )
        )
        accounts = []
        for n in range(staff):
            username = f"bench.desk{n}"
            db.session.add(
                Staff(
                    username=username,
                    name=f"客服{n}",
                    password_hash=generate_password_hash(STAFF_PASSWORD),
                    role=StaffRole.service_desk,
                    company_id=company.id,
                )
            )
            accounts.append({"username": username, "password": STAFF_PASSWORD})
        commit()
        generate_bills(estate.id, current_period())
        commit()
        from backend.accounts.models import Residency

        homes = dict(
            db.session.execute(
                sa.select(Residency.resident_id, Residency.unit_id).where(
                    Residency.estate_id == estate.id
                )
            ).all()
        )
        bills: dict[int, list[int]] = {}
        for unit_id, bill_id in db.session.execute(
            sa.select(Bill.unit_id, Bill.id).where(Bill.estate_id == estate.id)
        ):
            bills.setdefault(unit_id, []).append(bill_id)
        people = []
        for token, (_resident_id, unit_id) in zip(
            seeded["tokens"], sorted(homes.items()), strict=False
        ):
            people.append({"token": token, "unit_id": unit_id, "bill_ids": bills.get(unit_id, [])})
        db.session.execute(sa.text("ANALYZE"))
        commit()
        db.session.remove()
    return {
        "estate_id": seeded["estate_id"],
        "motion_id": motion_id,
        "residents": people,
        "staff": accounts,
    }


@contextlib.contextmanager
def fake_wechat(log_path: Path):
    """The fake WeChat server (``python -m miniapp_mock``) on a free port of 127.0.0.1."""
    port = me_load.free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "miniapp_mock", "--host", HOST, "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/_mock/pay/orders", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or proc.poll() is not None:
                    log = log_path.read_text()
                    raise SystemExit(f"the fake WeChat server did not start:\n{log}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()


def run_locust(base: str, plan_path: Path, args, workdir: Path) -> dict:
    """Run locust headless; read its aggregated figures and its failures by kind."""
    ramp = args.users / args.spawn_rate
    prefix = workdir / "locust"
    env = {**os.environ, "LINLI_LOAD_PLAN": str(plan_path)}
    with open(workdir / "locust.log", "w") as log:
        _locust(base, args, ramp, prefix, env, log)
    return _read_locust(prefix)


def _locust(base: str, args, ramp: float, prefix: Path, env: dict, log) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "load_locustfile.py"),
            "--headless",
            "--host",
            base,
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{int(ramp + args.seconds)}s",
            "--stop-timeout",
            "10",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=log,
        timeout=ramp + args.seconds + 120,
    )


def _read_locust(prefix: Path) -> dict:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    errors_5xx = other = 0
    kinds: dict[str, int] = {}
    with open(f"{prefix}_failures.csv", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            count = int(row["Occurrences"])
            key = f"{row['Method']} {row['Name']}: {row['Error']}"
            kinds[key] = kinds.get(key, 0) + count
            if "HTTP 5xx" in row["Error"]:
                errors_5xx += count
            else:
                other += count
    return {
        "requests": int(total["Request Count"]),
        "errors_5xx": errors_5xx,
        "errors_other": other,
        "p95_ms": float(total["95%"]),
        "p50_ms": float(total["50%"]),
        "rps": round(float(total["Requests/s"]), 1),
        "failures": kinds,
        "endpoints": {
            r["Name"]: {"requests": int(r["Request Count"]), "p95_ms": float(r["95%"])}
            for r in rows
            if r["Name"] != "Aggregated"
        },
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="linli-bench-load-"))
    database_url = me_load.recreate_database(args.admin_url, args.database)
    queue = "bench-load-" + secrets.token_hex(4)
    result: dict = {}
    try:
        with fake_wechat(workdir / "wechat.log") as wechat_url:
            port = me_load.free_port()
            base = f"http://{HOST}:{port}"
            settings = {
                "DATABASE_URL": database_url,
                "REDIS_URL": args.redis_url,
                "SECRET_KEY": secrets.token_hex(32),
                "STORAGE_URL": f"file://{workdir / 'storage'}",
                "WECHAT_API_BASE": wechat_url,
                "WECHAT_PAY_NOTIFY_URL": f"{base}/api/v1/payments/wechat/notify",
                "LINLI_JOBS_QUEUE": queue,
                # many residents share 127.0.0.1 here; the per-resident limits stay
                "LINLI_RATELIMIT_LOGIN_ADDRESS": "1000 per minute",
            }
            me_load.run_migrations(settings)
            from backend import create_app

            app = create_app(dict(settings))
            staff = max(1, args.users // 40)
            plan = seed(app, residents=args.users + 10, staff=staff)
            plan["wechat_url"] = wechat_url
            plan_path = workdir / "plan.json"
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            print(
                f"{args.users} users ({staff} at the desk) for {args.seconds} s on gunicorn "
                f"with {args.workers} workers; {os.cpu_count()} cores shared with PostgreSQL, "
                "Redis, the fake WeChat server and locust",
                flush=True,
            )
            with gunicorn_on(settings, args.workers, port, workdir / "gunicorn.log"):
                result = run_locust(base, plan_path, args, workdir)
                load_avg = os.getloadavg()
    finally:
        with contextlib.suppress(Exception):
            import redis
            from rq import Queue

            Queue(queue, connection=redis.Redis.from_url(args.redis_url)).empty()
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    for name, count in sorted(result.get("failures", {}).items()):
        print(f"  failure × {count}: {name}")
    for name, figures in sorted(result.get("endpoints", {}).items()):
        print(f"  {name:38} {figures['requests']:>7} requests  p95 {figures['p95_ms']:>6.0f} ms")
    summary = {
        "users": args.users,
        "seconds": args.seconds,
        "requests": result["requests"],
        "errors_5xx": result["errors_5xx"],
        "errors_other": result["errors_other"],
        "p50_ms": result["p50_ms"],
        "p95_ms": result["p95_ms"],
        "rps": result["rps"],
        "load_avg_1m": round(load_avg[0], 2),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if result["errors_5xx"] == 0 else 1


@contextlib.contextmanager
def gunicorn_on(settings: dict, workers: int, port: int, log_path: Path):
    """gunicorn as the Procfile runs it (the app's worker class) on ``port``."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--worker-class",
                "backend.serving.GunicornWorker",
                "--workers",
                str(workers),
                "--bind",
                f"{HOST}:{port}",
                "--log-level",
                "warning",
                "backend:create_app()",
            ],
            cwd=ROOT,
            env=me_load.server_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        me_load.wait_until_healthy(f"http://{HOST}:{port}", proc, log_path)
        yield
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
