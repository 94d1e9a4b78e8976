"""The schedule engine: due dates counted from the start, the same in any windows."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest

from backend.safety.schedule import DEFAULT_FILE, Item, SchedulesError, add_months, parse

HALF_MONTH = Item("half_month", "半月维护保养", "", (), every_days=15)
QUARTER = Item("quarter", "季度维护保养", "", (), every_months=3)


def _months(first: date, count: int):
    """Consecutive calendar-month windows (first day, last day)."""
    for _ in range(count):
        nxt = add_months(first, 1)
        yield first, nxt - timedelta(days=1)
        first = nxt


def test_a_15_day_cycle_generated_month_by_month_neither_skips_nor_doubles():
    # 2027: 春节 is 6 February (holidays 5–13 Feb); month ends of 28, 30 and 31 days
    start = date(2026, 12, 20)
    windows = list(_months(date(2027, 1, 1), 6))
    by_month = [d for first, last in windows for d in HALF_MONTH.due_dates(start, first, last)]
    whole = HALF_MONTH.due_dates(start, date(2027, 1, 1), date(2027, 6, 30))
    assert by_month == whole
    assert len(set(by_month)) == len(by_month)
    gaps = {(b - a).days for a, b in pairwise(by_month)}
    assert gaps == {15}
    # the Spring Festival does not move the cycle: 3 Feb, then 18 Feb
    assert [d for d in whole if date(2027, 2, 1) <= d <= date(2027, 2, 20)] == [
        date(2027, 2, 3),
        date(2027, 2, 18),
    ]
    # the first date after the window start is within 15 days of the last one before it
    assert whole[0] == date(2027, 1, 4)


def test_overlapping_and_daily_windows_give_the_same_dates():
    start = date(2027, 1, 31)
    days = [date(2027, 1, 1) + timedelta(days=i) for i in range(120)]
    daily = [d for day in days for d in HALF_MONTH.due_dates(start, day, day)]
    assert daily == HALF_MONTH.due_dates(start, days[0], days[-1])


def test_nothing_is_due_before_the_start():
    assert HALF_MONTH.due_dates(date(2027, 3, 1), date(2027, 1, 1), date(2027, 3, 1)) == [
        date(2027, 3, 1)
    ]


def test_month_items_fall_on_the_last_day_of_a_short_month_without_drifting():
    start = date(2026, 11, 30)
    dates = QUARTER.due_dates(start, date(2026, 11, 1), date(2027, 12, 31))
    assert dates == [
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 30),
        date(2027, 8, 30),
        date(2027, 11, 30),
    ]


def test_add_months_clamps_and_goes_back():
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)
    assert add_months(date(2028, 3, 31), -1) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 15), 12) == date(2028, 1, 15)


def test_the_default_file_has_the_lift_cycle_of_tsg_t5002():
    with open(DEFAULT_FILE, encoding="utf-8") as handle:
        plan = parse(handle.read())
    lift = {i.code: i for i in plan[next(k for k in plan if k.value == "lift")]}
    assert lift["half_month"].every_days == 15
    assert (lift["quarter"].every_months, lift["half_year"].every_months) == (3, 6)
    assert lift["year"].every_months == 12
    assert all(i.checklist for i in lift.values())


@pytest.mark.parametrize(
    "text",
    [
        '[[lift]]\ncode = "x"\nlabel = "x"\n',
        '[[lift]]\ncode = "x"\nlabel = "x"\nevery_days = 0\n',
        '[[rocket]]\ncode = "x"\nlabel = "x"\nevery_days = 1\n',
        '[[lift]]\nlabel = "x"\nevery_days = 1\n',
    ],
)
def test_a_malformed_schedules_file_is_refused(text):
    with pytest.raises(SchedulesError):
        parse(text)
