"""Opening a survey freezes its households (``survey_units``): a unit added to an estate
afterwards cannot answer (online or on paper), so answered ⊆ households by construction
and the response rate never passes 100 %."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.core.errors import Conflict
from backend.extensions import db
from backend.surveys import panel, results, services
from backend.surveys.models import SurveyAnswer, SurveyEstate, SurveyUnit
from tests.helpers import bearer
from tests.surveys.conftest import DURING, full_answer


def test_a_unit_added_after_the_opening_is_refused_and_the_rate_stays_within_100(world):
    estate = world.estates[0]
    owners = world.households(2, estate)
    survey = world.open(world.survey(estates=[estate], min_answers=1))
    frozen = db.session.scalars(
        sa.select(SurveyUnit.unit_id).where(SurveyUnit.survey_id == survey.id)
    ).all()
    assert len(frozen) == 2

    late_unit = world.unit(estate)
    late_owner = world.resident(late_unit)
    commit()
    for owner in owners:
        services.answer(owner, survey, full_answer(4), now=DURING)
    commit()
    with pytest.raises(Conflict) as refused:
        services.answer(late_owner, survey, full_answer(5), now=DURING)
    assert refused.value.message == services.OUTSIDE_SCOPE
    assert "问卷开始后才登记" in refused.value.message
    db.session.rollback()
    with pytest.raises(Conflict) as paper:
        services.enter_paper(world.officer, survey, late_unit.id, full_answer(5), now=DURING)
    assert paper.value.message == services.OUTSIDE_SCOPE
    db.session.rollback()

    # the printed paper questionnaires are the frozen households' only
    printed = db.session.execute(panel.units_to_print(world.officer, survey, estate.id)).all()
    assert sorted(r.id for r in printed) == sorted(frozen) and late_unit.id not in frozen

    row = db.session.get(SurveyEstate, (survey.id, estate.id))
    assert (row.households, row.answered) == (2, 2)
    figures = results.results(survey).estates[estate.id]
    assert figures.response_rate == 1
    assert figures.response_rate <= 1
    answered_units = set(
        db.session.scalars(
            sa.select(SurveyAnswer.unit_id).where(SurveyAnswer.survey_id == survey.id)
        )
    )
    assert answered_units <= set(frozen)


def test_the_api_refuses_the_late_unit_with_409_in_chinese(world, client):
    estate = world.estates[0]
    world.households(1, estate)
    survey = world.open(world.survey(estates=[estate], live=True))
    late_owner = world.resident(world.unit(estate))
    commit()
    response = client.put(
        f"/api/v1/me/surveys/{survey.id}/answer",
        json={"answers": full_answer(4)},
        headers=bearer(late_owner),
    )
    assert response.status_code == 409
    assert "问卷开始后才登记" in response.get_json()["message"]
