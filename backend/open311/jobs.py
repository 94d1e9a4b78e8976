"""Open311's jobs: the push of a status change to a partner (run by the outbox, retried)."""

from __future__ import annotations

from backend.jobs import job
from backend.open311.services import push


@job
def push_job(request_id: int, digest: str) -> None:
    """Push request ``request_id``'s state (``digest``: the state it was deferred for,
    part of the outbox key so each change is pushed once)."""
    push(request_id)
