"""The survey component of the monthly evaluation (hand-computed) and the star bands at
their boundaries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backend.core.db import commit
from backend.core.time import to_local
from backend.supervision import evaluation as supervision
from backend.surveys import evaluation, services
from tests.surveys.conftest import DURING, full_answer


def _closed_survey(world, scores):
    owners = world.households(len(scores))
    survey = world.open(world.survey(estates=[world.estates[0]]))
    for owner, value in zip(owners, scores, strict=True):
        services.answer(owner, survey, full_answer(value), now=DURING)
    return world.close(survey, now=DURING + timedelta(hours=1))


def test_the_month_after_the_survey_counts_its_score_with_the_city_weight(world, app):
    survey = _closed_survey(world, [5, 5, 4, 4, 4, 3, 3, 2, 1, 5])
    month = to_local(survey.closed_at).date().replace(day=1)
    found = evaluation.part(world.company.id, month)
    # seven 1–5 questions at 3.60 → 65 each; the 0–10 question at 8 → 80; mean 66.875
    assert found.fraction == Decimal("0.6688") and found.points == 20
    # a month of tickets: 10 responded (8 in time), 10 resolved in time, none reopened,
    # no 督办, no inspection, no rating:
    #   response 0.8 × 15 = 12, resolution 15, reopen 10, 督办 10 → 47 of 50
    #   survey 0.6688 × 20 = 13.376 → 60.376 of 70 → 86.25… → 86.3
    figures = supervision.MonthFigures(
        submitted=10, responded=10, response_in_sla=8, resolved=10, resolution_in_sla=10
    )
    value, parts = supervision.score(figures, {"survey": found})
    assert value == Decimal("86.3")
    assert parts["survey"]["points"] == "13.4" and parts["survey"]["of"] == 20
    # without the survey the same month is 47 / 50 = 94.0
    assert supervision.score(figures)[0] == Decimal("94.0")


def test_a_city_weight_of_zero_turns_the_component_off(world, app):
    survey = _closed_survey(world, [4] * 10)
    month = to_local(survey.closed_at).date().replace(day=1)
    app.config["SURVEY_EVALUATION_WEIGHT_BY_CITY"] = {world.street.city: 0}
    try:
        assert evaluation.part(world.company.id, month) is None
    finally:
        app.config["SURVEY_EVALUATION_WEIGHT_BY_CITY"] = {}


def test_the_month_before_the_close_and_a_hidden_result_count_nothing(world, app):
    survey = _closed_survey(world, [4] * 9)  # below the minimum: no shown result
    month = to_local(survey.closed_at).date().replace(day=1)
    assert evaluation.part(world.company.id, month) is None
    earlier = (month - timedelta(days=1)).replace(day=1)
    assert evaluation.part(world.company.id, earlier) is None


def test_the_evaluation_of_the_company_shows_the_survey_component(world, app):
    survey = _closed_survey(world, [4] * 10)
    month = to_local(survey.closed_at).date().replace(day=1)
    row = supervision.evaluate(world.company.id, month)
    commit()
    assert row is not None and row.parts["survey"]["label"] == "满意度测评"
    # the survey alone: 0.75 × 20 of 20 (0.8 for the 0–10 question pulls it up)
    assert Decimal(str(row.score)) == Decimal("75.6")


def _scores(count):
    return {i: Decimal(100 - i) for i in range(count)}


@pytest.mark.parametrize(
    ("rank", "stars"),
    [(1, "五星"), (2, "五星"), (3, "四星"), (5, "四星"), (6, "三星"), (17, "三星"), (18, "二星")],
)
def test_star_bands_of_twenty_companies(app, rank, stars):
    # 20 companies: rank 3 is exactly at the 10th percentile → 四星; rank 6 at the 25th
    bands = evaluation.star_bands(_scores(20), [10, 25, 85, 97])
    assert bands[rank - 1] == stars


def test_star_bands_at_the_97th_percentile(app):
    bands = evaluation.star_bands(_scores(100), [10, 25, 85, 97])
    assert bands[96] == "二星" and bands[97] == "一星" and bands[99] == "一星"


def test_tied_scores_share_the_better_band(app):
    scores = {i: Decimal(90) for i in range(10)}
    assert set(evaluation.star_bands(scores, [10, 25, 85, 97]).values()) == {"五星"}


def test_yearly_stars_of_the_city(world, app):
    survey = _closed_survey(world, [4] * 10)
    year = to_local(survey.closed_at).year
    assert evaluation.yearly_stars(world.street.city, year) == {world.company.id: "五星"}
