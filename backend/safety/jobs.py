"""Safety's periodic job: make the coming month's due tasks (safe to run twice)."""

from __future__ import annotations

from datetime import timedelta

from backend.core.time import local_today
from backend.jobs import job
from backend.safety.services import generate_tasks

#: how far ahead tasks are made
AHEAD = timedelta(days=31)


@job
def generate_tasks_job() -> int:
    """Make every task due from today to 31 days ahead; idempotent (unique constraint)."""
    today = local_today()
    return generate_tasks(today, today + AHEAD)
