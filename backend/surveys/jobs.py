"""Survey jobs: telling households, and the clock that closes windows and reminds."""

from __future__ import annotations

from backend.jobs import job
from backend.surveys import notices, services


@job
def announce_survey_job(survey_id: int) -> int:
    """Tell the households of a survey that just opened (safe to run twice: the outbox key
    runs it once)."""
    return notices.announce(survey_id)


@job
def remind_survey_job(survey_id: int) -> int:
    """Remind the households that have not answered (once per survey)."""
    return notices.remind(survey_id)


@job
def advance_surveys_job() -> dict:
    """Close surveys whose window ended, schedule the reminders; safe to run twice."""
    return services.advance_surveys()
