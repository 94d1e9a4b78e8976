"""Benchmark of the public disclosure board: cached reads under concurrent load.

It builds its own PostgreSQL database (``--database``, default ``linli_bench_board``:
dropped and made anew, dropped afterwards unless ``--keep``; see ``bench/common.py``) and
uses the Redis database ``--redis-url`` (default db 3, flushed first):

1. ``--estates`` estates (default 20), each with a full board: posts in every public
   section (``--posts`` per section, bodies of about 1 KB), one corrected, one withdrawn,
   a money statement and the generated fee standards;
2. the app on gunicorn (``--workers``, default 2) and the floor (``bench/board_floor.py``:
   plain Flask returning the same stored JSON bytes from Redis) side by side;
3. every board is read once (which caches it), the cached bytes are copied for the floor,
   then ``GET /api/v1/estates/<id>/board`` and the floor are loaded in turn by
   ``--concurrency`` client threads for ``--seconds`` each, the estates in rotation.

A publication in the middle (``--check-invalidation``, on by default) checks that the new
post is on the next read. Run from the repository root: ``.venv/bin/python bench/board.py``;
the last line printed is one JSON object with ``board_rps``, ``floor_rps`` and ``ratio``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.fees import load, serve  # noqa: E402
from bench.me_load import drop_database, recreate_database, run_migrations  # noqa: E402

SECRET = "bench-board-" + secrets.token_hex(8)
BODY = (
    "<h3>公示说明</h3><p>根据《物业服务收费明码标价规定》及本市物业管理条例，现将有关事项公示如下，"
    "公示期内如有异议，请向物业服务中心或业主委员会反映。</p>"
    "<ul><li>公示期：自发布之日起 30 日</li><li>受理电话：0571-88886666</li>"
    "<li>受理地点：物业服务中心一楼大厅</li></ul>"
) * 2


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    common.add_arguments(p, "board")
    p.add_argument(
        "--redis-url",
        default=common.redis_url("redis://127.0.0.1:6379/3"),
        help="Redis database (flushed first)",
    )
    p.add_argument("--estates", type=int, default=20, help="estates, each with a full board")
    p.add_argument("--posts", type=int, default=2, help="posts per hand-written section")
    p.add_argument("--concurrency", type=int, default=32, help="client connections")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers of each server")
    p.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    p.add_argument(
        "--no-check-invalidation",
        dest="check_invalidation",
        action="store_false",
        help="skip publishing in the middle of the run",
    )
    return common.smoke(p.parse_args(argv), estates=2, posts=1, concurrency=4, seconds=1.0)


def seed(app, estates: int, posts: int) -> list[int]:
    """``estates`` estates with full boards; returns their ids."""
    from datetime import date
    from decimal import Decimal

    from backend.accounts.models import Staff, StaffRole
    from backend.board import services
    from backend.board.demo import STATEMENT
    from backend.board.sections import sections
    from backend.board.services import Content
    from backend.core.db import commit
    from backend.extensions import db
    from backend.fees import services as fees
    from backend.fees.models import FeeBasis, PricingForm
    from backend.org.models import Community, Company, Estate, Street

    ids = []
    with app.app_context():
        street = Street(name="文新街道", district="西湖区", city="杭州市")
        community = Community(street=street, name="文新社区")
        db.session.add(community)
        db.session.flush()
        for n in range(estates):
            company = Company(name=f"基准物业{n}", credit_code=f"91330100BENCH{n:05d}", phone="")
            estate = Estate(
                community=community, street_id=street.id, name=f"基准小区{n}", company=company
            )
            db.session.add(estate)
            db.session.flush()
            # publishers only: nobody signs in during the bench
            admin = Staff(username=f"bench.admin{n}", name=f"管理员{n}", password_hash="x")
            admin.role, admin.company_id = StaffRole.company_admin, company.id
            committee = Staff(username=f"bench.committee{n}", name=f"委员{n}", password_hash="x")
            committee.role, committee.estate_id = StaffRole.committee_member, estate.id
            db.session.add_all([admin, committee])
            db.session.flush()
            for item, price in (("物业服务费", "2.35"), ("生活垃圾清运费", "10")):
                fees.create_fee_item(
                    admin,
                    estate.id,
                    name=item,
                    basis=FeeBasis.per_area if price == "2.35" else FeeBasis.fixed,
                    pricing_form=PricingForm.government_guided,
                    price=Decimal(price),
                    effective_from=date(2026, 1, 1),
                    basis_document="杭价服〔2024〕18号",
                )
            for found in sections():
                if found.generated or not found.public:
                    continue
                staff = {"company": admin, "committee": committee}.get(found.publisher.value)
                if staff is None:
                    continue
                for k in range(posts):
                    statement = STATEMENT if found.code == "public_income" and k == 0 else None
                    services.publish(
                        staff,
                        estate.id,
                        found.code,
                        Content(
                            title=f"{found.name}（第 {k + 1} 期）", body=BODY, statement=statement
                        ),
                    )
            post = services.publish(
                admin, estate.id, "manager", Content(title="项目负责人", body="<p>陈经理</p>")
            )
            db.session.flush()
            services.correct(
                admin, post.id, Content(title="项目负责人", body="<p>林经理</p>"), "人员调整"
            )
            gone = services.publish(
                admin, estate.id, "parking", Content(title="车位公示", body=BODY)
            )
            db.session.flush()
            services.withdraw(admin, gone.id, "数据有误")
            commit()
            ids.append(estate.id)
    return ids


def main(argv=None) -> int:
    args = parse_args(argv)
    import redis

    redis_url = args.redis_url
    redis.Redis.from_url(redis_url).flushdb()
    url = recreate_database(args.admin_url, args.database)
    try:
        return run(args, url, redis_url)
    finally:
        if not args.keep:
            drop_database(args.admin_url, args.database)


def run(args, url: str, redis_url: str) -> int:
    """Seed the boards in database ``url``, serve app and floor, load both, print figures."""
    import redis

    from backend import create_app

    settings = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET,
        "LINLI_JOBS_INLINE": "true",
    }
    workdir = ROOT / "bench" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    run_migrations(settings)
    os.environ.update(settings)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": redis_url})
    estate_ids = seed(app, args.estates, args.posts)
    print(f"seeded {len(estate_ids)} boards", flush=True)

    floor_app = ("--chdir", "bench", "board_floor:create_app()")
    client = redis.Redis.from_url(redis_url)
    with (
        serve((), settings, args.workers, workdir / "board-app.log") as app_base,
        serve(floor_app, settings, args.workers, workdir / "board-floor.log") as floor_base,
    ):
        sizes = []
        for estate_id in estate_ids:
            response = requests.get(f"{app_base}/api/v1/estates/{estate_id}/board", timeout=30)
            response.raise_for_status()
            sizes.append(len(response.content))
            client.set(f"bench:board:{estate_id}", response.content)
        print(f"board size: {min(sizes)}–{max(sizes)} bytes", flush=True)
        invalidation = None
        if args.check_invalidation:
            invalidation = check_invalidation(app, app_base, estate_ids[0], client)
        board = [(f"{app_base}/api/v1/estates/{i}/board", {}) for i in estate_ids]
        floor = [(f"{floor_base}/floor/board/{i}", {}) for i in estate_ids]
        load(board, args.concurrency, 1.0)
        load(floor, args.concurrency, 1.0)
        results = {}
        for name, reqs in (("board", board), ("floor", floor)):
            results[name] = load(reqs, args.concurrency, args.seconds)
            print(f"{name}: {results[name]}", flush=True)
    with app.app_context():
        from backend.extensions import db

        db.engine.dispose()
    figures = {
        "board_rps": results["board"]["rps"],
        "floor_rps": results["floor"]["rps"],
        "ratio": round(results["board"]["rps"] / results["floor"]["rps"], 2),
        "errors": results["board"]["errors"] + results["floor"]["errors"],
        "estates": len(estate_ids),
        "board_bytes": max(sizes),
        "invalidation_ok": invalidation,
        "workers": args.workers,
        "concurrency": args.concurrency,
    }
    print(
        f"board {figures['board_rps']} req/s, floor {figures['floor_rps']} req/s, "
        f"ratio {figures['ratio']} (target ≥ 0.5)",
        flush=True,
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0


def check_invalidation(app, base: str, estate_id: int, client) -> bool:
    """Publish on a cached board: the next public read must show the new post."""
    from backend.accounts.models import Staff
    from backend.board import services
    from backend.board.services import Content
    from backend.core.db import commit
    from backend.extensions import db

    url = f"{base}/api/v1/estates/{estate_id}/board"
    requests.get(url, timeout=30)
    with app.app_context():
        admin = db.session.query(Staff).filter_by(username="bench.admin0").one()
        services.publish(admin, estate_id, "parking", Content(title="基准测试新公示", body=BODY))
        commit()
    shown = "基准测试新公示" in requests.get(url, timeout=30).text
    body = requests.get(url, timeout=30).content
    client.set(f"bench:board:{estate_id}", body)
    print(f"new post shown at once: {shown}", flush=True)
    return shown


if __name__ == "__main__":
    raise SystemExit(main())
