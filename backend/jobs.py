"""Background jobs on RQ: inline on the embedded stack, RQ workers with Redis otherwise.

Job functions are module-level, take ids, push their own app context, commit once and are
safe to run twice. Decorate them with :func:`job`; run them with
:func:`backend.core.db.defer`, which writes them to the transactional outbox
(:mod:`backend.core.outbox`): they start only after the caller's transaction commits, and
a committed one is never lost.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable

import rq
from flask import Flask, current_app, has_app_context
from rq import Queue

from backend.extensions import redis_store

log = logging.getLogger(__name__)

_worker_app: Flask | None = None


def _app() -> Flask:
    """The app a job runs in: the caller's (inline, tests) or one made for the worker."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from backend import create_app

        _worker_app = create_app()
    return _worker_app


def job(func: Callable) -> Callable:
    """Make ``func`` a job: run in a fresh app context (own session), committed once."""

    @functools.wraps(func)
    def run(*args):
        from backend.core.db import commit, rollback

        with _app().app_context():
            try:
                result = func(*args)
                commit()
            except Exception:
                rollback()
                raise
            return result

    #: the body without its own app context and commit: the outbox runs it in the
    #: session of the command's run, so its last transaction also records the command done
    run.job_body = func
    return run


def queue_name() -> str:
    """The queue jobs go to (setting ``JOBS_QUEUE``): web app, workers and clock agree."""
    return _app().config["JOBS_QUEUE"]


def get_queue() -> Queue:
    """The app's queue; synchronous (``is_async=False``) when jobs run inline."""
    return Queue(
        current_app.config["JOBS_QUEUE"],
        connection=redis_store.client,
        is_async=not current_app.config["JOBS_INLINE"],
    )


@job
def ping() -> None:
    """A job that does nothing: what the queue and the outbox cost by themselves
    (``bench/jobs.py``)."""


def warm_up() -> Flask:
    """Build the worker's app and import the job modules, once, before the first job.

    RQ's default worker forks a work horse per job, and what a horse builds dies with it:
    built there, the app cost every job about 2 s (issue 16). The app's worker
    (:class:`Worker`) runs jobs in its own process instead, so the app, the imported job
    modules and the database pool serve every job. Should a job kill the process, nothing
    is lost: its outbox command is ``running`` and the sweep runs it again.
    """
    import importlib

    from backend.features import FEATURES

    app = _app()
    importlib.import_module("backend.core.outbox")
    for feature in FEATURES:
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"backend.{feature.name}.jobs")
    return app


class Worker(rq.SimpleWorker):
    """The app's RQ worker (``rq worker --worker-class backend.jobs.Worker``, as the
    Procfile runs it): the app is built once, before the first job, and every job runs in
    this process, so a job pays only for its own work (no fork, no app start-up, the
    database pool kept). A job's time limit still holds (RQ's in-process timer)."""

    def work(self, *args, **kwargs):
        warm_up()
        return super().work(*args, **kwargs)

    def unsubscribe(self):
        """Stop listening on the worker's control channel at once.

        RQ sends UNSUBSCRIBE and only then trips its listener thread's flag. When the
        thread reads the reply before the flag is tripped, it goes back to wait for the
        next message (up to a minute), and redis-py's ``stop()`` waits for it: the
        worker then took 60 s to quit (a deploy's restart, or a burst run). Tripping the
        flag first lets that reply end the thread."""
        if self.pubsub_thread:
            self.pubsub_thread.stop(timeout=0)
        super().unsubscribe()
