"""Month arithmetic: one helper (``backend.core.time.month_start``) for every feature."""

from __future__ import annotations

from datetime import date

import pytest

from backend.core.time import month_end, month_start


@pytest.mark.parametrize(
    ("day", "months", "first"),
    [
        (date(2026, 3, 31), 0, date(2026, 3, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 1)),
        (date(2026, 1, 15), -1, date(2025, 12, 1)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 20), -11, date(2025, 6, 1)),
        (date(2026, 5, 20), -14, date(2025, 3, 1)),
        (date(2026, 1, 1), 24, date(2028, 1, 1)),
    ],
)
def test_month_start_moves_by_whole_months_across_years(day, months, first):
    assert month_start(day, months) == first


def test_month_end_knows_29_february():
    assert month_end(date(2028, 2, 3)) == date(2028, 2, 29)
    assert month_end(date(2026, 2, 3)) == date(2026, 2, 28)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)
