"""An answer costs a bounded number of SQL statements, whatever the number of questions:
the tallies move in one statement (not one per question and value), over HTTP too."""

from __future__ import annotations

from backend.core.db import commit
from backend.surveys import services
from tests.helpers import bearer, counted_statements
from tests.surveys.conftest import DURING

#: statements of a new answer in the service (places, the insert, the counter, the tallies,
#: the row) and of a changed one
MOST_NEW = 8
MOST_CHANGED = 8


def _questions(count):
    return [{"kind": "scale5", "text": f"第 {n} 项", "category": f"类{n}"} for n in range(count)]


def _answer(survey, score):
    return {str(q["number"]): score for q in survey.questions}


def _counted(world, count):
    owner = world.resident(world.unit())
    survey = world.open(world.survey(estates=[world.estates[0]], questions=_questions(count)))
    with counted_statements() as new:
        services.answer(owner, survey, _answer(survey, 4), now=DURING)
    commit()
    with counted_statements() as changed:
        services.answer(owner, survey, _answer(survey, 2), now=DURING)
    commit()
    return len(new), len(changed)


def test_the_statements_of_an_answer_do_not_grow_with_its_questions(world):
    few = _counted(world, 2)
    many = _counted(world, 40)
    assert few == many, (few, many)
    assert many[0] <= MOST_NEW and many[1] <= MOST_CHANGED, many


def test_one_answer_over_http_is_a_bounded_number_of_statements(world, client):
    owner = world.resident(world.unit())
    survey = world.open(
        world.survey(estates=[world.estates[0]], questions=_questions(20), live=True)
    )
    commit()
    url = f"/api/v1/me/surveys/{survey.id}/answer"
    with counted_statements() as sent:
        response = client.put(url, json={"answers": _answer(survey, 5)}, headers=bearer(owner))
    assert response.status_code == 200
    assert len(sent) <= 10, "\n".join(sent)
