"""The panel's survey screens: create from the template, preview, open and close with a
confirmation, results and charts (aggregates only), paper answers by code, the printable
questionnaire with each unit's code, the Excel export."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from backend.core.db import commit
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.surveys import services
from backend.surveys.models import AnswerChannel, Survey, SurveyAnswer, SurveyState
from tests.admin.conftest import login
from tests.surveys.conftest import full_answer


def _form_time(moment):
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_street_officer_creates_previews_opens_and_closes_a_survey(client, world):
    world.households(2)
    login(client, world.officer)
    page = client.get("/admin/surveys/new").get_data(as_text=True)
    assert "年度物业服务满意度测评" in page
    now = utcnow()
    response = client.post(
        "/admin/surveys/new",
        data={
            "template_code": services.ANNUAL,
            "estate_ids": [str(e.id) for e in world.estates],
            "respondents": "owners",
            "opens_at": _form_time(now - timedelta(hours=1)),
            "closes_at": _form_time(now + timedelta(days=7)),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    survey = db.session.scalars(sa.select(Survey)).one()
    url = f"/admin/surveys/{survey.id}"
    preview = client.get(url).get_data(as_text=True)
    assert "题目预览" in preview and "收费透明度" in preview
    refused = client.post(f"{url}/open", data={})
    assert refused.status_code == 422 and "请勾选确认" in refused.get_data(as_text=True)
    opened = client.post(f"{url}/open", data={"confirm": "1"})
    assert opened.status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).state == SurveyState.open
    closed = client.post(f"{url}/close", data={"confirm": "1"})
    assert closed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).state == SurveyState.closed


def test_paper_answers_by_code_are_marked_and_one_per_unit(client, world):
    unit = world.unit()
    survey = world.survey(live=True)
    services.open_survey(world.officer, survey, now=utcnow())
    commit()
    login(client, world.officer)
    url = f"/admin/surveys/{survey.id}"
    printed = client.get(f"{url}/print?estate_id={world.estates[0].id}").get_data(as_text=True)
    code = f"S{survey.id}-U{unit.id}"
    assert code in printed and "<svg" in printed and "<?xml" not in printed
    data = {"code": code, "q_1": "4", "q_9": ["0", "2"]}
    assert client.post(f"{url}/paper", data=data).status_code == 302
    row = db.session.scalars(sa.select(SurveyAnswer)).one()
    assert row.channel == AnswerChannel.paper and row.answers == {"1": 4, "9": [0, 2]}
    again = client.post(f"{url}/paper", data=data)
    assert again.status_code == 409 and "每户一份" in again.get_data(as_text=True)
    wrong = client.post(f"{url}/paper", data={**data, "code": f"S{survey.id + 1}-U{unit.id}"})
    assert wrong.status_code == 422


def test_the_company_sees_aggregates_and_masked_text_only(client, world):
    owners = world.households(10)
    survey = world.survey(live=True, estates=[world.estates[0]])
    services.open_survey(world.officer, survey, now=utcnow())
    for i, owner in enumerate(owners):
        text = "保安很好，有事请打13912345678" if i == 0 else ""
        services.answer(owner, survey, full_answer(4, text))
    services.close_survey(world.officer, survey)
    commit()
    login(client, world.company_admin)
    page = client.get(f"/admin/surveys/{survey.id}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page
    assert "4.00" in page and "survey-chart-1" in page
    assert 'class="company-stars">五星' in page
    for owner in owners:
        assert (owner.nickname or "") not in page
    assert client.post(f"/admin/surveys/{survey.id}/paper", data={}).status_code in (400, 403)
    export = client.get(f"/admin/surveys/{survey.id}/export.xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "小区" and len(rows) == 1 + len(survey.questions)
