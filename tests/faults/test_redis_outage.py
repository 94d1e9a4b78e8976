"""Redis stopped for a while, then restarted empty (no persistence): the worker and the
clock (as the Procfile runs them) keep running, and take up their work by themselves; a
change committed during the outage has its side effects run by the worker, once."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from rq import Queue
from rq.cron_scheduler_registry import get_keys as cron_schedulers
from rq.job import Job, JobStatus

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand, drain, sweep
from backend.votes import motions
from tests.factories import BuildingFactory, EstateFactory, StaffFactory
from tests.faults.conftest import process_env, spawn, wait_until
from tests.helpers import subscribe
from tests.votes.conftest import T0, VoteWorld


def _registered_clocks(client) -> list:
    return list(cron_schedulers(client))


def _outbox(db) -> dict[str, int]:
    db.session.rollback()
    return dict(
        db.session.execute(
            sa.select(OutboxCommand.state, sa.func.count()).group_by(OutboxCommand.state)
        ).all()
    )


def test_worker_and_clock_ride_out_redis_stopped_and_restarted_empty(
    app, db, redis_server, fake_wechat, monkeypatch, tmp_path
):
    cfg = app.config
    env = process_env(
        REDIS_URL=redis_server.url,
        LINLI_JOBS_QUEUE="faults",
        WECHAT_APPID=cfg["WECHAT_APPID"],
        WECHAT_SECRET=cfg["WECHAT_SECRET"],
        WECHAT_API_BASE=cfg["WECHAT_API_BASE"],
        STORAGE_URL=cfg["STORAGE_URL"],
    )
    worker = spawn(["-m", "backend.processes", "worker"], env, tmp_path / "worker.log")
    clock = spawn(["-m", "backend.processes", "clock"], env, tmp_path / "clock.log")
    logs = lambda: (tmp_path / "worker.log").read_text() + (tmp_path / "clock.log").read_text()  # noqa: E731
    # an owner who agreed to hear of votes, and a draft motion (committed before the outage)
    estate = EstateFactory()
    world = VoteWorld(
        estate=estate,
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        building=BuildingFactory(estate=estate, name="1幢"),
    )
    owner = world.owner(world.unit("90.00", ["甲"]))
    subscribe(fake_wechat, owner, {"tmpl-vote-announced": "accept"})
    motion = world.motion()
    # the test's app uses the test's Redis and the workers' queue, jobs not inline
    monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
    monkeypatch.setitem(app.config, "JOBS_QUEUE", "faults")
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    try:
        client = redis_server.client()
        queue = Queue("faults", connection=client)
        assert wait_until(lambda: _registered_clocks(client), 60), logs()
        job = queue.enqueue("backend.fees.jobs.resume_refunds_job")
        assert wait_until(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 60), logs()

        redis_server.stop()
        started = time.monotonic()
        # during the outage the committee announces the vote: its notice waits in the outbox
        motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
        commit()
        waiting = _outbox(db).get(CommandState.pending, 0)
        assert waiting >= 1  # the notice (and the board's refresh)
        time.sleep(max(0.0, 6 - (time.monotonic() - started)))  # both go on trying
        assert worker.poll() is None and clock.poll() is None, logs()

        redis_server.start()  # back, and empty
        client = redis_server.client()
        assert client.dbsize() == 0
        monkeypatch.setitem(app.extensions, "linli_redis", client)
        queue = Queue("faults", connection=client)
        job = queue.enqueue("backend.fees.jobs.resume_refunds_job")
        done = wait_until(
            lambda: Job.fetch(job.id, connection=client).get_status() == JobStatus.FINISHED, 60
        )
        assert done, logs()
        # the clock's sweep (every minute: called here too, not waited for; whichever
        # comes first) hands the missed commands to the worker, which sends the notice
        assert sweep() <= waiting
        sent = wait_until(lambda: fake_wechat.messages(owner.openid), 60)
        assert [m["template_id"] for m in sent] == ["tmpl-vote-announced"], logs()
        # every command done (the notice's own delivery command too), none pending
        assert wait_until(lambda: set(_outbox(db)) == {CommandState.done}, 30), logs()
        assert _outbox(db)[CommandState.done] > waiting
        assert (sweep(), drain()) == (0, 0)  # nothing is left, nothing runs twice
        assert len(fake_wechat.messages(owner.openid)) == 1
        # the clock registered itself again in the empty Redis (it checks every 10 s)
        assert wait_until(lambda: _registered_clocks(client), 30), logs()
        assert worker.poll() is None and clock.poll() is None, logs()
    finally:
        for process in (worker, clock):
            process.terminate()
        for process in (worker, clock):
            try:
                process.wait(15)
            except Exception:
                process.kill()
