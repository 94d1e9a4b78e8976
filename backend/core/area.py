"""Floor areas (m²) as exact decimals of at most two places: the one parser behind the
owner registry's import, a vote's area correction and the offline recount. Each caller keeps
its own range (a registered unit, a ballot, a published total) and its own words."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


class AreaError(ValueError):
    """Not an area: ``reason`` is ``"number"`` (not a finite number) or ``"places"`` (more
    than two decimal places)."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(f"{reason}: {value!r}")
        self.reason = reason


def parse_area(value: object) -> Decimal:
    """``value`` (a decimal string, an int or a Decimal; never a float or a bool) as an
    exact Decimal with at most two places, or :class:`AreaError`."""
    if isinstance(value, bool | float) or not isinstance(value, str | int | Decimal):
        raise AreaError("number", value)
    try:
        area = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise AreaError("number", value) from None
    if not area.is_finite():
        raise AreaError("number", value)
    if _places(area) > 2:
        raise AreaError("places", value)
    return area


def _places(area: Decimal) -> int:
    """Decimal places that matter (``"150.000"`` has none): exact, whatever the size."""
    _sign, digits, exponent = area.as_tuple()
    digits = list(digits)
    while exponent < 0 and len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(0, -exponent)
