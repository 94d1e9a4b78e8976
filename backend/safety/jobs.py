"""Safety's periodic job: make the coming month's due tasks (safe to run twice)."""

from __future__ import annotations

from datetime import timedelta

from backend.core import board_hook
from backend.core.time import local_today
from backend.jobs import job
from backend.safety.patrols import generate_rounds
from backend.safety.services import BOARD_SECTION, estates_to_refresh, generate_tasks

#: how far ahead tasks are made
AHEAD = timedelta(days=31)


@job
def generate_tasks_job() -> int:
    """Make every task and patrol round due from today to 31 days ahead (idempotent:
    unique constraints), and refresh the boards whose lift section changed with the date."""
    today = local_today()
    created = generate_tasks(today, today + AHEAD)
    created += generate_rounds(today, today + AHEAD)
    for estate_id in estates_to_refresh(today):
        board_hook.source_changed(estate_id, BOARD_SECTION)
    return created
