"""The demo: a closed annual survey with a shown result, and an open consultation."""

from __future__ import annotations

import sqlalchemy as sa

from backend.demo import seed_demo
from backend.surveys import results
from backend.surveys.models import Survey, SurveyState


def test_the_demo_annual_result_is_shown_for_the_estate_with_answers(db):
    seed_demo()
    surveys = db.session.scalars(sa.select(Survey).order_by(Survey.id)).all()
    assert [s.state for s in surveys] == [SurveyState.closed, SurveyState.open]
    found = results.results(surveys[0])
    shown = [f for f in found.estates.values() if f.shown]
    assert len(shown) == 1 and shown[0].score is not None
