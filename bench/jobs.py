"""Benchmark of background work on PostgreSQL + Redis: jobs through the outbox and real
``rq worker`` processes, and bill-issued messages delivered to the fake WeChat server.

It builds its own database (``linli_bench_jobs``; dropped afterwards unless ``--keep``) and
uses its own queue (``bench-jobs``) in the Redis database given by ``--redis-url``:

1. ``jobs_per_s``: ``--jobs`` no-op jobs (``backend.jobs.ping``) deferred through the
   outbox in one transaction and committed; one ``rq worker`` (``--worker-class``, by
   default the app's ``backend.jobs.Worker``, which builds the app once) runs them; the
   clock runs from the commit until every command is ``done``;
2. ``messages_per_s``: an estate of ``--units`` units, one owner each bound in the
   mini-app with one consent for the bill template (in the app's ledger and on the fake
   WeChat server, served here in a thread); the month's bills are generated and committed;
   two workers run the bill notice job and deliver its messages. The clock runs from the
   commit until every message left ``pending``/``sending``. ``notices`` (messages made),
   ``delivered`` (messages the fake server received), ``lost`` (made, never received) and
   ``duplicates`` (received twice for one resident) must read ``notices == delivered``,
   ``lost == 0``, ``duplicates == 0``.

``--baseline N`` also runs N no-op jobs on RQ's plain ``rq.Worker`` (the app built in
every forked job, as before) for ``plain_worker_jobs_per_s``. ``--smoke SECONDS``: a
quick run with small counts, each phase bounded by SECONDS. Run from the repository root:
``.venv/bin/python bench/jobs.py --smoke 60``. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import me_load  # noqa: E402

from bench import common  # noqa: E402

SECRET = "bench-jobs-secret"
APPID, APPSECRET = "wxlinlibench000001", "linli-bench-secret"
QUEUE = "bench-jobs"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default=common.admin_url())
    parser.add_argument("--database", default=common.database_name("jobs"))
    parser.add_argument("--redis-url", default=common.redis_url("redis://127.0.0.1:6379/1"))
    parser.add_argument("--jobs", type=int, default=2000, help="no-op jobs (phase 1)")
    parser.add_argument("--units", type=int, default=3000, help="residents told (phase 2)")
    parser.add_argument("--worker-class", default="backend.jobs.Worker")
    parser.add_argument("--baseline", type=int, default=0, help="no-op jobs on rq.Worker")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per phase")
    parser.add_argument(
        "--smoke",
        type=float,
        nargs="?",
        const=90.0,
        help="quick run bounded by SECONDS per phase (90 when not given)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    if args.smoke:
        args.jobs, args.units, args.timeout = 300, 300, args.smoke
    return args


@contextlib.contextmanager
def fake_wechat():
    """The fake WeChat server on a free localhost port, in a thread."""
    from werkzeug.serving import make_server

    from miniapp_mock.wechat_server import create_app

    app = create_app(APPID, APPSECRET)
    logging_off()
    server = make_server("127.0.0.1", me_load.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app.extensions["fake_wechat"]
    finally:
        server.shutdown()


def logging_off() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)


@contextlib.contextmanager
def workers(count: int, settings: dict, worker_class: str, log_path: Path):
    """``count`` ``rq worker`` processes on the bench queue, stopped at the end."""
    env = me_load.server_env(settings)
    rq = str(Path(sys.executable).parent / "rq")
    command = [rq, "worker", "--worker-class", worker_class, "--quiet"]
    command += ["--url", settings["REDIS_URL"], QUEUE]
    procs = []
    with open(log_path, "ab") as log:
        for _ in range(count):
            procs.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        try:
            yield procs
        finally:
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def wait_for_workers(app, count: int, timeout: float) -> None:
    from rq import Queue, Worker

    from backend.extensions import redis_store

    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            queue = Queue(QUEUE, connection=redis_store.client)
            if len(Worker.all(queue=queue)) >= count:
                return
            time.sleep(0.2)
    raise RuntimeError("rq workers did not start")


def wait_until(check, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def outbox_left(app) -> int:
    """Commands not yet done or failed."""
    import sqlalchemy as sa

    from backend.core.outbox import CommandState, OutboxCommand
    from backend.extensions import db

    with app.app_context():
        found = db.session.scalar(
            sa.select(sa.func.count(OutboxCommand.id)).where(
                OutboxCommand.state.in_([CommandState.pending, CommandState.running])
            )
        )
        db.session.remove()
        return found


def run_pings(app, count: int, settings, worker_class, timeout, log_path, tag) -> dict:
    """``count`` no-op jobs through the outbox, one worker: jobs per second."""
    from backend.core.db import commit, defer
    from backend.jobs import ping

    with workers(1, settings, worker_class, log_path):
        wait_for_workers(app, 1, 60)
        with app.app_context():
            for n in range(count):
                defer(ping, key=f"bench-ping-{tag}-{n}")
            started = time.perf_counter()
            commit()
        finished = wait_until(lambda: outbox_left(app) == 0, timeout)
        elapsed = time.perf_counter() - started
    return {"jobs": count, "seconds": round(elapsed, 2), "finished": finished,
            "jobs_per_s": round(count / elapsed, 1)}  # fmt: skip


def seed_messages(app, units: int, state) -> int:
    """An estate of ``units`` units and owners, each with one consent for the bill
    template (the app's ledger and the fake server alike); returns the estate's id."""
    import fees
    import sqlalchemy as sa

    from backend.core.db import commit
    from backend.extensions import db
    from backend.notify.services import template_of

    estate_id, _items = fees.seed_estate(app, units)
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
            {"n": units},
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
                  ON u.n = r.n
                """
            )
        )
        template = template_of("bill_issued").id
        db.session.execute(
            sa.text(
                """
                INSERT INTO subscription_consents (resident_id, template_id, remaining, long_term,
                    accepted_count, used_count, last_answer, updated_at)
                SELECT id, :t, 1, false, 1, 0, 'accept', now() AT TIME ZONE 'UTC' FROM residents
                """
            ),
            {"t": template},
        )
        openids = db.session.scalars(sa.text("SELECT openid FROM residents")).all()
        commit()
    with state.lock:
        for openid in openids:
            state.consents[(openid, template)] = 1
            state.known_openids.add(openid)
    return estate_id


