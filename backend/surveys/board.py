"""The disclosure board's generated section ``survey_results`` (满意度测评结果): for each
closed survey of the estate, its response rate and, once the estate has the minimum number
of answers, each question's mean or distribution, with the method stated. Aggregates only:
no unit, no person, no free text."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.feature import BoardItem
from backend.core.time import to_local
from backend.extensions import db
from backend.surveys import results
from backend.surveys.models import Survey, SurveyEstate, SurveyState

SECTION = "survey_results"


def method_text(survey: Survey) -> str:
    """How the result was obtained, said with every publication."""
    return (
        f"测评方法：{survey.runner.label}组织，"
        f"{to_local(survey.opens_at):%Y-%m-%d} 至 {to_local(survey.closes_at):%Y-%m-%d} "
        f"通过小程序和纸质问卷收集，每户一份（{survey.respondents.label}），匿名作答；"
        f"参与率 = 已作答户数 ÷ 小区总户数；评分题给出平均分及作答户数 n；"
        f"答卷少于 {survey.min_answers} 份的小区不公布结果，以免推知个人意见。"
        "满意度得分 = 各评分题平均分折算为百分制后的平均值（1–5 分题：(平均分−1)×25；"
        "0–10 分题：平均分×10）。"
    )


def items(estate_id: int) -> list[BoardItem]:
    """One post per closed survey that asked the estate."""
    surveys = db.session.scalars(
        sa.select(Survey)
        .join(SurveyEstate, SurveyEstate.survey_id == Survey.id)
        .where(SurveyEstate.estate_id == estate_id, Survey.state == SurveyState.closed)
        .order_by(Survey.id)
    ).all()
    posts = []
    for survey in surveys:
        figures = results.results(survey, [estate_id]).estates[estate_id]
        rate = figures.response_rate
        lines = [
            f"参与情况：{figures.answered} 户作答，共 {figures.households} 户，"
            f"参与率 {rate * 100:.1f}%"
            if rate is not None
            else f"{figures.answered} 户作答"
        ]
        data = None
        if not figures.shown:
            lines.append(f"作答户数不足 {survey.min_answers} 户，本小区结果不予公布。")
        else:
            if figures.score is not None:
                lines.append(f"满意度得分：{figures.score}（百分制）")
            rows = []
            for q in figures.questions:
                if q.mean is not None:
                    lines.append(f"{q.category or q.number}：平均 {q.mean} 分（n = {q.n}）")
                    rows.append([q.category, q.text, str(q.mean), q.n])
                elif q.kind in ("single", "multiple") and q.n:
                    parts = "，".join(f"{q.labels[v]} {c}" for v, c in q.distribution.items() if c)
                    lines.append(f"{q.text}：{parts}（n = {q.n}）")
            data = {"columns": ["类别", "问题", "平均分", "作答户数"], "rows": rows}
        lines.append(method_text(survey))
        posts.append(
            BoardItem(
                key=f"survey-{survey.id}",
                title=f"{survey.title} 结果",
                body="\n\n".join(lines),
                data=data,
            )
        )
    return posts
