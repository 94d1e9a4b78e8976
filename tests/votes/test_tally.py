"""The tally at every bound of 民法典 Art. 278 (with Art. 1259: "以上" includes the bound)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from backend.votes.tally import CountedBallot, Tally, tally, threshold_class


def ballots(*specs: tuple[str, str, int]) -> list[CountedBallot]:
    return [CountedBallot(choice, Decimal(area), heads) for choice, area, heads in specs]


def count(specs, total_area="1200.00", total_heads=9, item=1) -> Tally:
    return tally(
        ballots(*specs), total_area=Decimal(total_area), total_heads=total_heads, item=item
    )


def same(n: int, choice: str, area: str) -> list[tuple[str, str, int]]:
    return [(choice, area, 1)] * n


@pytest.mark.parametrize(
    ("item", "expected"),
    [(1, "majority"), (5, "majority"), (6, "three_quarters"), (7, "three_quarters"),
     (8, "three_quarters"), (9, "majority")],
)  # fmt: skip
def test_threshold_class_follows_the_article_278_item(item, expected):
    assert threshold_class(item) == expected


@pytest.mark.parametrize("item", [0, 10, True, "6"])
def test_an_item_outside_1_to_9_is_refused(item):
    with pytest.raises(ValueError, match="第278条"):
        threshold_class(item)


def test_participation_of_exactly_two_thirds_on_both_measures_passes():
    # 9 heads, 1200 m²: 6 heads with 800 m² take part, all agree
    result = count(same(4, "agree", "100.00") + same(2, "agree", "200.00"))
    assert result.as_dict() == {
        "total_area": "1200.00",
        "total_heads": 9,
        "participating_area": "800.00",
        "participating_heads": 6,
        "participation_area_ratio": "2/3",
        "participation_head_ratio": "2/3",
        "agree_area": "800.00",
        "agree_heads": 6,
        "agree_area_ratio": "1/1",
        "agree_head_ratio": "1/1",
        "threshold_class": "majority",
        "result": "passed",
        "failed_condition": None,
    }


def test_participating_area_one_cent_under_two_thirds_fails():
    result = count([*same(5, "agree", "100.00"), ("agree", "299.99", 1)])
    assert result.participating_heads == 6
    assert result.participation_area_ratio == Fraction(79999, 120000)
    assert (result.passed, result.failed_condition) == (False, "participation_area")


def test_participating_heads_one_under_two_thirds_fails():
    result = count([*same(4, "agree", "100.00"), ("agree", "400.00", 1)])
    assert result.participating_area == Decimal("800.00")
    assert result.as_dict()["participation_head_ratio"] == "5/9"
    assert (result.passed, result.failed_condition) == (False, "participation_heads")


def test_agreement_of_exactly_half_the_area_fails():
    # 6 of 9 heads, 800 m²: agree 400 m² with 4 heads (heads would pass)
    result = count(same(4, "agree", "100.00") + same(2, "oppose", "200.00"))
    assert result.as_dict()["agree_area_ratio"] == "1/2"
    assert result.as_dict()["agree_head_ratio"] == "2/3"
    assert (result.passed, result.failed_condition) == (False, "agree_area")


def test_agreement_of_exactly_half_the_heads_fails():
    result = count(
        same(3, "agree", "150.00") + same(2, "oppose", "100.00") + [("oppose", "150.00", 1)]
    )
    assert result.agree_area_ratio > Fraction(1, 2)
    assert result.as_dict()["agree_head_ratio"] == "1/2"
    assert (result.passed, result.failed_condition) == (False, "agree_heads")


def test_agreement_just_over_half_on_both_passes():
    # 8 of 12 heads, 800.00 of 1200.00 m²: 5 heads and 400.01 m² agree
    specs = [*same(4, "agree", "80.00"), ("agree", "80.01", 1), *same(3, "oppose", "133.33")]
    result = count(specs, total_heads=12)
    assert result.agree_area == Decimal("400.01")
    assert result.as_dict()["agree_area_ratio"] == "40001/80000"
    assert result.as_dict()["agree_head_ratio"] == "5/8"
    assert (result.passed, result.failed_condition) == (True, None)


@pytest.mark.parametrize("item", [6, 7, 8])
def test_exactly_three_quarters_passes_an_item_6_to_8_matter(item):
    # 8 of 12 heads and 800 of 1200 m² take part; 6 heads with 600 m² agree
    specs = same(6, "agree", "100.00") + same(2, "oppose", "100.00")
    result = count(specs, total_heads=12, item=item)
    assert result.as_dict()["agree_area_ratio"] == "3/4"
    assert result.as_dict()["agree_head_ratio"] == "3/4"
    assert result.threshold_class == "three_quarters"
    assert (result.passed, result.failed_condition) == (True, None)


@pytest.mark.parametrize("item", [6, 7, 8])
def test_one_cent_under_three_quarters_fails_an_item_6_to_8_matter(item):
    specs = [*same(5, "agree", "100.00"), ("agree", "99.99", 1)]
    specs += [("oppose", "100.00", 1), ("oppose", "100.01", 1)]
    result = count(specs, total_heads=12, item=item)
    assert result.agree_head_ratio == Fraction(3, 4)
    assert (result.passed, result.failed_condition) == (False, "agree_area")


def test_two_thirds_agreement_passes_a_majority_matter_but_not_a_three_quarter_one():
    specs = same(6, "agree", "100.00") + same(3, "oppose", "100.00")
    assert count(specs, total_area="900.00", item=1).passed
    assert count(specs, total_area="900.00", item=6).failed_condition == "agree_area"


def test_abstentions_take_part_and_weigh_against_agreement():
    # without the 2 abstentions only 4 of 9 heads would take part; with them 6 of 9 do,
    # and 3 agreeing of 6 taking part is exactly half: it fails
    specs = [*same(3, "agree", "100.00"), ("oppose", "100.00", 1)]
    specs += same(2, "abstain", "100.00")
    result = count(specs, total_area="900.00")
    assert (result.participating_heads, result.participating_area) == (6, Decimal("600.00"))
    assert result.as_dict()["participation_head_ratio"] == "2/3"
    assert result.as_dict()["agree_head_ratio"] == "1/2"
    assert result.failed_condition == "agree_area"


def test_non_voters_do_not_take_part():
    result = count(same(5, "agree", "200.00"))
    assert (result.participating_heads, result.failed_condition) == (5, "participation_heads")


def test_nobody_voting_fails_on_participation_with_no_agreement_ratio():
    result = count([])
    assert result.as_dict()["participation_area_ratio"] == "0/1"
    assert result.as_dict()["agree_area_ratio"] is None
    assert result.failed_condition == "participation_area"


def test_exactly_half_agreeing_area_fails_where_float_sums_would_pass_it():
    agree = ["186.93", "113.86", "120.90"]
    oppose = ["149.52", "174.89", "97.28"]
    # the trap: in floats the agreeing side looks larger than the opposing one
    assert sum(float(a) for a in agree) > sum(float(o) for o in oppose)
    specs = [("agree", a, 1) for a in agree] + [("oppose", o, 1) for o in oppose]
    result = count(specs, total_area="1264.14", total_heads=9)
    assert result.agree_area == Decimal("421.69")
    assert result.as_dict()["agree_area_ratio"] == "1/2"
    assert result.failed_condition == "agree_area"


def test_exactly_two_thirds_participation_passes_where_float_division_would_fail_it():
    areas = ["174.67", "125.30", "97.47", "53.52"]
    # the trap: in floats 450.96 / 676.44 comes out just under 2/3; 4 of 6 heads take part
    assert sum(float(a) for a in areas) / 676.44 < 2 / 3
    result = count([("agree", a, 1) for a in areas], total_area="676.44", total_heads=6)
    assert result.participating_area == Decimal("450.96")
    assert result.as_dict()["participation_area_ratio"] == "2/3"
    assert result.passed


def test_more_taking_part_than_the_electorate_is_refused():
    with pytest.raises(ValueError, match="超过总人数"):
        count(same(10, "agree", "1.00"))
    with pytest.raises(ValueError, match="超过总面积"):
        count([("agree", "1200.01", 1)])


def test_an_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="agree/oppose/abstain"):
        count([("yes", "1.00", 1)])
