"""Mediation's periodic job: the judicial confirmation reminder (safe to run twice)."""

from __future__ import annotations

from backend.jobs import job
from backend.mediation.services import remind_confirmations


@job
def remind_confirmations_job() -> int:
    """Remind the parties of agreements nearing the 30 days of Art. 33 (once each)."""
    return remind_confirmations()
