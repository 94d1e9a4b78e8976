"""Request and response shapes of the resident survey API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.surveys.services import MAX_QUESTIONS


class AnswerSchema(Schema):
    answers = ma.fields.Dict(
        keys=ma.fields.String(validate=validate.Length(min=1, max=3)),
        values=ma.fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(min=1, max=MAX_QUESTIONS),
        metadata={
            "description": "题号 → 答案：单选为选项序号（从 0 起），多选为序号列表，"
            "评分题为分数（1–5 或 0–10），文字题为文字",
            "example": {"1": 5, "2": 4, "9": [0, 2], "10": "电梯维修再快些"},
        },
    )
    unit_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_ID, error="编号无效"),
        metadata={"description": "名下有多套房屋时，选择为哪套房屋作答"},
    )


class QuestionSchema(Schema):
    number = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "single / multiple / scale5 / scale10 / text"})
    text = ma.fields.String()
    category = ma.fields.String()
    options = ma.fields.List(ma.fields.String())


class SurveySchema(Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    runner = ma.fields.String()
    runner_label = ma.fields.String()
    respondents = ma.fields.String(metadata={"description": "owners=仅业主；residents=全体住户"})
    state = ma.fields.String()
    state_label = ma.fields.String()
    opens_at = LocalDateTime()
    closes_at = LocalDateTime()
    answered = ma.fields.Boolean(metadata={"description": "本户是否已作答"})
    can_answer = ma.fields.Boolean(metadata={"description": "我现在能否作答（或修改本人的答卷）"})


class MyAnswerSchema(Schema):
    survey_id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    channel = ma.fields.String(metadata={"description": "online / paper"})
    mine = ma.fields.Boolean(metadata={"description": "是否由我本人作答（否：家庭成员或纸质问卷）"})
    answers = ma.fields.Dict(allow_none=True, metadata={"description": "仅本人作答时返回内容"})
    updated_at = LocalDateTime()


class SurveyDetailSchema(SurveySchema):
    description = ma.fields.String()
    questions = ma.fields.List(ma.fields.Nested(QuestionSchema))
    my_answer = ma.fields.Nested(MyAnswerSchema, allow_none=True)


class QuestionResultSchema(Schema):
    number = ma.fields.Integer()
    kind = ma.fields.String()
    text = ma.fields.String()
    category = ma.fields.String()
    n = ma.fields.Integer(metadata={"description": "作答户数"})
    mean = ma.fields.String(allow_none=True, metadata={"description": "评分题平均分"})
    distribution = ma.fields.List(ma.fields.Dict(), metadata={"description": "[{label, count}]"})


class EstateResultSchema(Schema):
    estate_id = ma.fields.Integer()
    estate = ma.fields.String()
    households = ma.fields.Integer()
    answered = ma.fields.Integer()
    response_rate = ma.fields.String(allow_none=True)
    shown = ma.fields.Boolean(metadata={"description": "作答户数达到公布下限时才公布"})
    score = ma.fields.String(allow_none=True, metadata={"description": "满意度得分（百分制）"})
    questions = ma.fields.List(ma.fields.Nested(QuestionResultSchema))


class SurveyResultSchema(Schema):
    survey_id = ma.fields.Integer()
    title = ma.fields.String()
    min_answers = ma.fields.Integer()
    method = ma.fields.String()
    estates = ma.fields.List(ma.fields.Nested(EstateResultSchema))
