"""One area parser (``backend.core.area``) for the importer, the vote panel and the recount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.core.area import AreaError, parse_area


@pytest.mark.parametrize(
    ("value", "area"),
    [("89.37", Decimal("89.37")), (" 120 ", Decimal("120")), (150, Decimal("150")),
     ("150.000", Decimal("150.000")), (Decimal("0.01"), Decimal("0.01"))],
)  # fmt: skip
def test_an_area_is_an_exact_decimal_of_two_places(value, area):
    assert parse_area(value) == area


@pytest.mark.parametrize(
    ("value", "reason"),
    [("abc", "number"), ("NaN", "number"), ("Infinity", "number"), (89.37, "number"),
     (True, "number"), (None, "number"), ("89.375", "places"),
     ("1234567890123456789012345678.123", "places")],
)  # fmt: skip
def test_what_is_not_an_area_says_why(value, reason):
    with pytest.raises(AreaError) as refused:
        parse_area(value)
    assert refused.value.reason == reason
