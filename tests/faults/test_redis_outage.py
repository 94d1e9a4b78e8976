"""Redis stopped for a while, then restarted empty (no persistence): the worker and the
clock (as the Procfile runs them) keep running, and take up their work by themselves."""

from __future__ import annotations

import time

from rq import Queue
from rq.cron_scheduler_registry import get_keys as cron_schedulers
from rq.job import Job, JobStatus

from tests.faults.conftest import process_env, spawn, wait_until


def _registered_clocks(client) -> list:
    return list(cron_schedulers(client))


def test_worker_and_clock_ride_out_redis_stopped_and_restarted_empty(
    app, db, redis_server, tmp_path
):
    env = process_env(REDIS_URL=redis_server.url, LINLI_JOBS_QUEUE="faults")
    worker = spawn(["-m", "backend.processes", "worker"], env, tmp_path / "worker.log")
    clock = spawn(["-m", "backend.processes", "clock"], env, tmp_path / "clock.log")
    logs = lambda: (tmp_path / "worker.log").read_text() + (tmp_path / "clock.log").read_text()  # noqa: E731
    try:
        client = redis_server.client()
        queue = Queue("faults", connection=client)
        assert wait_until(lambda: _registered_clocks(client), 60), logs()
        job = queue.enqueue("backend.fees.jobs.resume_refunds_job")
        assert wait_until(lambda: job.get_status(refresh=True) == JobStatus.FINISHED, 60), logs()

        redis_server.stop()
        time.sleep(6)  # an outage: both go on trying
        assert worker.poll() is None and clock.poll() is None, logs()

        redis_server.start()  # back, and empty
        client = redis_server.client()
        assert client.dbsize() == 0
        queue = Queue("faults", connection=client)
        job = queue.enqueue("backend.fees.jobs.resume_refunds_job")
        done = wait_until(
            lambda: Job.fetch(job.id, connection=client).get_status() == JobStatus.FINISHED, 60
        )
        assert done, logs()
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
