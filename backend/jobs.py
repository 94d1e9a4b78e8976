"""Background jobs on RQ: inline on the embedded stack, RQ workers with Redis otherwise.

Job functions are module-level, take ids, push their own app context, commit once and are
safe to run twice. Decorate them with :func:`job`; run them with
:func:`backend.core.db.defer`, which writes them to the transactional outbox
(:mod:`backend.core.outbox`): they start only after the caller's transaction commits, and
a committed one is never lost.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

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