def run_messages(app, estate_id, state, settings, worker_class, timeout, log_path) -> dict:
    """Generate a month's bills; two workers tell every resident: messages per second."""
    from datetime import date

    import sqlalchemy as sa

    from backend.core.db import commit
    from backend.extensions import db
    from backend.fees.services import generate_bills
    from backend.notify.models import DeliveryStatus, Notification
    from backend.notify.services import template_of

    def settled() -> bool:
        with app.app_context():
            made, open_ = db.session.execute(
                sa.select(
                    sa.func.count(Notification.id),
                    sa.func.count(
                        sa.case(
                            (
                                Notification.status.in_(
                                    [DeliveryStatus.pending, DeliveryStatus.sending]
                                ),
                                1,
                            )
                        )
                    ),
                )
            ).one()
            db.session.remove()
        return made > 0 and open_ == 0 and outbox_left(app) == 0

    with workers(2, settings, worker_class, log_path):
        wait_for_workers(app, 2, 60)
        with app.app_context():
            generate_bills(estate_id, date(2027, 1, 1))
            started = time.perf_counter()
            commit()
        finished = wait_until(settled, timeout, step=0.1)
        elapsed = time.perf_counter() - started
    template = template_of_in(app, template_of)
    with app.app_context():
        notices = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.kind == "bill_issued")
        )
        db.session.remove()
    with state.lock:
        received = [m["touser"] for m in state.messages if m.get("template_id") == template]
    delivered = len(received)
    distinct = len(set(received))
    return {
        "notices": notices,
        "delivered": delivered,
        "lost": notices - distinct,
        "duplicates": delivered - distinct,
        "finished": finished,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(delivered / elapsed, 1),
    }


def template_of_in(app, template_of) -> str:
    with app.app_context():
        return template_of("bill_issued").id


def main(argv=None) -> int:
    args = parse_args(argv)
    from rq import Queue
    from rq.registry import FailedJobRegistry

    from backend import create_app

    workdir = ROOT / "bench" / "results"
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "jobs-workers.log"
    log_path.unlink(missing_ok=True)
    url = me_load.recreate_database(args.admin_url, args.database)
    try:
        with fake_wechat() as (wechat_url, state):
            settings = {
                "DATABASE_URL": url,
                "REDIS_URL": args.redis_url,
                "SECRET_KEY": SECRET,
                "WECHAT_API_BASE": wechat_url,
                "LINLI_WECHAT_APPID": APPID,
                "LINLI_WECHAT_SECRET": APPSECRET,
                "LINLI_JOBS_QUEUE": QUEUE,
                "LINLI_JOBS_INLINE": "false",
            }
            me_load.run_migrations(settings)
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "REDIS_URL": args.redis_url,
                    "SECRET_KEY": SECRET,
                    "WECHAT_API_BASE": wechat_url,
                    "WECHAT_APPID": APPID,
                    "WECHAT_SECRET": APPSECRET,
                    "JOBS_QUEUE": QUEUE,
                    "JOBS_INLINE": False,
                }
            )
            logging_off()
            with app.app_context():
                from backend.extensions import redis_store

                queue = Queue(QUEUE, connection=redis_store.client)
                queue.empty()
            figures: dict = {}
            pings = run_pings(
                app, args.jobs, settings, args.worker_class, args.timeout, log_path, "fast"
            )
            figures["jobs_per_s"] = pings["jobs_per_s"]
            figures["jobs"] = pings["jobs"]
            if args.baseline:
                plain = run_pings(
                    app, args.baseline, settings, "rq.Worker", args.timeout, log_path, "plain"
                )
                figures["plain_worker_jobs_per_s"] = plain["jobs_per_s"]
            estate_id = seed_messages(app, args.units, state)
            messages = run_messages(
                app, estate_id, state, settings, args.worker_class, args.timeout, log_path
            )
            figures.update(messages)
            with app.app_context():
                figures["failed_jobs"] = len(FailedJobRegistry(queue=queue))
                queue.empty()
                from backend.extensions import db

                db.engine.dispose()
            figures["finished"] = pings["finished"] and messages["finished"]
    finally:
        if not args.keep:
            me_load.drop_database(args.admin_url, args.database)
    print(
        f"jobs: {figures['jobs']} no-op jobs, {figures['jobs_per_s']}/s on one worker; "
        f"messages: {figures['delivered']} of {figures['notices']} delivered, "
        f"{figures['messages_per_s']}/s on two workers"
    )
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["finished"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
