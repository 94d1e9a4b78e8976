"""Ticket jobs: the periodic overdue sweep."""

from __future__ import annotations

from backend.jobs import job
from backend.tickets import services


@job
def flag_overdue_tickets_job() -> tuple[int, int]:
    """Alert overdue responses, escalate overdue resolutions (safe to run twice)."""
    return services.flag_overdue()
