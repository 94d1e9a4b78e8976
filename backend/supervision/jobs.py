"""Supervision jobs: missed 督办 deadlines, expiring filings, monthly evaluations (the
rollups are rebuilt by ``flask rebuild-rollups``)."""

from __future__ import annotations

from backend.core.time import local_today
from backend.jobs import job
from backend.supervision import evaluation, filings, orders

#: last month is evaluated (again) on each of the first days of a month
EVALUATION_DAYS = 5


@job
def mark_missed_orders_job() -> int:
    """Mark 督办 orders unanswered past their deadline (safe to run twice)."""
    return orders.mark_missed()


@job
def flag_expiring_filings_job() -> int:
    """Flag filed terms and contracts ending within 60 days (safe to run twice)."""
    return filings.flag_expiring()


@job
def evaluate_last_month_job() -> int:
    """Evaluate every company for last month, until the 5th of this month (late ratings
    and reopenings still move last month's figures in the first days)."""
    today = local_today()
    if today.day > EVALUATION_DAYS:
        return 0
    return evaluation.evaluate_month(evaluation.last_month(today))
