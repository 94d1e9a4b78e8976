"""The resident survey API over HTTP: list, detail, answer and replace, my answers,
results after the close."""

from __future__ import annotations

from backend.accounts.models import ResidencyRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.surveys import services
from tests.helpers import bearer
from tests.surveys.conftest import full_answer


def _live(world, **kw):
    survey = world.survey(live=True, **kw)
    services.open_survey(world.officer, survey, now=utcnow())
    commit()
    return survey


def test_a_household_answers_changes_and_a_second_member_is_told(world, client):
    unit = world.unit()
    owner = world.resident(unit)
    family = world.resident(unit, role=ResidencyRole.family)
    survey = _live(world, respondents=services.Respondents.residents)
    listed = client.get("/api/v1/me/surveys", headers=bearer(owner)).get_json()
    assert [s["id"] for s in listed] == [survey.id] and listed[0]["can_answer"]
    url = f"/api/v1/me/surveys/{survey.id}/answer"
    first = client.put(url, json={"answers": full_answer(2)}, headers=bearer(owner))
    assert first.status_code == 200, first.get_json()
    again = client.put(url, json={"answers": full_answer(5)}, headers=bearer(owner))
    assert again.status_code == 200 and again.get_json()["answers"]["1"] == 5
    other = client.put(url, json={"answers": full_answer(1)}, headers=bearer(family))
    assert other.status_code == 409 and "家庭成员" in other.get_json()["message"]
    detail = client.get(f"/api/v1/me/surveys/{survey.id}", headers=bearer(family)).get_json()
    assert detail["answered"] and not detail["can_answer"]
    assert detail["my_answer"]["mine"] is False and detail["my_answer"]["answers"] is None
    mine = client.get("/api/v1/me/survey-answers", headers=bearer(family)).get_json()
    assert [s["id"] for s in mine] == [survey.id]


def test_results_wait_for_the_close_and_show_my_estate_only(world, client):
    owners = world.households(10)
    world.households(1, world.estates[1])
    survey = _live(world)
    for owner in owners:
        response = client.put(
            f"/api/v1/me/surveys/{survey.id}/answer",
            json={"answers": full_answer(4)},
            headers=bearer(owner),
        )
        assert response.status_code == 200
    url = f"/api/v1/me/surveys/{survey.id}/results"
    assert client.get(url, headers=bearer(owners[0])).status_code == 409
    services.close_survey(world.officer, survey)
    commit()
    body = client.get(url, headers=bearer(owners[0])).get_json()
    assert [e["estate_id"] for e in body["estates"]] == [world.estates[0].id]
    estate = body["estates"][0]
    assert estate["shown"] and estate["answered"] == 10 and estate["response_rate"] == "1.0000"
    assert estate["questions"][0]["mean"] == "4.00" and estate["questions"][0]["n"] == 10
    assert "每户一份" in body["method"]
    closed = client.put(
        f"/api/v1/me/surveys/{survey.id}/answer",
        json={"answers": full_answer(1)},
        headers=bearer(owners[0]),
    )
    assert closed.status_code == 409


def test_surveys_of_other_estates_and_drafts_are_not_found(world, client):
    outsider = world.households(1, world.estates[1])[0]
    survey = world.survey(estates=[world.estates[0]], live=True)
    owner = world.households(1)[0]
    assert client.get(f"/api/v1/me/surveys/{survey.id}", headers=bearer(owner)).status_code == 404
    services.open_survey(world.officer, survey, now=utcnow())
    commit()
    assert client.get(f"/api/v1/me/surveys/{survey.id}", headers=bearer(owner)).status_code == 200
    response = client.get(f"/api/v1/me/surveys/{survey.id}", headers=bearer(outsider))
    assert response.status_code == 404


def test_a_bad_answer_is_refused_in_chinese(world, client):
    owner = world.households(1)[0]
    survey = _live(world)
    response = client.put(
        f"/api/v1/me/surveys/{survey.id}/answer",
        json={"answers": {"1": 9}},
        headers=bearer(owner),
    )
    assert response.status_code == 422
    assert "1–5" in response.get_json()["message"]
