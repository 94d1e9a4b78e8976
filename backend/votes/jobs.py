"""Vote jobs: telling the owners, and the clock that opens and closes voting windows."""

from __future__ import annotations

from backend.jobs import job
from backend.votes import motions, publication


@job
def notify_owners(motion_id: int, event: str) -> int:
    """Tell the estate's owners that a motion was announced or its result published
    (message center always, WeChat against each owner's consent)."""
    return publication.notify_owners(motion_id, event)


@job
def advance_motions_job() -> tuple[int, int]:
    """Open announced motions whose window began, close (and count) those whose window
    ended; safe to run twice."""
    return motions.advance_due()
