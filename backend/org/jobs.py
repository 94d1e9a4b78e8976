"""Jobs of jurisdictions and property."""

from __future__ import annotations

from backend.jobs import job
from backend.org import contracts


@job
def apply_contracts_job() -> int:
    """Daily: the company serving each estate follows its contract in force."""
    return contracts.apply_contracts()
