"""The app's RQ worker builds the app once, before its first job, not once per job."""

from __future__ import annotations

import time

from flask.globals import app_ctx
from rq import Queue
from rq.registry import FinishedJobRegistry

import backend
from backend import jobs
from backend.extensions import redis_store


def test_the_worker_builds_the_app_once_for_all_its_jobs(app, db, monkeypatch):
    built = []

    def create_app():
        built.append(1)
        return app

    monkeypatch.setattr(backend, "create_app", create_app)
    monkeypatch.setattr(jobs, "_worker_app", None)
    connection = redis_store.client
    queue = Queue("worker-test", connection=connection)
    for _ in range(3):
        queue.enqueue(jobs.ping, result_ttl=60)

    # as ``rq worker`` runs it: outside any app context (the fixture's is set aside)
    app_context = app_ctx._get_current_object()
    app_context.pop()
    started = time.monotonic()
    try:
        assert jobs.Worker([queue], connection=connection).work(burst=True)
    finally:
        app_context.push()

    # it quits at once: RQ's listener thread once held it for a minute, after which the
    # results (kept 60 s) were gone
    assert time.monotonic() - started < 10
    assert built == [1]
    assert FinishedJobRegistry(queue=queue).count == 3
    assert jobs.Worker.__mro__[1].__name__ == "SimpleWorker"  # no fork: the app is kept
