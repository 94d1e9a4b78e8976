"""split_by_area: a cost split by area to the fen (largest remainder, ties by unit key)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.fund.money import split_by_area

D = Decimal


def test_a_total_that_does_not_divide_gives_the_leftover_to_the_largest_remainders():
    # 100 fen over 3 equal areas: 33.33… each, one fen left, to the smallest key
    assert split_by_area(100, {"1-101": D("90"), "1-102": D("90"), "1-103": D("90")}) == {
        "1-101": 34,
        "1-102": 33,
        "1-103": 33,
    }


def test_equal_areas_break_ties_by_key_as_strings_not_numbers():
    # "10" < "9" as strings: the leftover fen goes to "10", then "11"
    parts = split_by_area(5, {"9": D("1"), "10": D("1"), "11": D("1")})
    assert parts == {"9": 1, "10": 2, "11": 2}


def test_one_unit_pays_everything():
    assert split_by_area(123457, {"3-201": D("88.88")}) == {"3-201": 123457}


def test_zero_total_gives_zero_to_each():
    assert split_by_area(0, {"a": D("1.5"), "b": D("2")}) == {"a": 0, "b": 0}


def test_areas_with_two_decimals_split_exactly_by_largest_remainder():
    # exact shares of 1000 over 89.47 + 120.05 + 65.33 = 274.85:
    # 325.523… / 436.783… / 237.693… → floors 325/436/237 (998), 2 fen left:
    # remainders .783 (b) and .693 (c) are the largest
    parts = split_by_area(1000, {"a": D("89.47"), "b": D("120.05"), "c": D("65.33")})
    assert parts == {"a": 325, "b": 437, "c": 238}
    assert sum(parts.values()) == 1000


def test_a_larger_remainder_beats_a_smaller_key():
    # shares 1/3·10=3.33, 2/3·10=6.67: the leftover goes to "b" (remainder .67) not "a"
    assert split_by_area(10, {"a": D("1"), "b": D("2")}) == {"a": 3, "b": 7}


def test_many_units_with_tied_remainders_fill_in_key_order():
    # 7 fen over 10 equal units: every share is 0.7 → seven units get 1, by key
    areas = {f"u{n:02d}": D("50.00") for n in range(10)}
    parts = split_by_area(7, areas)
    assert [k for k, v in sorted(parts.items()) if v == 1] == [f"u{n:02d}" for n in range(7)]
    assert sum(parts.values()) == 7


def test_tied_remainders_among_unequal_areas():
    # areas 1,1,2 of 6 fen... exact 1.5, 1.5, 3 → one leftover to key "a" (tie with "b")
    assert split_by_area(6, {"b": D("1"), "a": D("1"), "c": D("2")}) == {"a": 2, "b": 1, "c": 3}


@pytest.mark.parametrize(
    ("total", "areas"),
    [
        (-1, {"a": D("1")}),
        (100, {}),
        (100, {"a": D("0")}),
        (100, {"a": D("1"), "b": D("-2.5")}),
        (100, {"a": D("NaN")}),
    ],
)
def test_bad_input_is_refused(total, areas):
    with pytest.raises(ValueError):
        split_by_area(total, areas)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        split_by_area(100, {"a": 1.5})
    with pytest.raises(TypeError):
        split_by_area(100.0, {"a": D("1")})


areas_strategy = st.dictionaries(
    keys=st.text(alphabet="0123456789-ABC", min_size=1, max_size=6),
    values=st.decimals(min_value=D("0.01"), max_value=D("100000.00"), places=2),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(total=st.integers(min_value=0, max_value=10**12), areas=areas_strategy)
def test_parts_sum_to_the_total_and_stay_within_a_fen_of_the_exact_share(total, areas):
    parts = split_by_area(total, areas)
    assert set(parts) == set(areas)
    assert sum(parts.values()) == total
    total_area = sum(Fraction(a) for a in areas.values())
    for key, area in areas.items():
        exact = total * Fraction(area) / total_area
        assert abs(parts[key] - exact) < 1
        assert parts[key] >= 0
