"""How the panel reads an exact published fraction to people (issue 19: "0/1（0.00%）")."""

from __future__ import annotations

import pytest

from backend.votes.panel import ratio_percent, ratio_reading


@pytest.mark.parametrize(
    ("ratio", "reading"),
    [
        ("0/1", "0（0%）"),
        ("1/1", "1（100%）"),
        ("2/3", "2/3（66.67%）"),
        ("1/2", "1/2（50%）"),
        ("1903/2900", "1903/2900（65.62%）"),
        ("", "—"),
        (None, "—"),
    ],
)
def test_a_fraction_reads_without_a_denominator_of_one_or_trailing_zeros(ratio, reading):
    assert ratio_reading(ratio) == reading


def test_the_percent_beside_a_fraction_keeps_two_decimals_at_most():
    assert ratio_percent("2/3") == "66.67%" and ratio_percent("0/7") == "0%"
