"""Job functions the outbox tests defer (top-level, importable by path, as the outbox needs).

Each counts its runs in Redis under its tag, so a test sees how often it really ran.
"""

from __future__ import annotations

import time

from backend.extensions import redis_store
from backend.jobs import job


def runs(tag: str) -> int:
    """How often a job with ``tag`` ran."""
    return int(redis_store.client.get(f"outbox-test:{tag}") or 0)


@job
def count(tag: str) -> None:
    redis_store.client.incr(f"outbox-test:{tag}")


@job
def count_slowly(tag: str) -> None:
    time.sleep(0.3)
    redis_store.client.incr(f"outbox-test:{tag}")


@job
def always_fail(tag: str) -> None:
    redis_store.client.incr(f"outbox-test:{tag}")
    raise RuntimeError("WeChat says no")
