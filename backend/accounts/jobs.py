"""Jobs of accounts."""

from __future__ import annotations

from backend.accounts import services
from backend.jobs import job


@job
def end_expired_tenancies_job() -> int:
    """End tenancies that reached their end date (daily; safe to run twice)."""
    return services.end_expired_tenancies()
