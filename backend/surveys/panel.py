"""What the panel's survey screens show, read here so that views stay free of queries:
results of the estates in scope, the Excel export of aggregates, the units of a printable
paper questionnaire and the code printed on each."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from backend.authz import scope
from backend.core.errors import Invalid, NotFound
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.org.models import Building, Company, Estate, Unit
from backend.surveys import results, services
from backend.surveys.models import Survey, SurveyAnswer, SurveyState, SurveyUnit

#: the code printed under each paper questionnaire's QR: survey and unit
PAPER_CODE = re.compile(r"S(\d{1,9})-U(\d{1,9})")


@dataclass
class EstateLine:
    estate_id: int
    name: str
    company: str
    figures: results.Figures


@dataclass
class StaffResults:
    """Results as one staff member may see them: the estates in scope, and per company."""

    estates: list[EstateLine]
    #: (company, its figures over its shown estates, its star band of the year or "")
    companies: list[tuple[str, results.Figures, str]]
    overall: results.Figures
    free_texts: dict[str, list[str]]


def staff_results(staff, survey: Survey) -> StaffResults:
    """Aggregates of the estates of ``survey`` in ``staff``'s scope (a company: its own
    estates; a street: its jurisdiction; the bureau: its district). Never an answer."""
    ids = services.estates_in_scope(staff, survey)
    found = results.results(survey, ids)
    names = dict(
        db.session.execute(sa.select(Estate.id, Estate.name).where(Estate.id.in_(ids))).all()
    )
    companies = {row.estate_id: row.company_id for row in survey.estates}
    company_ids = {c for c in companies.values() if c is not None}
    company_names = dict(
        db.session.execute(
            sa.select(Company.id, Company.name).where(Company.id.in_(company_ids))
        ).all()
    )
    lines = [
        EstateLine(e, names.get(e, ""), company_names.get(companies.get(e), "—"), f)
        for e, f in sorted(found.estates.items(), key=lambda item: names.get(item[0], ""))
    ]
    stars = _stars(survey)
    return StaffResults(
        estates=lines,
        companies=[
            (company_names.get(c, "自管/无物业"), f, stars.get(c, ""))
            for c, f in found.companies.items()
        ],
        overall=found.overall,
        free_texts={names.get(e, ""): results.free_texts(survey, e, limit=50) for e in ids},
    )


def export_sheet(staff, survey: Survey) -> tuple[list[str], list[list]]:
    """The aggregates as spreadsheet rows: one row per estate and question (means, n,
    distribution), and the estate's response rate. Estates below the minimum show only
    their counts."""
    shown = staff_results(staff, survey)
    headers = [
        "小区",
        "物业服务企业",
        "总户数",
        "作答户数",
        "参与率",
        "满意度得分",
        "题号",
        "类别",
        "问题",
        "作答户数 n",
        "平均分",
        "分布",
    ]
    rows = []
    for line in shown.estates:
        f = line.figures
        rate = f"{f.response_rate * 100:.1f}%" if f.response_rate is not None else "—"
        head = [line.name, line.company, f.households, f.answered, rate]
        if not f.shown:
            rows.append([*head, "不足公布下限", "", "", "", "", "", ""])
            continue
        for q in f.questions:
            spread = "；".join(f"{q.labels[v]}:{c}" for v, c in q.distribution.items())
            rows.append([*head, f.score, q.number, q.category, q.text, q.n, q.mean, spread])
    return headers, rows


def units_to_print(staff, survey: Survey, estate_id: int) -> sa.Select:
    """The units of ``estate_id`` (in the survey and in scope) in building and number
    order, with their building's name: one paper questionnaire each. Once the survey has
    opened, only the households it froze then (a unit added later cannot answer)."""
    if estate_id not in services.estates_in_scope(staff, survey):
        raise NotFound("未找到该小区，或不在本问卷范围内")
    stmt = (
        sa.select(Unit.id, Unit.number, Building.name.label("building"))
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.estate_id == estate_id)
        .order_by(Building.name, Unit.number, Unit.id)
    )
    if survey.state != SurveyState.draft:
        stmt = stmt.where(
            Unit.id.in_(sa.select(SurveyUnit.unit_id).where(SurveyUnit.survey_id == survey.id))
        )
    return stmt


def paper_code(survey_id: int, unit_id: int) -> str:
    return f"S{survey_id}-U{unit_id}"


def unit_of_code(survey: Survey, code: str) -> int:
    """The unit a printed questionnaire's code names (it must be this survey's)."""
    match = PAPER_CODE.fullmatch((code or "").strip().upper())
    if match is None or int(match.group(1)) != survey.id:
        raise Invalid("问卷码无效（应为本问卷的 S编号-U编号）", {"code": ["问卷码无效"]})
    return int(match.group(2))


def answered_count(survey: Survey) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyAnswer)
        .where(SurveyAnswer.survey_id == survey.id)
    )


def estates_for(staff) -> list[Estate]:
    """The estates the staff member may ask (the create form's choices)."""
    return scope.estates(staff)


def export_filename(title: str) -> str:
    """``<title>_<local time>.xlsx``."""
    return f"{title}_{to_local(utcnow()):%Y%m%d_%H%M}.xlsx"


def _stars(survey: Survey) -> dict[int, str]:
    """The star band of each company of the survey's city in the year it closed (annual
    surveys by a street office or the bureau only)."""
    from backend.surveys import evaluation

    if survey.closed_at is None or survey.template_code != services.ANNUAL or not survey.estates:
        return {}
    city = services._city_of(survey.estates[0].estate_id)
    return evaluation.yearly_stars(city, to_local(survey.closed_at).year)
