"""Surveys in the evaluation of companies: the satisfaction score of the last completed
annual survey as a component of the monthly evaluation, and yearly star bands.

**Component** (``Feature.evaluation_sources``, code ``survey``): for company C and month M,
the last survey run by a street office or the bureau from the annual template that closed
before M ended and asked an estate C served then; its points are the city's weight
(``SURVEY_EVALUATION_WEIGHT_BY_CITY``, else ``SURVEY_EVALUATION_WEIGHT``, default 20; 0
turns it off), the fraction earned is C's satisfaction score ÷ 100 (``results``: the mean
of the scale questions' means on 0–100, over C's estates that reached the minimum number
of answers). Supervision adds it to its formula: score = 100 × Σ points earned ÷ Σ points
of the components with data.

**Star bands**: a year's companies of a city ranked by that score (best first; ties share
the better rank); a company's percentile is (rank − 1) ÷ number of companies; the bands
(``SURVEY_STAR_BANDS``, default 10, 25, 85, 97) give 五星 below the first bound, 四星 from
it up to the second, and so on: exactly at the 10th percentile is 四星.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from backend.core.feature import EvaluationPart
from backend.core.time import SHANGHAI, month_start
from backend.extensions import db
from backend.org.models import Estate, Street
from backend.surveys import results, services
from backend.surveys.models import Runner, Survey, SurveyEstate, SurveyState

LABEL = "满意度测评"
RULE = "最近一次年度满意度测评的满意度得分 ÷ 100"
STARS = ("五星", "四星", "三星", "二星", "一星")


def weight_for(city: str) -> int:
    """The survey component's points in ``city``."""
    by_city = current_app.config["SURVEY_EVALUATION_WEIGHT_BY_CITY"] or {}
    return int(by_city.get(city, current_app.config["SURVEY_EVALUATION_WEIGHT"]))


def _city_of_company(company_id: int) -> str:
    return (
        db.session.scalar(
            sa.select(Street.city)
            .join(Estate, Estate.street_id == Street.id)
            .where(Estate.company_id == company_id)
            .order_by(Estate.id)
            .limit(1)
        )
        or ""
    )


def last_survey(company_id: int, before: datetime, since: datetime | None = None) -> Survey | None:
    """The last annual survey by a street office or the bureau, closed before ``before``
    (and from ``since`` on, if given), that asked an estate of ``company_id`` (the company
    frozen when it opened)."""
    stmt = (
        sa.select(Survey)
        .join(SurveyEstate, SurveyEstate.survey_id == Survey.id)
        .where(
            SurveyEstate.company_id == company_id,
            Survey.state == SurveyState.closed,
            Survey.template_code == services.ANNUAL,
            Survey.runner.in_((Runner.street, Runner.bureau)),
            Survey.closed_at < before,
        )
        .order_by(Survey.closed_at.desc(), Survey.id.desc())
        .limit(1)
    )
    if since is not None:
        stmt = stmt.where(Survey.closed_at >= since)
    return db.session.scalars(stmt).first()


def company_score(survey: Survey, company_id: int) -> results.Figures | None:
    found = results.results(survey).companies.get(company_id)
    return found if found is not None and found.score is not None else None


def part(company_id: int, month: date) -> EvaluationPart | None:
    """The survey component of ``company_id``'s evaluation of ``month`` (None: no
    completed survey with a shown result, or a weight of 0)."""
    points = weight_for(_city_of_company(company_id))
    if points <= 0:
        return None
    end = datetime.combine(month_start(month, 1), time.min, tzinfo=SHANGHAI)
    survey = last_survey(company_id, end)
    if survey is None:
        return None
    figures = company_score(survey, company_id)
    if figures is None:
        return None
    return EvaluationPart(
        label=LABEL,
        fraction=figures.score / 100,
        points=points,
        rule=RULE,
        figures={
            "survey_id": survey.id,
            "survey": survey.title,
            "score": str(figures.score),
            "answered": figures.answered,
        },
    )


def star_bands(scores: dict[int, Decimal], bounds: list[float] | None = None) -> dict[int, str]:
    """Company id → its star band by percentile of ``scores`` (see the module)."""
    bounds = bounds if bounds is not None else current_app.config["SURVEY_STAR_BANDS"]
    count = len(scores)
    ordered = sorted(scores.values(), reverse=True)
    bands = {}
    for company_id, value in scores.items():
        rank = ordered.index(value) + 1
        percentile = Decimal(rank - 1) * 100 / count
        band = next((i for i, bound in enumerate(bounds) if percentile < Decimal(str(bound))), None)
        bands[company_id] = STARS[len(bounds) if band is None else band]
    return bands


def yearly_stars(city: str, year: int) -> dict[int, str]:
    """The star band of each company of ``city`` by its score in the last annual survey
    (street office or bureau) closed in ``year`` that asked one of its estates; a company
    without one is not rated (the bands rank the rated companies only)."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    companies = db.session.scalars(
        sa.select(SurveyEstate.company_id)
        .join(Survey, Survey.id == SurveyEstate.survey_id)
        .join(Estate, Estate.id == SurveyEstate.estate_id)
        .join(Street, Street.id == Estate.street_id)
        .where(
            Street.city == city,
            SurveyEstate.company_id.is_not(None),
            Survey.state == SurveyState.closed,
            Survey.template_code == services.ANNUAL,
            Survey.runner.in_((Runner.street, Runner.bureau)),
            Survey.closed_at >= start,
            Survey.closed_at < end,
        )
        .distinct()
    ).all()
    scores = {}
    for company_id in companies:
        survey = last_survey(company_id, end, since=start)
        figures = company_score(survey, company_id) if survey else None
        if figures is not None:
            scores[company_id] = figures.score
    return star_bands(scores) if scores else {}


def stars_of(company_ids, year: int) -> dict[int, str]:
    """``Feature.star_sources``: the star band of each of ``company_ids`` rated in ``year``
    (ranked among the rated companies of its city); unrated companies are left out."""
    wanted = set(company_ids)
    cities = {_city_of_company(company_id) for company_id in wanted}
    found: dict[int, str] = {}
    for city in sorted(cities):
        for company_id, band in yearly_stars(city, year).items():
            if company_id in wanted:
                found[company_id] = band
    return found
