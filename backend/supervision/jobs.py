"""Supervision jobs: missed 督办 deadlines, rebuilding the rollups."""

from __future__ import annotations

from backend.jobs import job
from backend.supervision import orders, rollups


@job
def mark_missed_orders_job() -> int:
    """Mark 督办 orders unanswered past their deadline (safe to run twice)."""
    return orders.mark_missed()


@job
def rebuild_rollups_job() -> int:
    """Recompute the ticket rollups from the raw events (one transaction)."""
    return rollups.rebuild()
