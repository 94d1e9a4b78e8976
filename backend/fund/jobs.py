"""Fund jobs: the clock that takes review silence as approval where the city says so."""

from __future__ import annotations

from backend.fund import uses
from backend.jobs import job


@job
def lapse_reviews_job() -> int:
    """Approve reviews past their due time in cities whose rules make silence approval;
    safe to run twice."""
    return uses.lapse_reviews()
