"""The worker and the clock as the Procfile runs them, riding out a Redis outage.

``rq worker`` quits on the first Redis error outside its dequeue (a heartbeat, a
registration, the end of a job: "unhandled exception, quitting"), and ``rq cron`` on any
Redis error at all. Here each runs in a loop that waits for Redis with a capped
exponential backoff and starts again, so an outage of minutes (or a Redis restarted empty)
delays jobs but never needs an operator; only a stop signal ends them::

    python -m backend.processes worker      # rq worker --with-scheduler, resilient
    python -m backend.processes clock       # rq cron backend.cron, resilient
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable

import redis
from rq import Queue, Worker
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

log = logging.getLogger("backend.processes")

#: Redis errors that mean "not reachable now", as opposed to a bug
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class Backoff:
    """Seconds to wait before the next try: doubling from ``first`` up to ``cap``."""

    def __init__(self, first: float = 1.0, cap: float = 30.0):
        self.first, self.cap = first, cap
        self.current = first

    def next(self) -> float:
        delay = self.current
        self.current = min(self.current * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.current = self.first


class Stop(Exception):
    """A stop signal arrived while waiting for Redis."""


def _stop_on_signals() -> None:
    def stop(signum, _frame):
        raise Stop(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def wait_for_redis(connection: redis.Redis, backoff: Backoff, sleep=time.sleep) -> None:
    """Return once Redis answers a PING, retrying with ``backoff`` (logged, never raised)."""
    while True:
        try:
            connection.ping()
            return
        except REDIS_DOWN as exc:
            delay = backoff.next()
            log.warning("Redis not reachable (%s); trying again in %.0f s", exc, delay)
            sleep(delay)


def run_worker(
    redis_url: str,
    queue_names: list[str],
    *,
    with_scheduler: bool = True,
    worker_class: type[Worker] = Worker,
    backoff: Backoff | None = None,
) -> int:
    """Run an RQ worker until a stop signal; after a Redis error, wait and start another.

    Each round is a new worker (a new name: the old one's registration may have gone with
    a Redis restarted empty). Returns 0 on a requested stop.
    """
    backoff = backoff or Backoff()
    connection = redis.Redis.from_url(redis_url, socket_connect_timeout=5, health_check_interval=30)
    while True:
        try:
            _stop_on_signals()
            wait_for_redis(connection, backoff)
            queues = [Queue(name, connection=connection) for name in queue_names]
            # maintenance also restarts the scheduler process (delayed jobs) when an outage
            # killed it: every 30 s instead of RQ's 10 minutes
            worker = worker_class(queues, connection=connection, maintenance_interval=30)
        except Stop:
            return 0
        except REDIS_DOWN as exc:
            log.warning("worker could not start: %s", exc)
            continue
        try:
            worker.work(with_scheduler=with_scheduler)
        except REDIS_DOWN as exc:
            # the worker's own teardown (register_death) met the outage too
            log.warning("worker %s stopped by a Redis error: %s", worker.name, exc)
            _quietly(worker.unsubscribe)
        if getattr(worker, "_shutdown_requested_date", None) or worker._stop_requested:
            log.info("worker %s stopped on request", worker.name)
            return 0
        log.warning("worker %s left its loop (Redis error); starting another", worker.name)
        backoff.reset()


class ResilientCronScheduler(CronScheduler):
    """RQ's cron scheduler that keeps its schedule through a Redis outage.

    A job due while Redis is away is enqueued when Redis answers again (its next
    enqueue time only moves on after a successful enqueue); the scheduler re-registers
    itself if Redis came back empty.
    """

    backoff_class = Backoff
    #: longest sleep between checks (RQ's is 60 s): a Redis restarted empty sees the
    #: clock registered again, and an outage noticed, within this
    max_sleep = 10.0

    def calculate_sleep_interval(self) -> float:
        return min(super().calculate_sleep_interval(), self.max_sleep)

    def start(self) -> None:
        self.log.info("CronScheduler %s: starting (resilient)", self.name)
        self._install_signal_handlers()
        backoff = self.backoff_class()
        registered = False
        try:
            while True:
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                    backoff.reset()
                    sleep_time = self.calculate_sleep_interval()
                except REDIS_DOWN as exc:
                    sleep_time = backoff.next()
                    self.log.warning(
                        "CronScheduler %s: Redis not reachable (%s); trying again in %.0f s",
                        self.name,
                        exc,
                        sleep_time,
                    )
                if sleep_time > 0:
                    time.sleep(sleep_time)
        except (KeyboardInterrupt, StopRequested):
            self.log.info("CronScheduler %s: stop requested", self.name)
        finally:
            if registered:
                _quietly(self.register_death)


def _quietly(call: Callable[[], object]) -> None:
    try:
        call()
    except REDIS_DOWN as exc:
        log.warning("%s skipped: Redis not reachable (%s)", getattr(call, "__name__", call), exc)


def run_clock(redis_url: str, config_module: str = "backend.cron") -> int:
    """Run the cron scheduler over ``config_module`` (its ``rq.cron.register`` calls)
    until a stop signal, riding out Redis outages."""
    connection = redis.Redis.from_url(
        redis_url, socket_connect_timeout=5, socket_timeout=10, health_check_interval=30
    )
    scheduler = ResilientCronScheduler(connection=connection)
    scheduler.load_config_from_file(config_module)
    scheduler.start()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m backend.processes worker|clock``: settings as the app reads them."""
    import argparse

    parser = argparse.ArgumentParser(description="邻里：后台任务进程（worker / clock）")
    parser.add_argument("process", choices=("worker", "clock"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from backend import create_app

    config = create_app().config
    if not config.get("REDIS_URL"):
        parser.error("REDIS_URL is not set: the embedded stack runs jobs inline")
    if args.process == "worker":
        from backend.jobs import Worker as AppWorker

        # the worker builds the app once for all its jobs (backend.jobs.Worker)
        return run_worker(config["REDIS_URL"], [config["JOBS_QUEUE"]], worker_class=AppWorker)
    return run_clock(config["REDIS_URL"])


if __name__ == "__main__":
    sys.exit(main())
