"""Resident API of surveys: the surveys of my estates, answering for my household (and
changing my answer until the close), my household's answers, and the published results."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core.api import Blueprint, PageOf, SelectPage
from backend.core.errors import Conflict
from backend.core.time import utcnow
from backend.extensions import configured_limit, limiter
from backend.surveys import board, results, services
from backend.surveys.models import SurveyState
from backend.surveys.schemas import (
    AnswerSchema,
    MyAnswerSchema,
    SurveyDetailSchema,
    SurveyResultSchema,
    SurveySchema,
)

blp = Blueprint(
    "surveys",
    __name__,
    tag="满意度测评",
    description="业主满意度测评与征询：每户一份、匿名、汇总公布",
)


def answer_view(answer, resident) -> dict:
    """A household's answer as a resident of the unit sees it: the content only to the
    resident who gave it (a family member sees that the unit has answered)."""
    mine = answer.resident_id == resident.id
    return {
        "survey_id": answer.survey_id,
        "unit_id": answer.unit_id,
        "channel": answer.channel.value,
        "mine": mine,
        "answers": answer.answers if mine else None,
        "updated_at": answer.updated_at,
    }


def survey_row(survey, answer, resident, now) -> dict:
    return {
        "id": survey.id,
        "title": survey.title,
        "runner": survey.runner.value,
        "runner_label": survey.runner.label,
        "respondents": survey.respondents.value,
        "state": survey.state.value,
        "state_label": survey.state.label,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "answered": answer is not None,
        "can_answer": services.is_answerable(survey, now)
        and (answer is None or answer.resident_id == resident.id),
    }


def survey_rows(page, resident) -> list[dict]:
    answers = services.household_answers(resident, [s.id for s in page])
    now = utcnow()
    return [survey_row(s, answers.get(s.id), resident, now) for s in page]


@blp.get("/me/surveys")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SurveySchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def my_surveys():
    """我所在小区的问卷（进行中、已结束；分页）"""
    resident = current_resident()
    return PageOf(services.resident_surveys(resident), lambda page: survey_rows(page, resident))


@blp.get("/me/survey-answers")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SurveySchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def my_answered_surveys():
    """本户已作答的问卷（分页）"""
    resident = current_resident()
    return PageOf(
        services.resident_surveys(resident, answered_only=True),
        lambda page: survey_rows(page, resident),
    )


@blp.get("/me/surveys/<int:survey_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SurveyDetailSchema)
@blp.errors(401, 404)
def my_survey(survey_id):
    """问卷详情：说明、题目、本户的答卷"""
    resident = current_resident()
    survey = services.resident_survey(resident, survey_id)
    answer = services.household_answers(resident, [survey.id]).get(survey.id)
    return {
        **survey_row(survey, answer, resident, utcnow()),
        "description": survey.description,
        "questions": survey.questions,
        "my_answer": answer_view(answer, resident) if answer else None,
    }


@blp.put("/me/surveys/<int:survey_id>/answer")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_SURVEY_ANSWER"), key_func=resident_rate_key)
@blp.arguments(AnswerSchema)
@blp.response(200, MyAnswerSchema)
@blp.alt_response(403, description="本问卷仅限业主本人作答")
@blp.alt_response(409, description="不在答题时间内，或本户已由其他家庭成员作答")
@blp.errors(400, 401, 403, 404, 409, 422, 429)
def answer_survey(payload, survey_id):
    """为本户作答（每户一份；截止前本人可修改，新答卷替换旧答卷）"""
    resident = current_resident()
    survey = services.resident_survey(resident, survey_id)
    answer = services.answer(resident, survey, payload["answers"], unit_id=payload["unit_id"])
    return answer_view(answer, resident)


@blp.get("/me/surveys/<int:survey_id>/results")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SurveyResultSchema)
@blp.alt_response(409, description="问卷尚未结束")
@blp.errors(401, 404, 409)
def survey_results(survey_id):
    """我所在小区的测评结果（问卷结束后；作答户数不足下限的小区不公布）"""
    resident = current_resident()
    survey = services.resident_survey(resident, survey_id)
    if survey.state != SurveyState.closed:
        raise Conflict("问卷尚未结束，结果未公布")
    mine = sorted(
        {e.estate_id for e in survey.estates} & set(services.resident_scope.estate_ids(resident))
    )
    return result_view(survey, results.results(survey, mine))


def result_view(survey, found) -> dict:
    """Results by estate, aggregates only."""
    names = {row.estate_id: row.estate.name for row in survey.estates}
    return {
        "survey_id": survey.id,
        "title": survey.title,
        "min_answers": survey.min_answers,
        "method": board.method_text(survey),
        "estates": [
            {
                "estate_id": estate_id,
                "estate": names[estate_id],
                "households": f.households,
                "answered": f.answered,
                "response_rate": f.response_rate,
                "shown": f.shown,
                "score": f.score,
                "questions": [
                    {
                        "number": q.number,
                        "kind": q.kind,
                        "text": q.text,
                        "category": q.category,
                        "n": q.n,
                        "mean": q.mean,
                        "distribution": [
                            {"label": q.labels[v], "count": c} for v, c in q.distribution.items()
                        ],
                    }
                    for q in f.questions
                ],
            }
            for estate_id, f in found.estates.items()
        ],
    }
