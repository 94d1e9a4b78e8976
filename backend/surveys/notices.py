"""Telling households about surveys: when one opens, and once before it closes to the
households that have not answered. Each goes to the message center and, against the
resident's consent, as a WeChat subscribe message (``notify_resident``)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole
from backend.core.time import to_local
from backend.extensions import db
from backend.notify import notify_resident
from backend.org.models import Estate
from backend.surveys.models import Respondents, Survey, SurveyAnswer, SurveyState


def _residents(survey: Survey, estate_id: int, skip_answered: bool) -> list[int]:
    conditions = [Residency.estate_id == estate_id, Residency.is_current]
    if survey.respondents == Respondents.owners:
        conditions.append(Residency.role == ResidencyRole.owner)
    if skip_answered:
        answered = sa.select(SurveyAnswer.unit_id).where(
            SurveyAnswer.survey_id == survey.id, SurveyAnswer.estate_id == estate_id
        )
        conditions.append(Residency.unit_id.not_in(answered))
    return list(
        db.session.scalars(
            sa.select(Residency.resident_id)
            .where(*conditions)
            .distinct()
            .order_by(Residency.resident_id)
        )
    )


def announce(survey_id: int) -> int:
    """Tell the residents who may answer that ``survey_id`` opened."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.state != SurveyState.open:
        return 0
    sent = 0
    for row in survey.estates:
        name = db.session.get(Estate, row.estate_id).name
        for resident_id in _residents(survey, row.estate_id, skip_answered=False):
            notify_resident(
                resident_id,
                "survey_opened",
                estate_id=row.estate_id,
                survey_id=survey.id,
                title=survey.title,
                estate_name=name,
                closes_on=to_local(survey.closes_at).date(),
            )
            sent += 1
    return sent


def remind(survey_id: int) -> int:
    """Remind the residents of units that have not answered (the survey is still open)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.state != SurveyState.open:
        return 0
    sent = 0
    for row in survey.estates:
        for resident_id in _residents(survey, row.estate_id, skip_answered=True):
            notify_resident(
                resident_id,
                "survey_closing",
                estate_id=row.estate_id,
                survey_id=survey.id,
                title=survey.title,
                closes_at=survey.closes_at,
            )
            sent += 1
    return sent
