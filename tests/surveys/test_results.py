"""Results: response rate, distributions and means with n, the minimum-answers rule,
company aggregates of shown estates only, the score, masked free text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.core.db import commit
from backend.surveys import results, services
from tests.surveys.conftest import DURING, full_answer


def _answered(owners, survey, scores, texts=()):
    """``owners[i]`` answers every scale question with ``scores[i]``."""
    owners = owners[: len(scores)]
    for i, (owner, score) in enumerate(zip(owners, scores, strict=True)):
        text = texts[i] if i < len(texts) else ""
        services.answer(owner, survey, full_answer(score, text), now=DURING)
    commit()


@pytest.mark.parametrize(("count", "shown"), [(9, False), (10, True)])
def test_an_estate_is_shown_from_the_minimum_number_of_answers(world, count, shown):
    owners = world.households(count + 2)  # two households do not answer
    survey = world.open(world.survey(estates=[world.estates[0]]))
    _answered(owners, survey, [4] * count)
    found = results.results(survey).estates[world.estates[0].id]
    assert found.answered == count and found.households == count + 2
    assert found.shown is shown
    assert bool(found.questions) is shown
    assert found.response_rate == (Decimal(count) / Decimal(count + 2)).quantize(Decimal("0.0001"))


def test_distribution_mean_and_n_per_question(world):
    owners = world.households(10)
    survey = world.open(world.survey(estates=[world.estates[0]]))
    _answered(owners, survey, [5, 5, 4, 4, 4, 3, 3, 2, 1, 5])
    found = results.results(survey).estates[world.estates[0].id]
    first = found.questions[0]
    assert first.n == 10
    assert first.distribution == {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}
    assert first.mean == Decimal("3.60")  # 36 / 10
    multiple = found.questions[8]
    assert multiple.n == 10 and multiple.distribution[1] == 10 and multiple.distribution[3] == 10
    assert multiple.mean is None
    # seven 1–5 questions at 3.60 → 65; the 0–10 question at 8 → 80; mean of 8 = 66.875
    assert found.score == Decimal("66.88")


def test_company_figures_add_up_shown_estates_only(world):
    a, b = world.estates
    in_a, in_b = world.households(10, a), world.households(9, b)
    survey = world.open(world.survey())
    _answered(in_a, survey, [5] * 10)
    _answered(in_b, survey, [1] * 9)
    found = results.results(survey)
    company = found.companies[world.company.id]
    assert company.answered == 10 and company.questions[0].mean == Decimal("5.00")
    assert found.estates[b.id].shown is False and found.estates[b.id].questions == []
    assert found.overall.answered == 10


def test_free_text_is_masked_and_hidden_below_the_minimum(world):
    owners = world.households(10)
    survey = world.open(world.survey(estates=[world.estates[0]]))
    _answered(owners[:9], survey, [4] * 9, texts=["电梯老坏，请打我电话13812345678"])
    assert results.free_texts(survey, world.estates[0].id) == []
    _answered(owners[9:], survey, [4])
    texts = results.free_texts(survey, world.estates[0].id)
    assert texts == ["电梯老坏，请打我电话138****5678"]
