"""Survey rules: templates, the window, one answer per household, paper answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import ResidencyRole, StaffRole
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.surveys import services
from backend.surveys.models import AnswerChannel, SurveyAnswer, SurveyState, SurveyTally
from tests.factories import StaffFactory
from tests.surveys.conftest import DURING, T0, full_answer


def test_the_annual_template_ships_its_seven_categories(world):
    template = services.template_for("杭州市", services.ANNUAL)
    categories = [q["category"] for q in template["questions"]]
    assert categories[:7] == ["客服", "维修", "保洁", "绿化", "安保", "公共设施", "收费透明度"]
    assert [q["number"] for q in template["questions"]] == list(range(1, 11))


def test_a_city_edits_its_own_template_and_new_surveys_use_it(world):
    bureau = StaffFactory(role=StaffRole.bureau_officer, district=world.street.district)
    questions = [{"kind": "scale5", "text": "物业服务总体评价", "category": "总体"}]
    services.save_template(bureau, "杭州市", services.ANNUAL, "杭州市物业满意度", "", questions)
    commit()
    assert services.template_for("杭州市", services.ANNUAL)["title"] == "杭州市物业满意度"
    assert len(services.template_for("宁波市", services.ANNUAL)["questions"]) == 10
    survey = world.survey()
    assert survey.title == "杭州市物业满意度" and len(survey.questions) == 1


def test_a_street_officer_cannot_edit_templates(world):
    with pytest.raises(Forbidden):
        services.save_template(world.officer, "杭州市", services.ANNUAL, "x", "", [])


def test_a_survey_outside_scope_is_not_found(world):
    from tests.factories import EstateFactory

    other = EstateFactory()
    with pytest.raises(NotFound):
        services.create_survey(
            world.officer,
            estate_ids=[other.id],
            opens_at=T0,
            closes_at=T0 + timedelta(days=1),
            template_code=services.ANNUAL,
        )


def test_opening_freezes_households_and_company(world):
    world.households(3)
    world.unit(world.estates[1])
    survey = world.open(world.survey())
    by_estate = {row.estate_id: row for row in survey.estates}
    assert by_estate[world.estates[0].id].households == 3
    assert by_estate[world.estates[1].id].households == 1
    assert {row.company_id for row in survey.estates} == {world.company.id}
    assert survey.state == SurveyState.open
    with pytest.raises(Conflict):
        services.open_survey(world.officer, survey, now=T0)


def test_only_the_runner_opens_and_closes(world):
    survey = world.survey()
    with pytest.raises(Forbidden):
        services.open_survey(world.company_admin, survey, now=T0)
    with pytest.raises(Forbidden):
        services.open_survey(world.committee, survey, now=T0)


def test_an_answer_is_stored_once_per_unit_and_replaced_by_its_author(world):
    owner = world.households(1)[0]
    survey = world.open(world.survey())
    services.answer(owner, survey, full_answer(3), now=DURING)
    commit()
    services.answer(owner, survey, full_answer(5), now=DURING)
    commit()
    rows = db.session.scalars(sa.select(SurveyAnswer)).all()
    assert len(rows) == 1 and rows[0].answers["1"] == 5
    counts = dict(
        db.session.execute(
            sa.select(SurveyTally.value, SurveyTally.count).where(SurveyTally.question == 1)
        ).all()
    )
    assert counts == {-1: 1, 3: 0, 5: 1}
    assert survey.estates[0].answered == 1


def test_a_second_member_of_the_household_is_refused(world):
    unit = world.unit()
    owner = world.resident(unit)
    family = world.resident(unit, role=ResidencyRole.family)
    survey = world.open(world.survey(respondents=services.Respondents.residents))
    services.answer(family, survey, full_answer(2), now=DURING)
    commit()
    with pytest.raises(Conflict):
        services.answer(owner, survey, full_answer(5), now=DURING)


def test_owners_only_surveys_refuse_tenants(world):
    unit = world.unit()
    tenant = world.resident(unit, role=ResidencyRole.tenant)
    survey = world.open(world.survey())
    with pytest.raises(Forbidden):
        services.answer(tenant, survey, full_answer(), now=DURING)


@pytest.mark.parametrize(
    "moment", [T0 - timedelta(seconds=1), T0 + timedelta(days=7)], ids=["before", "at_close"]
)
def test_outside_the_window_an_answer_is_refused(world, moment):
    owner = world.households(1)[0]
    survey = world.open(world.survey())
    with pytest.raises(Conflict):
        services.answer(owner, survey, full_answer(), now=moment)


def test_a_closed_survey_refuses_answers_and_changes(world):
    owner = world.households(1)[0]
    survey = world.open(world.survey())
    services.answer(owner, survey, full_answer(), now=DURING)
    world.close(survey, now=DURING + timedelta(hours=1))
    assert survey.state == SurveyState.closed
    with pytest.raises(Conflict):
        services.answer(owner, survey, full_answer(1), now=DURING + timedelta(hours=2))


@pytest.mark.parametrize(
    "items",
    [{"1": 6}, {"1": 0}, {"8": 11}, {"9": [7]}, {"9": 1}, {"1": True}, {"99": 1}, {"x": 1}, {}],
)
def test_answers_out_of_range_are_refused(world, items):
    owner = world.households(1)[0]
    survey = world.open(world.survey())
    with pytest.raises(Invalid):
        services.answer(owner, survey, items, now=DURING)


def test_paper_answers_count_once_per_unit(world):
    unit = world.unit()
    owner = world.resident(unit)
    survey = world.open(world.survey())
    row = services.enter_paper(world.officer, survey, unit.id, full_answer(4), now=DURING)
    commit()
    assert row.channel == AnswerChannel.paper and row.resident_id is None
    with pytest.raises(Conflict):
        services.answer(owner, survey, full_answer(1), now=DURING)
    with pytest.raises(Conflict):
        services.enter_paper(world.officer, survey, unit.id, full_answer(4), now=DURING)


def test_the_company_cannot_enter_paper_answers(world):
    unit = world.unit()
    survey = world.open(world.survey())
    with pytest.raises(Forbidden):
        services.enter_paper(world.company_admin, survey, unit.id, full_answer(), now=DURING)


def test_the_clock_closes_and_reminds_once(world, app):
    owner = world.households(1)[0]
    survey = world.open(world.survey())
    lead = app.config["SURVEY_REMINDER"]
    moment = survey.closes_at - lead + timedelta(minutes=1)
    assert services.advance_surveys(moment) == {"closed": 0, "reminded": 1}
    commit()
    assert services.advance_surveys(moment) == {"closed": 0, "reminded": 0}
    assert services.advance_surveys(survey.closes_at) == {"closed": 1, "reminded": 0}
    commit()
    db.session.refresh(survey)
    assert survey.state == SurveyState.closed
    assert owner is not None


def test_the_company_sees_surveys_of_its_estates_only(world):
    from tests.factories import EstateFactory

    survey = world.survey()
    assert services.survey_for(world.company_admin, survey.id) == survey
    other_admin = StaffFactory(role=StaffRole.company_admin, company_id=EstateFactory().company_id)
    with pytest.raises(NotFound):
        services.survey_for(other_admin, survey.id)


def test_opening_tells_the_households_and_the_reminder_skips_those_that_answered(world, app):
    from backend.notify.models import Notification
    from backend.surveys import notices

    answered, waiting = world.households(2)
    tenant = world.resident(world.unit(), role=ResidencyRole.tenant)
    survey = world.open(world.survey(estates=[world.estates[0]]))
    told = set(
        db.session.scalars(
            sa.select(Notification.resident_id).where(Notification.kind == "survey_opened")
        )
    )
    # an owners-only survey: the tenant is not told
    assert told == {answered.id, waiting.id} and tenant.id not in told
    services.answer(answered, survey, full_answer(), now=DURING)
    commit()
    assert notices.remind(survey.id) == 1
    reminded = db.session.scalars(
        sa.select(Notification.resident_id).where(Notification.kind == "survey_closing")
    ).all()
    assert reminded == [waiting.id]
