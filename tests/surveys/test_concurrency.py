"""Races only a real database shows: every member of a household answering at once."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.extensions import db
from backend.surveys import services
from backend.surveys.models import SurveyAnswer, SurveyEstate, SurveyTally
from tests.conftest import STACK
from tests.helpers import bearer, send_at_once
from tests.surveys.conftest import full_answer

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]

UNITS, MEMBERS = 20, 4


def test_members_of_one_unit_answering_at_once_leave_one_answer(app, world):
    households = []
    for _ in range(UNITS):
        unit = world.unit()
        households.append(
            [world.resident(unit)]
            + [world.resident(unit, role=ResidencyRole.family) for _ in range(MEMBERS - 1)]
        )
    survey = world.survey(live=True, respondents=services.Respondents.residents)
    services.open_survey(world.officer, survey, now=utcnow())
    commit()
    senders = [r for members in households for r in members]
    headers = [bearer(r) for r in senders]
    url = f"/api/v1/me/surveys/{survey.id}/answer"
    counts = send_at_once(
        app,
        len(senders),
        lambda client, i: client.put(
            url, json={"answers": full_answer(1 + i % 5)}, headers=headers[i]
        ),
    )
    assert counts == {200: UNITS, 409: UNITS * (MEMBERS - 1)}, counts
    db.session.expire_all()
    rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyAnswer)
        .where(SurveyAnswer.survey_id == survey.id)
    )
    assert rows == UNITS
    answered = db.session.scalar(
        sa.select(SurveyEstate.answered).where(
            SurveyEstate.survey_id == survey.id, SurveyEstate.estate_id == world.estates[0].id
        )
    )
    respondents = db.session.scalar(
        sa.select(SurveyTally.count).where(
            SurveyTally.survey_id == survey.id, SurveyTally.question == 1, SurveyTally.value == -1
        )
    )
    assert answered == respondents == UNITS


def test_one_resident_changing_an_answer_at_once_keeps_the_tallies_exact(app, world):
    owner = world.households(1)[0]
    survey = world.survey(live=True)
    services.open_survey(world.officer, survey, now=utcnow())
    commit()
    header = bearer(owner)
    url = f"/api/v1/me/surveys/{survey.id}/answer"
    barrier = threading.Barrier(10)

    def submit(i):
        barrier.wait()
        app.test_client().put(url, json={"answers": full_answer(1 + i % 5)}, headers=header)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    counts = db.session.execute(
        sa.select(SurveyTally.value, SurveyTally.count).where(
            SurveyTally.survey_id == survey.id, SurveyTally.question == 1
        )
    ).all()
    assert sum(c for v, c in counts if v != -1) == 1
    assert dict(counts)[-1] == 1
